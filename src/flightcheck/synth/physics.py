"""Flight physics: a lateral path (polyline) and a time profile of phases along it.

Model (documented in sample_tracks/README.md):

* **Lateral path**: straight taxi lines on the airport, the runway centreline from the real
  threshold along the real runway heading, turns as circular arcs flown at standard rate
  (3 deg/s, bank capped at 25 deg, radius ``v / omega``), great-circle legs between
  waypoints, a racetrack hold (1-min legs, standard-rate 180 deg turns), an arc onto the
  extended centreline and a straight final.
* **Time profile**: a list of phases. In each phase the speed changes linearly in time from
  ``v0`` to ``v1`` (constant acceleration) and the altitude linearly in time from ``a0`` to
  ``a1`` (constant vertical rate). Distance covered is ``(v0 + v1) / 2 * T``; the phases
  together cover the path exactly (the cruise phase absorbs what the others leave).
* Take-off roll: constant acceleration from rest to rotation speed; initial climb straight out
  on the runway heading to 1,500 ft above the field; climb at the type's rates (250 kt below
  10,000 ft); cruise at the type's cruise speed; descent at the type's rate; final approach on
  a 3 deg glide path from 3,000 ft above the threshold at approach speed; landing roll with
  constant deceleration to taxi speed. No wind: ground speed equals true airspeed, and
  barometric altitude equals altitude above mean sea level (ISA).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from flightcheck.synth import geo
from flightcheck.synth.aircraft import AircraftType
from flightcheck.synth.airfields import Airfield, RunwayEnd

KT = 1852.0 / 3600.0
"""Metres per second per knot."""
FT = 0.3048
"""Metres per foot."""
G = 9.80665
STANDARD_RATE_DEG_S = 3.0
MAX_BANK_DEG = 25.0
GLIDE_DEG = 3.0
TOUCHDOWN_M = 300.0
"""Touchdown point beyond the threshold (the glide-path aiming point)."""

PHASES = (
    "parked",
    "taxi",
    "lineup",
    "takeoff",
    "climb",
    "cruise",
    "descent",
    "hold",
    "approach",
    "final",
    "landing",
    "touch_and_go",
    "circuit",
    "go_around",
)
"""Phase names; a trajectory stores their index."""
P = {name: i for i, name in enumerate(PHASES)}


def turn_radius_m(speed_ms: float) -> float:
    """Radius of a standard-rate turn at ``speed_ms``, bank limited to 25 deg."""
    omega = np.radians(STANDARD_RATE_DEG_S)
    return max(speed_ms / omega, speed_ms**2 / (G * np.tan(np.radians(MAX_BANK_DEG))))


def glide_distance_m(height_ft: float) -> float:
    """Ground distance of a 3 deg glide from ``height_ft`` above the touchdown point."""
    return height_ft * FT / np.tan(np.radians(GLIDE_DEG))


@dataclass
class Event:
    """Something the truth records: kind, time (s from the start of its builder), airport."""

    kind: str
    t: float
    airport: str
    end: float | None = None
    s: float | None = None
    extra: dict = field(default_factory=dict)


class Builder:
    """Accumulates a path (lat/lon polyline with cumulative distance) and a list of phases."""

    def __init__(self, lat: float, lon: float, heading: float, alt_ft: float):
        self.lat: list[float] = [float(lat)]
        self.lon: list[float] = [float(lon)]
        self.s: list[float] = [0.0]
        self.heading = float(heading)
        self.alt = float(alt_ft)
        self.speed = 0.0
        self.phases: list[tuple] = []  # (t0, T, s0, v0, v1, a0, a1, ground, code)
        self.t = 0.0
        self.dist = 0.0
        self.events: list[Event] = []

    # --- path -------------------------------------------------------------------------------
    @property
    def here(self) -> tuple[float, float]:
        return self.lat[-1], self.lon[-1]

    def add_points(self, lat, lon) -> None:
        """Append polyline vertices; points repeating the previous one are skipped."""
        lat = np.atleast_1d(np.asarray(lat, dtype=float))
        lon = np.atleast_1d(np.asarray(lon, dtype=float))
        if len(lat) == 0:
            return
        plat = np.concatenate(([self.lat[-1]], lat[:-1]))
        plon = np.concatenate(([self.lon[-1]], lon[:-1]))
        d = geo.distance_m(plat, plon, lat, lon)
        keep = d > 0.01
        if not keep.all():
            lat, lon = lat[keep], lon[keep]
            if len(lat) == 0:
                return
            plat = np.concatenate(([self.lat[-1]], lat[:-1]))
            plon = np.concatenate(([self.lon[-1]], lon[:-1]))
            d = geo.distance_m(plat, plon, lat, lon)
        self.s.extend((self.s[-1] + np.cumsum(d)).tolist())
        self.lat.extend(lat.tolist())
        self.lon.extend(lon.tolist())
        self.heading = float(geo.bearing_deg(plat[-1], plon[-1], lat[-1], lon[-1]))

    def straight(self, heading: float, dist_m: float, step_m: float = 2000.0) -> None:
        """A straight (great-circle) line from here along ``heading``."""
        if dist_m <= 0:
            return
        n = max(1, int(np.ceil(dist_m / step_m)))
        lat, lon = geo.destination(
            self.lat[-1], self.lon[-1], heading, np.linspace(dist_m / n, dist_m, n)
        )
        self.add_points(lat, lon)

    def to(self, lat: float, lon: float, step_m: float = 10_000.0) -> None:
        """A great-circle line from here to (lat, lon)."""
        glat, glon = geo.great_circle(self.lat[-1], self.lon[-1], lat, lon, step_m)
        self.add_points(glat[1:], glon[1:])

    def arc(self, turn_deg: float, radius_m: float) -> None:
        """A constant-radius turn by ``turn_deg`` (positive right) from the current heading."""
        if abs(turn_deg) < 0.5:
            return
        side = 1.0 if turn_deg > 0 else -1.0
        c_lat, c_lon = geo.destination(
            self.lat[-1], self.lon[-1], self.heading + 90 * side, radius_m
        )
        start = self.heading - 90 * side
        n = max(2, int(np.ceil(abs(turn_deg) / 5.0)))
        theta = start + np.linspace(0, turn_deg, n + 1)[1:]
        lat, lon = geo.destination(np.full(n, c_lat), np.full(n, c_lon), theta, radius_m)
        final = (self.heading + turn_deg) % 360.0
        self.add_points(lat, lon)
        self.heading = final

    # --- profile ----------------------------------------------------------------------------
    def phase(
        self,
        code: str,
        *,
        dist_m: float | None = None,
        duration_s: float | None = None,
        v1: float | None = None,
        a1: float | None = None,
        ground: bool = False,
    ) -> float:
        """Append a phase ending at speed ``v1`` (m/s) and altitude ``a1`` (ft).

        Give the distance (duration follows from the mean speed) or the duration (distance
        follows). Returns the phase duration in seconds.
        """
        v0 = self.speed
        v1 = v0 if v1 is None else float(v1)
        a0 = self.alt
        a1 = a0 if a1 is None else float(a1)
        if dist_m is not None:
            mean = (v0 + v1) / 2
            duration = 0.0 if dist_m <= 0 else dist_m / mean
        else:
            duration = float(duration_s or 0.0)
            dist_m = (v0 + v1) / 2 * duration
        if duration <= 0:
            self.speed, self.alt = v1, a1
            return 0.0
        self.phases.append((self.t, duration, self.dist, v0, v1, a0, a1, ground, P[code]))
        self.t += duration
        self.dist += dist_m
        self.speed, self.alt = v1, a1
        return duration

    def mark(self, kind: str, airport: str, **extra) -> Event:
        ev = Event(kind, self.t, airport, s=self.dist, extra=extra)
        self.events.append(ev)
        return ev

    def merge(self, other: Builder) -> None:
        """Append another builder that starts where this one ends."""
        t_off, s_off = self.t, self.dist
        for ph in other.phases:
            self.phases.append((ph[0] + t_off, ph[1], ph[2] + s_off, *ph[3:]))
        for ev in other.events:
            ev.t += t_off
            ev.end = None if ev.end is None else ev.end + t_off
            ev.s = None if ev.s is None else ev.s + s_off
            self.events.append(ev)
        self.add_points(other.lat[1:], other.lon[1:])
        self.t += other.t
        self.dist += other.dist
        self.speed, self.alt, self.heading = other.speed, other.alt, other.heading


def _climb_distance(ac: AircraftType, v0: float, v1: float, dh_ft: float, fpm: float) -> float:
    return (v0 + v1) / 2 * (abs(dh_ft) / fpm * 60.0)


class LegPlanner:
    """Plans one flight from parking at ``origin`` to parking at ``dest``.

    ``approaches``: what happens at the destination, in order; each is "touch_and_go",
    "go_around" or "low_approach" (each followed by a circuit), and the last is always
    "land". ``via``: airfields overflown at cruise level. ``hold_laps``: racetrack laps at
    the arrival fix before the approach.
    """

    def __init__(
        self,
        ac: AircraftType,
        origin: Airfield,
        dest: Airfield,
        dep_end: RunwayEnd,
        arr_end: RunwayEnd,
        *,
        cruise_ft: float | None = None,
        via: tuple[Airfield, ...] = (),
        hold_laps: int = 0,
        approaches: tuple[str, ...] = ("land",),
        lineup_s: float = 60.0,
    ):
        self.ac, self.origin, self.dest = ac, origin, dest
        self.dep, self.arr = dep_end, arr_end
        self.cruise_ft = min(cruise_ft or ac.cruise_ft, ac.max_alt_ft)
        self.via, self.hold_laps = via, hold_laps
        self.approaches = (
            tuple(approaches) if approaches and approaches[-1] == "land" else (*approaches, "land")
        )
        self.lineup_s = lineup_s

    # -- ground ------------------------------------------------------------------------------
    def _taxi_out(self, b: Builder) -> None:
        ac, end = self.ac, self.dep
        side = (
            1.0
            if geo.wrap180(geo.bearing_deg(end.lat, end.lon, b.lat[0], b.lon[0]) - end.heading_deg)
            > 0
            else -1.0
        )
        e_lat, e_lon = geo.destination(end.lat, end.lon, end.heading_deg + 90 * side, 180.0)
        b.add_points([e_lat, end.lat], [e_lon, end.lon])
        b.speed = ac.taxi_kt * KT
        b.phase("taxi", dist_m=b.s[-1], ground=True)
        b.heading = end.heading_deg
        b.speed = 0.0
        b.phase("lineup", duration_s=self.lineup_s, ground=True)

    def _taxi_in(self, b: Builder, airfield: Airfield) -> None:
        side = (
            1.0
            if geo.wrap180(
                geo.bearing_deg(*b.here, airfield.parking_lat, airfield.parking_lon) - b.heading
            )
            > 0
            else -1.0
        )
        x_lat, x_lon = geo.destination(*b.here, b.heading + 90 * side, 180.0)
        s0 = b.s[-1]
        b.add_points([x_lat, airfield.parking_lat], [x_lon, airfield.parking_lon])
        b.phase("taxi", dist_m=b.s[-1] - s0, v1=self.ac.taxi_kt * KT, ground=True)
        b.speed = 0.0

    # -- airborne pieces ---------------------------------------------------------------------
    def _takeoff(self, b: Builder, end: RunwayEnd) -> None:
        ac = self.ac
        vr = ac.rotate_kt * KT
        roll = vr**2 / (2 * ac.accel_ms2)
        b.straight(end.heading_deg, roll, step_m=roll)
        b.phase("takeoff", dist_m=roll, v1=vr, ground=True)
        b.mark("wheels_off", end.airport, runway=end.ident)

    def _climb_straight(self, b: Builder, to_ft: float, v1: float, code: str = "climb") -> None:
        dh = to_ft - b.alt
        dist = _climb_distance(self.ac, b.speed, v1, dh, self.ac.climb_fpm)
        b.straight(b.heading, dist)
        b.phase(code, dist_m=dist, v1=v1, a1=to_ft)

    def _final(self, b: Builder, end: RunwayEnd, from_ft_agl: float, to_ft_agl: float = 0.0):
        """Fly the 3 deg glide from ``from_ft_agl`` down to ``to_ft_agl`` above touchdown."""
        dist = glide_distance_m(from_ft_agl) - glide_distance_m(to_ft_agl)
        b.straight(end.heading_deg, dist)
        b.phase("final", dist_m=dist, v1=self.ac.approach_kt * KT, a1=end.elevation_ft + to_ft_agl)

    def _circuit(self, b: Builder, end: RunwayEnd, x_m: float, h_agl: float) -> None:
        """Upwind climb from along-runway position ``x_m`` (from touchdown), a left-hand
        circuit at ``h_agl`` and the turn onto final at the glide entry point."""
        ac = self.ac
        v = ac.circuit_kt * KT
        up = _climb_distance(ac, b.speed, v, end.elevation_ft + h_agl - b.alt, ac.climb_fpm)
        b.straight(end.heading_deg, up)
        b.phase("circuit", dist_m=up, v1=v, a1=end.elevation_ft + h_agl)
        r = turn_radius_m(v)
        s0 = b.s[-1]
        b.heading = end.heading_deg
        b.arc(-180.0, r)
        b.straight(b.heading, x_m + up + glide_distance_m(h_agl))
        b.arc(-180.0, r)
        # slow to approach speed on downwind and base, so the final is flown at constant speed
        b.phase("circuit", dist_m=b.s[-1] - s0, v1=ac.approach_kt * KT)

    def _touchdown_point(self, end: RunwayEnd) -> tuple[float, float]:
        lat, lon = geo.destination(end.lat, end.lon, end.heading_deg, TOUCHDOWN_M)
        return float(lat), float(lon)

    def _arrival(self, inbound_from: tuple[float, float]) -> tuple[Builder, float, float]:
        """Hold (optional), arc onto final, approaches and landing. Returns the builder that
        starts at the arrival fix A, the altitude and the speed expected at A."""
        ac, end = self.ac, self.arr
        td_lat, td_lon = self._touchdown_point(end)
        f_dist = glide_distance_m(3000.0)
        f_lat, f_lon = map(float, geo.destination(td_lat, td_lon, end.heading_deg + 180.0, f_dist))
        v_a = ac.hold_kt * KT
        r = turn_radius_m(v_a)
        extra = 20_000.0 if self.hold_laps else 8_000.0
        a_lat, a_lon, course = f_lat, f_lon, end.heading_deg
        for _ in range(3):  # the inbound course depends on where the arc starts
            course = float(geo.bearing_deg(a_lat, a_lon, *inbound_from) + 180.0) % 360.0
            turn = float(geo.wrap180(end.heading_deg - course))
            side = 1.0 if turn > 0 else -1.0
            c_lat, c_lon = geo.destination(f_lat, f_lon, end.heading_deg + 90 * side, r)
            s_lat, s_lon = geo.destination(c_lat, c_lon, course - 90 * side, r)
            a_lat, a_lon = map(float, geo.destination(s_lat, s_lon, course + 180.0, extra))
        b0 = Builder(a_lat, a_lon, course, 0.0)
        b0.straight(course, extra)
        b0.arc(turn, r)
        b0.to(f_lat, f_lon, step_m=5000)  # closes the tiny residual of the approximation
        arc_len = b0.s[-1]
        alt_a = end.elevation_ft + 3000.0 + arc_len * np.tan(np.radians(GLIDE_DEG)) / FT
        alt_a = float(np.round(alt_a / 100.0) * 100.0)
        b = Builder(a_lat, a_lon, course, alt_a)
        b.speed = v_a
        if self.hold_laps:
            ev = b.mark(
                "hold", self.dest.ident, lat=a_lat, lon=a_lon, alt_ft=alt_a, laps=self.hold_laps
            )
            leg = v_a * 60.0
            s0 = b.s[-1]
            for _ in range(self.hold_laps):
                b.heading = course
                b.arc(180.0, turn_radius_m(v_a))
                b.straight(b.heading, leg)
                b.arc(180.0, turn_radius_m(v_a))
                b.to(a_lat, a_lon, step_m=leg / 4)
            b.phase("hold", dist_m=b.s[-1] - s0)
            ev.end = b.t
            b.heading = course
        s0 = b.s[-1]
        b.add_points(b0.lat[1:], b0.lon[1:])
        b.phase(
            "approach", dist_m=b.s[-1] - s0, v1=ac.approach_kt * KT, a1=end.elevation_ft + 3000.0
        )
        self._approaches(b, end, 3000.0)
        return b, alt_a, v_a

    def _approaches(self, b: Builder, end: RunwayEnd, h: float) -> None:
        """Each approach in turn from the glide entry at ``h`` ft above the field; all but
        the last are followed by a circuit, the last lands and taxis to parking."""
        ac = self.ac
        for kind in self.approaches:
            if kind == "land":
                self._final(b, end, h)
                b.mark("touchdown", self.dest.ident, runway=end.ident)
                v_exit = ac.taxi_kt * KT * 1.3
                roll = (b.speed**2 - v_exit**2) / (2 * ac.decel_ms2)
                b.straight(end.heading_deg, roll, step_m=roll)
                b.phase("landing", dist_m=roll, v1=v_exit, ground=True)
                self._taxi_in(b, self.dest)
            elif kind == "touch_and_go":
                self._final(b, end, h)
                b.mark("touch_and_go", self.dest.ident, runway=end.ident)
                roll = 700.0
                b.straight(end.heading_deg, roll, step_m=roll)
                b.phase("touch_and_go", dist_m=roll, v1=ac.rotate_kt * KT, ground=True)
                h = 1500.0
                self._circuit(b, end, roll, h)
            elif kind in ("go_around", "low_approach"):
                # down the glide to 300 ft (go-around) or 100 ft (low pass), then climb away
                floor = 300.0 if kind == "go_around" else 100.0
                self._final(b, end, h, floor)
                b.mark(kind, self.dest.ident, runway=end.ident, alt_ft=end.elevation_ft + floor)
                run = glide_distance_m(floor) + 1500.0
                b.straight(end.heading_deg, run)
                b.phase(
                    "go_around",
                    dist_m=run,
                    v1=ac.circuit_kt * KT,
                    a1=end.elevation_ft + floor + 400.0,
                )
                h = 2000.0
                self._circuit(b, end, 1500.0, h)
            else:
                raise ValueError(f"unknown approach kind {kind!r}")

    def _local(self, b: Builder) -> None:
        """Circuits at the departure airfield (origin == destination)."""
        end = self.dep
        td_lat, td_lon = self._touchdown_point(end)
        x = float(geo.distance_m(td_lat, td_lon, *b.here))
        self._circuit(b, end, x, 1500.0)
        self._approaches(b, end, 1500.0)

    def build(self) -> Builder:
        """The whole leg, parking to parking; times in seconds from the off-block time."""
        ac = self.ac
        b = Builder(self.origin.parking_lat, self.origin.parking_lon, 0.0, self.dep.elevation_ft)
        self._taxi_out(b)
        self._takeoff(b, self.dep)
        self._climb_straight(b, self.dep.elevation_ft + 1500.0, (ac.rotate_kt + 20) * KT)
        if self.dest.ident == self.origin.ident and not self.via:
            self._local(b)
            return b
        targets = [(v.lat, v.lon) for v in self.via]
        arrival, alt_a, v_a = self._arrival(targets[-1] if targets else b.here)
        first = targets[0] if targets else (arrival.lat[0], arrival.lon[0])
        # enroute path: departure turn, great circles through the waypoints, to the fix A
        e = Builder(*b.here, b.heading, b.alt)
        r = turn_radius_m(b.speed * 1.3)
        h0 = b.heading
        turn = 0.0
        for _ in range(3):
            trial = Builder(*b.here, h0, b.alt)
            trial.arc(turn, r)
            turn = float(geo.wrap180(geo.bearing_deg(*trial.here, *first) - h0))
        e.arc(turn, r)
        marks = []
        for (lat, lon), via in zip(targets, self.via, strict=True):
            e.to(lat, lon)
            marks.append((via.ident, e.s[-1]))
        e.to(arrival.lat[0], arrival.lon[0])
        length = e.s[-1]
        e.speed = b.speed
        self._enroute_profile(e, length, alt_a, v_a)
        for ident, s in marks:
            e.events.append(Event("overflight", float(np.nan), ident, s=s))
        b.merge(e)
        b.merge(arrival)
        return b

    def _enroute_profile(self, e: Builder, length: float, alt_a: float, v_a: float) -> None:
        """Climb, cruise and descent phases filling ``length`` metres exactly."""
        ac = self.ac
        v250 = min(250.0, ac.cruise_kt) * KT
        vc = ac.cruise_kt * KT
        start_alt, v_start = e.alt, e.speed
        cruise = float(np.floor(self.cruise_ft / 1000.0) * 1000.0)
        while True:
            low = min(10_000.0, cruise)
            plan = [
                ("climb", v250, low, ac.climb_fpm),
                ("climb", vc, cruise, ac.climb_high_fpm),
                ("descent", min(vc, 280 * KT), max(low, alt_a), ac.descent_fpm),
                ("descent", v_a, alt_a, ac.descent_fpm),
            ]
            used, v, a = 0.0, v_start, start_alt
            for _, v1, a1, rate in plan:
                used += _climb_distance(ac, v, v1, a1 - a, rate)
                v, a = v1, a1
            if used <= length or cruise <= max(alt_a, start_alt) + 1000:
                break
            cruise -= 1000.0
        v, a = v_start, start_alt
        for i, (code, v1, a1, rate) in enumerate(plan):
            if i == 2:  # cruise between climb and descent
                cruise_dist = max(0.0, length - used)
                e.phase("cruise", dist_m=cruise_dist)
            d = _climb_distance(ac, v, v1, a1 - a, rate)
            if used > length:  # short leg: squeeze climbs and descents proportionally
                d *= length / used
            e.phase(code, dist_m=d, v1=v1, a1=a1)
            v, a = v1, a1
