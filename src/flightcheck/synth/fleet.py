"""Many aircraft flying between real airports, with their truth, for benchmarks and tests."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from flightcheck.errors import ReferenceDataError
from flightcheck.synth import geo
from flightcheck.synth.aircraft import TYPES, Aircraft
from flightcheck.synth.airfields import airfield
from flightcheck.synth.receivers import Receiver
from flightcheck.synth.trajectory import Leg, Trajectory, epoch, fly
from flightcheck.synth.truth import truth

REGION = (20.0, 60.0, -10.0, 60.0)
"""(lat_min, lat_max, lon_min, lon_max) of the default airport pool: Europe, North Africa
and the Middle East (crossing the Iran / Central Asia coverage hole)."""
STRIP_REGION = (-35.0, 45.0, -20.0, 60.0)
"""Africa, southern Europe and the Middle East: where military transports use short strips."""
MILITARY_TRANSPORTS = ("AN26", "C130", "IL76")
"""Generated types that use short and unpaved strips (the C-130 cruises at 290 kt and the
Il-76 at 430 kt: both faster than the speed that once made any aircraft a jet)."""


@dataclass
class Fleet:
    """Generated fixes of many aircraft (``points``, time-sorted per aircraft), their truth
    (``stops``, ``events``, ``overflights``, ``gaps``: lists of dicts, see truth.py) and the
    true trajectories."""

    points: pd.DataFrame
    truth: dict[str, list[dict]]
    trajectories: list[Trajectory] = field(repr=False)


def airport_pool(n: int = 150, region: tuple[float, float, float, float] = REGION) -> list[str]:
    """The ``n`` large airports of ``region`` with a paved runway, by ident (deterministic)."""
    from flightcheck.reference import airports

    t = airports.table()
    lat0, lat1, lon0, lon1 = region
    sel = t[
        (t["type"] == "large_airport") & t["lat"].between(lat0, lat1) & t["lon"].between(lon0, lon1)
    ]
    idents = sorted(str(i) for i in sel["ident"])
    out = []
    for ident in idents:
        try:
            if airfield(ident).ends[0].length_m >= 1800:
                out.append(ident)
        except (ReferenceDataError, ValueError):
            continue
        if len(out) >= n:
            break
    return out


def strip_pool(
    n: int = 60,
    region: tuple[float, float, float, float] = STRIP_REGION,
    min_ft: float = 3000.0,
    max_ft: float = 5000.0,
) -> list[str]:
    """The ``n`` small airports of ``region`` whose longest runway with threshold coordinates
    is ``min_ft`` to ``max_ft`` long (any surface), by ident (deterministic): the short
    strips military transports use."""
    from flightcheck.reference import airports

    t = airports.table()
    lat0, lat1, lon0, lon1 = region
    sel = t[
        (t["type"] == "small_airport") & t["lat"].between(lat0, lat1) & t["lon"].between(lon0, lon1)
    ]
    out = []
    for ident in sorted(str(i) for i in sel["ident"]):
        try:
            length_ft = airfield(ident).ends[0].length_m / 0.3048
        except (ReferenceDataError, ValueError):
            continue
        if min_ft <= length_ft <= max_ft:
            out.append(ident)
        if len(out) >= n:
            break
    return out


def _legs(
    rng: np.random.Generator,
    pool: list[str],
    lat: np.ndarray,
    lon: np.ndarray,
    home: int,
    start: float,
    end: float,
    callsign: str,
) -> list[Leg]:
    legs, here, t = [], home, start
    while True:
        d = geo.distance_m(lat[here], lon[here], lat, lon)
        ok = np.flatnonzero((d > 300_000) & (d < 3_000_000))
        if len(ok) == 0:
            break
        to = int(rng.choice(ok))
        if t > end:
            break
        via: tuple[str, ...] = ()
        if rng.random() < 0.15:
            mlat, mlon = geo.great_circle(
                lat[here], lon[here], lat[to], lon[to], step_m=float(d[to]) / 2
            )
            dm = geo.distance_m(mlat[1], mlon[1], lat, lon)
            cand = int(
                np.argmin(
                    np.where(
                        (np.arange(len(pool)) == here) | (np.arange(len(pool)) == to), np.inf, dm
                    )
                )
            )
            if dm[cand] < 100_000:
                via = (pool[cand],)
        r = rng.random()
        approaches = (
            ("touch_and_go", "land")
            if r < 0.05
            else ("go_around", "land")
            if r < 0.10
            else ("land",)
        )
        legs.append(
            Leg(
                pool[to],
                t,
                callsign=callsign,
                approaches=approaches,
                via=via,
                hold_laps=int(rng.random() < 0.1) * int(rng.integers(1, 3)),
                transponder_off_on_ground=bool(rng.random() < 0.25),
            )
        )
        here = to
        t += float(d[to]) / 200.0 + 1800.0 + rng.uniform(2700.0, 8 * 3600.0)
    return legs


def random_fleet(
    n_aircraft: int,
    days: float,
    seed: int = 0,
    start: str = "2025-10-01T00:00:00Z",
    receiver: Receiver | None = None,
    pool: list[str] | None = None,
    types: tuple[str, ...] | None = None,
) -> Fleet:
    """``n_aircraft`` aircraft flying for ``days`` days between real airports (deterministic
    given ``seed``): stops observed on the ground or only inferable (transponder off on the
    ground), touch-and-goes, go-arounds, holds and overflights, seen by ``receiver``
    (default: a network with no coverage over Iran and Central Asia). ``types``: the type
    codes drawn from (default every one in ``TYPES``)."""
    rng = np.random.default_rng(seed)
    receiver = receiver or Receiver()
    pool = pool or airport_pool()
    lat = np.array([airfield(a).lat for a in pool])
    lon = np.array([airfield(a).lon for a in pool])
    t0 = epoch(start)
    t_end = t0 + days * 86400.0
    codes = sorted(types or TYPES)
    hexes: list[int] = []
    while len(hexes) < n_aircraft:  # distinct addresses outside the small-state blocks
        h = int(rng.integers(0x100000, 0xF00000))
        if h not in hexes:
            hexes.append(h)
    points, trajs = [], []
    result: dict[str, list[dict]] = {"stops": [], "events": [], "overflights": [], "gaps": []}
    for i in range(n_aircraft):
        code = codes[int(rng.integers(len(codes)))]
        callsign = f"SYN{i:04d}"
        ac = Aircraft(f"{int(hexes[i]):06x}", code, f"SY-{i:04d}", callsign)
        home = int(rng.integers(len(pool)))
        legs = _legs(
            rng, pool, lat, lon, home, t0 + rng.uniform(0, 6 * 3600.0), t_end - 6 * 3600.0, callsign
        )
        if not legs:
            continue
        traj = fly(ac, pool[home], legs, t0, t_end, min_turnaround_s=2700.0)
        pts = receiver.observe(traj, rng)
        if pts.empty:
            continue
        trajs.append(traj)
        points.append(pts)
        for key, items in truth(traj, pts).items():
            result[key].extend(items)
    frame = pd.concat(points, ignore_index=True) if points else pd.DataFrame()
    return Fleet(frame, result, trajs)
