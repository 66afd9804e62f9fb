"""An aircraft's true movement over hours or days: legs between parked periods.

``fly()`` plans each leg with :class:`~flightcheck.synth.physics.LegPlanner`, joins them with
parked periods and returns a :class:`Trajectory` that evaluates the true state at any times
(vectorised) and knows the true stops, events and overflights.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from flightcheck.synth import geo
from flightcheck.synth.aircraft import Aircraft
from flightcheck.synth.airfields import airfield
from flightcheck.synth.physics import KT, PHASES, Builder, LegPlanner, P


def epoch(t: datetime | str | float) -> float:
    """Unix seconds from a datetime (naive = UTC), an ISO string or a number."""
    if isinstance(t, (int, float)):
        return float(t)
    if isinstance(t, str):
        t = datetime.fromisoformat(t.replace("Z", "+00:00"))
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t.timestamp()


def iso(t: float | None) -> str | None:
    """Unix seconds -> ``YYYY-MM-DDTHH:MM:SSZ`` (rounded to the second), None stays None."""
    if t is None or not np.isfinite(t):
        return None
    return datetime.fromtimestamp(round(t), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Leg:
    """One flight: leave parking at ``off_block`` and fly to ``to``.

    ``approaches``: e.g. ("touch_and_go", "go_around", "land"); ``via``: airports overflown
    at cruise level; ``hold_laps``: racetrack laps before the approach;
    ``transponder_off_on_ground``: the transponder stays off on the ground at the
    destination (the stop shows only as silence); ``dep_runway``/``arr_runway``: runway
    end idents (default: the end of the main runway closest to the course).
    """

    to: str
    off_block: datetime | str | float
    callsign: str | None = None
    approaches: tuple[str, ...] = ("land",)
    via: tuple[str, ...] = ()
    hold_laps: int = 0
    cruise_ft: float | None = None
    dep_runway: str | None = None
    arr_runway: str | None = None
    transponder_off_on_ground: bool = False


@dataclass
class Trajectory:
    """The true state of one aircraft as phases over a path (see physics.py)."""

    aircraft: Aircraft
    t0: np.ndarray
    duration: np.ndarray
    s0: np.ndarray
    v0: np.ndarray
    v1: np.ndarray
    a0: np.ndarray
    a1: np.ndarray
    ground: np.ndarray
    code: np.ndarray
    path_lat: np.ndarray
    path_lon: np.ndarray
    """Unwrapped longitudes (may exceed +-180 across the antimeridian)."""
    path_s: np.ndarray
    elev_ft: np.ndarray
    """Per phase: elevation (ft) of the airfield it belongs to (origin until the cruise,
    destination after), for heights above ground."""
    callsign_t: np.ndarray
    callsigns: list[str]
    stops: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    overflights: list[dict] = field(default_factory=list)
    silent: list[tuple[float, float]] = field(default_factory=list)
    """Intervals (Unix s) when the transponder is off although the aircraft moves."""

    @property
    def start(self) -> float:
        return float(self.t0[0])

    @property
    def end(self) -> float:
        return float(self.t0[-1] + self.duration[-1])

    def state(self, t) -> dict[str, np.ndarray]:
        """True state at Unix times ``t``: lat, lon (deg), alt_ft, gs_kt, track_deg,
        vrate_fpm, on_ground, phase (index into PHASES), callsign."""
        t = np.asarray(t, dtype=float)
        k = np.clip(np.searchsorted(self.t0, t, side="right") - 1, 0, len(self.t0) - 1)
        dur = self.duration[k]
        tau = np.clip(t - self.t0[k], 0.0, dur)
        frac = np.divide(tau, dur, out=np.zeros_like(tau), where=dur > 0)
        dv = self.v1[k] - self.v0[k]
        v = self.v0[k] + dv * frac
        s = self.s0[k] + self.v0[k] * tau + dv * tau * frac / 2
        alt = self.a0[k] + (self.a1[k] - self.a0[k]) * frac
        vrate = np.divide(
            (self.a1[k] - self.a0[k]) * 60.0, dur, out=np.zeros_like(tau), where=dur > 0
        )
        lat = np.interp(s, self.path_s, self.path_lat)
        lon = (np.interp(s, self.path_s, self.path_lon) + 540.0) % 360.0 - 180.0
        seg = np.clip(np.searchsorted(self.path_s, s, side="right") - 1, 0, len(self.path_s) - 2)
        brg = geo.bearing_deg(
            self.path_lat[:-1], self.path_lon[:-1], self.path_lat[1:], self.path_lon[1:]
        )
        ci = np.clip(np.searchsorted(self.callsign_t, t, side="right") - 1, 0, None)
        return {
            "lat": lat,
            "lon": lon,
            "alt_ft": alt,
            "gs_kt": v / KT,
            "track_deg": brg[seg],
            "vrate_fpm": vrate,
            "on_ground": self.ground[k],
            "phase": self.code[k],
            "callsign": np.asarray(self.callsigns, dtype=object)[ci],
            "s": s,
            "elev_ft": self.elev_ft[k],
        }

    def time_at(self, s: float) -> float:
        """Unix time when the aircraft passes path distance ``s`` (metres)."""
        moving = self.duration > 0
        dist = (self.v0 + self.v1) / 2 * self.duration
        k = int(np.flatnonzero(moving & (self.s0 <= s) & (self.s0 + dist >= s))[0])
        d, v0, a = s - self.s0[k], self.v0[k], (self.v1[k] - self.v0[k]) / self.duration[k]
        tau = d / v0 if abs(a) < 1e-9 else (-v0 + np.sqrt(v0 * v0 + 2 * a * d)) / a
        return float(self.t0[k] + tau)

    def phase_name(self, t: float) -> str:
        return PHASES[int(self.state([t])["phase"][0])]


def fly(
    aircraft: Aircraft,
    origin: str,
    legs: list[Leg],
    start: datetime | str | float,
    end: datetime | str | float | None = None,
    min_turnaround_s: float | None = None,
) -> Trajectory:
    """Plan ``legs`` for ``aircraft`` parked at ``origin`` from ``start`` (until ``end``, or
    one hour after the last landing). A leg that would leave before the previous one has
    reached parking raises ValueError, or, with ``min_turnaround_s``, is delayed to leave
    that many seconds after reaching parking."""
    t_start = epoch(start)
    here = airfield(origin)
    whole = Builder(here.parking_lat, here.parking_lon, 0.0, here.elevation_ft)
    whole.t = t_start
    elev: list[float] = []
    stops: list[dict] = [
        {
            "icao24": aircraft.icao24,
            "airport": here.ident,
            "arrival": None,
            "departure": None,
            "transponder_off_on_ground": False,
        }
    ]
    events, overflights, silent = [], [], []
    callsign_t, callsigns = [t_start], [aircraft.callsign]
    overflight_s: list[tuple[str, float]] = []
    for leg in legs:
        dest = airfield(leg.to)
        off = epoch(leg.off_block)
        if min_turnaround_s is not None:
            off = max(off, whole.t + min_turnaround_s)
        if off < whole.t:
            raise ValueError(
                f"leg to {leg.to} leaves at {iso(off)}, before the aircraft is "
                f"parked at {here.ident} ({iso(whole.t)})"
            )
        whole.speed = 0.0
        whole.alt = here.elevation_ft
        whole.phase("parked", duration_s=off - whole.t, ground=True)
        elev.extend([here.elevation_ft] * (len(whole.phases) - len(elev)))
        course = float(geo.bearing_deg(here.lat, here.lon, dest.lat, dest.lon))
        if leg.via:
            course = float(geo.bearing_deg(here.lat, here.lon, *_latlon(leg.via[0])))
        dep = here.end(leg.dep_runway) if leg.dep_runway else here.end_for_course(course)
        if dest.ident == here.ident and not leg.via:
            arr = dep
        elif leg.arr_runway:
            arr = dest.end(leg.arr_runway)
        else:
            last = _latlon(leg.via[-1]) if leg.via else (here.lat, here.lon)
            arr = dest.end_for_course(float(geo.bearing_deg(*last, dest.lat, dest.lon)))
        planner = LegPlanner(
            aircraft.type,
            here,
            dest,
            dep,
            arr,
            cruise_ft=leg.cruise_ft,
            via=tuple(airfield(v) for v in leg.via),
            hold_laps=leg.hold_laps,
            approaches=leg.approaches,
        )
        b = planner.build()
        callsign_t.append(whole.t)
        callsigns.append(leg.callsign or aircraft.callsign)
        n_before = len(whole.phases)
        whole.merge(b)  # shifts b's events to absolute time and path distance
        codes = [ph[8] for ph in whole.phases[n_before:]]
        split = codes.index(P["descent"]) if P["descent"] in codes else len(codes) // 2
        elev.extend([here.elevation_ft] * split + [dest.elevation_ft] * (len(codes) - split))
        for ev in b.events:
            t_ev = ev.t
            if ev.kind == "wheels_off":
                stops[-1]["departure"] = t_ev
            elif ev.kind == "touchdown":
                stops.append(
                    {
                        "icao24": aircraft.icao24,
                        "airport": dest.ident,
                        "arrival": t_ev,
                        "departure": None,
                        "transponder_off_on_ground": leg.transponder_off_on_ground,
                    }
                )
            elif ev.kind == "overflight":
                assert ev.s is not None, "an overflight event is marked with its distance"
                overflight_s.append((ev.airport, ev.s))
            else:
                item = {
                    "icao24": aircraft.icao24,
                    "kind": ev.kind,
                    "airport": ev.airport,
                    "time": t_ev,
                }
                if ev.end is not None:
                    item["end"] = ev.end
                item.update({k: v for k, v in ev.extra.items() if k not in ("lat", "lon")})
                events.append(item)
        here = dest
    t_end = max(epoch(end), whole.t + 60.0) if end is not None else whole.t + 3600.0
    whole.speed, whole.alt = 0.0, here.elevation_ft
    whole.phase("parked", duration_s=max(t_end - whole.t, 1.0), ground=True)
    elev.extend([here.elevation_ft] * (len(whole.phases) - len(elev)))
    ph = np.array(whole.phases, dtype=float)
    traj = Trajectory(
        aircraft,
        ph[:, 0],
        ph[:, 1],
        ph[:, 2],
        ph[:, 3],
        ph[:, 4],
        ph[:, 5],
        ph[:, 6],
        ph[:, 7].astype(bool),
        ph[:, 8].astype(int),
        np.asarray(whole.lat),
        np.unwrap(np.asarray(whole.lon), period=360.0),
        np.asarray(whole.s),
        np.asarray(elev),
        np.asarray(callsign_t),
        callsigns,
        stops,
        events,
    )
    for ident, s in overflight_s:
        t_ov = traj.time_at(s)
        st = traj.state([t_ov])
        overflights.append(
            {
                "icao24": aircraft.icao24,
                "airport": ident,
                "time": t_ov,
                "alt_ft": float(np.round(st["alt_ft"][0])),
            }
        )
    traj.overflights = overflights
    for stop in stops:
        if stop["transponder_off_on_ground"]:
            a, d = stop["arrival"], stop["departure"]
            silent.append((a, d if d is not None else traj.end))
    traj.silent = silent
    return traj


def _latlon(code: str) -> tuple[float, float]:
    a = airfield(code)
    return a.lat, a.lon


__all__ = ["Leg", "Trajectory", "fly", "epoch", "iso", "P"]
