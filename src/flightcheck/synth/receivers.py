"""How receivers see a trajectory: irregular sampling, coverage, noise, outliers, clock.

A :class:`Receiver` turns a true :class:`~flightcheck.synth.trajectory.Trajectory` into
reported fixes (a DataFrame in track-table units, ``time`` as float Unix seconds):

* candidate times with intervals drawn uniformly in ``dt_low_s`` (1-10 s) while the
  transponder is on; above ``high_ft`` AGL they are thinned so that the mean interval is
  ``cruise_dt_s`` (networks store sparse cruise points);
* dropped where there is no coverage: inside ``holes`` (lon/lat polygons), below
  ``floors_ft`` above an airport's elevation within ``floor_radius_km`` of it, and, for a single
  receiver (``site``), beyond the radio horizon ``4.12 (sqrt(h_rx) + sqrt(h_ac))`` km;
* position noise (Gaussian, ``noise_m`` metres per axis), altitude quantised to 25 ft,
  vertical rate to 64 ft/min, and MLAT-like outliers (probability ``outlier_rate``,
  1-8 km off, marked ``position_source = "mlat"``);
* the transponder is off while parked and during a stop flagged transponder-off;
* ``clock_offset_s`` is added to every reported time (a receiver clock that runs ahead).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from flightcheck.synth import geo
from flightcheck.synth.airfields import airfield
from flightcheck.synth.physics import P
from flightcheck.synth.trajectory import Trajectory

IRAN_CENTRAL_ASIA = (
    (44.0, 39.5),
    (48.0, 39.0),
    (49.5, 46.5),
    (55.0, 51.0),
    (70.0, 55.0),
    (82.0, 49.5),
    (80.0, 42.0),
    (75.0, 37.0),
    (71.0, 29.5),
    (61.5, 25.0),
    (57.0, 25.5),
    (51.5, 27.0),
    (48.0, 30.0),
    (46.0, 33.0),
    (44.0, 37.0),
)
"""Lon/lat polygon: Iran, the Caspian, Turkmenistan, Uzbekistan, Kazakhstan, Kyrgyzstan,
Tajikistan and Afghanistan, where public ADS-B networks have almost no receivers."""


@dataclass(frozen=True)
class Receiver:
    """A receiver network or a single station and the way it records fixes."""

    name: str = "network"
    dt_low_s: tuple[float, float] = (1.0, 10.0)
    cruise_dt_s: float = 40.0
    high_ft: float = 10_000.0
    noise_m: float = 4.0
    outlier_rate: float = 0.002
    holes: tuple[tuple[tuple[float, float], ...], ...] = (IRAN_CENTRAL_ASIA,)
    floors_ft: Mapping[str, float] = field(default_factory=dict)
    floor_radius_km: float = 10.0
    site: tuple[float, float] | None = None
    """(lat, lon) of a single station: coverage limited by the radio horizon."""
    site_height_m: float = 30.0
    max_range_km: float = 400.0
    clock_offset_s: float = 0.0

    def observe(
        self,
        traj: Trajectory,
        rng: np.random.Generator,
        start: float | None = None,
        end: float | None = None,
    ) -> pd.DataFrame:
        """Reported fixes of ``traj`` between ``start`` and ``end`` (Unix s), time-sorted."""
        lo = traj.start if start is None else start
        hi = traj.end if end is None else end
        windows = _transponder_windows(traj, lo, hi)
        mean_dt = sum(self.dt_low_s) / 2
        parts = []
        for a, b in windows:
            n = (
                int((b - a) / self.dt_low_s[0]) + 2
                if (b - a) < 60
                else int((b - a) / mean_dt * 1.3) + 10
            )
            t = a + np.cumsum(rng.uniform(*self.dt_low_s, n))
            parts.append(t[t < b])
        t = np.concatenate(parts) if parts else np.empty(0)
        st = traj.state(t)
        elev = st["elev_ft"]
        keep = np.ones(len(t), dtype=bool)
        high = (st["alt_ft"] - elev) > self.high_ft
        keep &= ~high | (rng.random(len(t)) < mean_dt / self.cruise_dt_s)
        for hole in self.holes:
            keep &= ~shapely.contains_xy(shapely.Polygon(hole), st["lon"], st["lat"])
        for code, floor in self.floors_ft.items():
            ap = airfield(code)
            near = (
                geo.distance_m(st["lat"], st["lon"], ap.lat, ap.lon) < self.floor_radius_km * 1000.0
            )
            keep &= ~(near & (st["alt_ft"] - ap.elevation_ft < floor))
        if self.site is not None:
            d_km = geo.distance_m(st["lat"], st["lon"], *self.site) / 1000.0
            h_m = np.maximum(st["alt_ft"] * 0.3048 - elev * 0.3048, 0.0) + 2.0
            horizon = 4.12 * (np.sqrt(self.site_height_m) + np.sqrt(h_m))
            keep &= (d_km <= horizon) & (d_km <= self.max_range_km)
        for a, b in traj.silent:
            keep &= ~((t >= a) & (t <= b) & st["on_ground"])
        idx = np.flatnonzero(keep)
        st = {k: v[idx] for k, v in st.items()}
        t = t[idx]
        n = len(t)
        lat, lon = geo.offset_local(
            st["lat"], st["lon"], rng.normal(0, self.noise_m, n), rng.normal(0, self.noise_m, n)
        )
        outlier = rng.random(n) < self.outlier_rate
        k = int(outlier.sum())
        if k:
            dist = rng.uniform(1000.0, 8000.0, k)
            ang = rng.uniform(0.0, 2 * np.pi, k)
            lat[outlier], lon[outlier] = geo.offset_local(
                lat[outlier], lon[outlier], dist * np.sin(ang), dist * np.cos(ang)
            )
        ground = st["on_ground"].astype(bool)
        alt = np.round(st["alt_ft"] / 25.0) * 25.0
        ac = traj.aircraft
        return pd.DataFrame(
            {
                "time": t + self.clock_offset_s,
                "icao24": ac.icao24,
                "callsign": st["callsign"].astype(str),
                "registration": ac.registration,
                "typecode": ac.typecode,
                "lat": lat,
                "lon": lon,
                "alt_ft": alt,
                "alt_geom_ft": np.where(ground, np.nan, alt + 125.0),
                "on_ground": ground,
                "gs_kt": np.round(st["gs_kt"], 1),
                "track_deg": np.round(st["track_deg"], 1) % 360.0,
                "vrate_fpm": np.where(ground, 0.0, np.round(st["vrate_fpm"] / 64.0) * 64.0),
                "squawk": ac.squawk,
                "position_source": np.where(outlier, "mlat", "adsb"),
                "phase": st["phase"],
                "true_time": t,
            }
        )


def _transponder_windows(traj: Trajectory, lo: float, hi: float) -> list[tuple[float, float]]:
    """Intervals when the transponder is on: from 2 min before leaving parking to 1 min
    after reaching it (it is off while parked)."""
    moving = traj.code != P["parked"]
    out: list[tuple[float, float]] = []
    starts = np.flatnonzero(moving & ~np.r_[False, moving[:-1]])
    ends = np.flatnonzero(moving & ~np.r_[moving[1:], False])
    for i, j in zip(starts, ends, strict=True):
        a = max(lo, traj.t0[i] - 120.0)
        b = min(hi, traj.t0[j] + traj.duration[j] + 60.0)
        if b > a:
            out.append((a, b))
    return out


def state_vectors_grid(
    points: pd.DataFrame, step_s: float = 10.0, max_age_s: float = 60.0
) -> pd.DataFrame:
    """OpenSky-style state vectors: one row per aircraft every ``step_s`` seconds while the
    last fix is at most ``max_age_s`` old, repeating the last fix; adds ``lastposupdate``."""
    rows = []
    for _, g in points.sort_values("time").groupby("icao24", sort=True):
        ft = g["time"].to_numpy()
        grid = np.arange(np.ceil(ft[0] / step_s) * step_s, ft[-1] + max_age_s, step_s)
        k = np.searchsorted(ft, grid, side="right") - 1
        ok = (k >= 0) & (grid - ft[np.clip(k, 0, None)] <= max_age_s)
        sel = g.iloc[k[ok]].copy()
        sel["lastposupdate"] = sel["time"].to_numpy()
        sel["time"] = grid[ok]
        rows.append(sel)
    return pd.concat(rows, ignore_index=True).sort_values(["time", "icao24"], kind="stable")
