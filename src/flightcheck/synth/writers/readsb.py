"""readsb / tar1090 trace files (``trace_full_<hex>.json``), FORMATS.md section 1.

Points are ``[dt, lat, lon, alt|"ground", gs, track, flags, vrate, details|null, source,
geom_alt, geom_rate, ias, roll]`` (14 elements); ``dt`` is seconds after ``timestamp``.
Every 4th point (counted over the aircraft's whole trace, as readsb's blocks of 4) carries
a details object with the callsign padded to 8 characters. Flags: ``1`` stale (more than
15 s since the previous point), ``2`` new leg (first point after a silence of more than
25 min that followed a point below 20,000 ft or on the ground).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from flightcheck.synth.aircraft import TYPES

DAY = 86400.0


def _flags(t: np.ndarray, alt: np.ndarray, ground: np.ndarray) -> np.ndarray:
    dt = np.diff(t, prepend=t[0])
    stale = dt > 15.0
    low_before = np.r_[False, (alt[:-1] < 20_000) | ground[:-1]]
    leg = (dt > 1500.0) & low_before if len(t) >= 20 else np.zeros(len(t), dtype=bool)
    return stale.astype(int) | (leg.astype(int) << 1)


def _num(x: float, nd: int) -> str:
    return "null" if not np.isfinite(x) else f"{x:.{nd}f}"


def _point(p, dt: float, flags: int, with_details: bool) -> str:
    ground = bool(p.on_ground)
    alt = '"ground"' if ground else _num(p.alt_ft, 0)
    vrate = "null" if ground else _num(p.vrate_fpm, 0)
    src = "mlat" if p.position_source == "mlat" else "adsb_icao"
    details = "null"
    if with_details:
        d = {
            "type": src,
            "flight": f"{p.callsign:<8.8}",
            "alt_geom": None if ground else int(p.alt_geom_ft),
            "track": round(float(p.track_deg), 1),
            "baro_rate": None if ground else int(p.vrate_fpm),
            "squawk": p.squawk,
            "emergency": "none",
            "category": TYPES[p.typecode].category if p.typecode in TYPES else "A0",
            "nav_qnh": 1013.2,
            "version": 2,
            "nic": 8,
            "rc": 186,
            "nic_baro": 1,
            "nac_p": 9,
            "nac_v": 1,
            "sil": 3,
            "sil_type": "perhour",
            "gva": 2,
            "sda": 2,
            "alert": 0,
            "spi": 0,
        }
        details = json.dumps({k: v for k, v in d.items() if v is not None}, separators=(",", ":"))
    geom = "null" if ground else _num(p.alt_geom_ft, 0)
    return (
        f"[{dt:.2f},{p.lat:.6f},{p.lon:.6f},{alt},{_num(p.gs_kt, 1)},"
        f'{_num(p.track_deg, 1)},{flags},{vrate},{details},"{src}",{geom},null,null,null]'
    )


def trace_json(
    points: pd.DataFrame,
    reference: float | None = None,
    first_index: int = 0,
    military: bool = False,
    flags: np.ndarray | None = None,
) -> bytes:
    """One aircraft's ``trace_full`` JSON. ``reference``: the ``timestamp`` (default: the
    first point's time); ``first_index``: index of the first point in the aircraft's whole
    trace (keeps the blocks of 4 aligned across daily files); ``flags``: precomputed point
    flags (default: computed from these points alone)."""
    pts = points.sort_values("time", kind="stable").reset_index(drop=True)
    p0 = pts.iloc[0]
    t = pts["time"].to_numpy(dtype=float)
    ref = float(t[0] if reference is None else min(reference, t[0]))
    if flags is None:
        flags = _flags(t, pts["alt_ft"].to_numpy(dtype=float), pts["on_ground"].to_numpy(bool))
    head = {"icao": p0.icao24}
    if p0.registration:
        head["r"] = p0.registration
    if p0.typecode:
        head["t"] = p0.typecode
    head["dbFlags"] = 1 if military else 0
    if p0.typecode in TYPES:
        head["desc"] = TYPES[p0.typecode].description
    lines = [
        json.dumps(head, separators=(",", ":"))[:-1] + ",",
        f'"timestamp":{ref:.3f},',
        '"trace":[',
    ]
    body = [
        _point(p, t[i] - ref, int(flags[i]), (first_index + i) % 4 == 0)
        for i, p in enumerate(pts.itertuples(index=False))
    ]
    lines.append(",\n".join(body))
    lines.append("]}")
    return ("\n".join(lines) + "\n").encode()


def globe_history(
    points: pd.DataFrame, root: str | Path, military: bool = False, compress: bool = True
) -> list[Path]:
    """Write one aircraft's fixes as daily history files (flags computed over all days)
    ``root/globe_history/YYYY/MM/DD/traces/<xx>/trace_full_<hex>.json`` (gzip), each with
    ``timestamp`` = UTC midnight and only that day's points. Returns the paths written."""
    from flightcheck.synth.writers import gzip_bytes, save

    pts = points.sort_values("time", kind="stable").reset_index(drop=True)
    t = pts["time"].to_numpy(dtype=float)
    day = np.floor(t / DAY) * DAY
    flags = _flags(t, pts["alt_ft"].to_numpy(dtype=float), pts["on_ground"].to_numpy(bool))
    hexid = str(pts["icao24"].iloc[0])
    out = []
    for d in np.unique(day):
        idx = np.flatnonzero(day == d)
        data = trace_json(
            pts.iloc[idx],
            reference=float(d),
            first_index=int(idx[0]),
            military=military,
            flags=flags[idx],
        )
        stamp = pd.Timestamp(d, unit="s", tz="UTC")
        path = (
            Path(root)
            / "globe_history"
            / f"{stamp:%Y}"
            / f"{stamp:%m}"
            / f"{stamp:%d}"
            / "traces"
            / hexid[-2:]
            / f"trace_full_{hexid}.json"
        )
        out.append(save(path, gzip_bytes(data) if compress else data))
    return out
