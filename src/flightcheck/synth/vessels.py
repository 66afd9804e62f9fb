"""Synthetic vessel voyages with known truth, written as real AIS NMEA (``!AIVDM``) logs.

A voyage is a list of steps from a start position: :class:`Sail` to a point at a speed,
:class:`Stay` in place (moored or at anchor: SOG 0-0.3 kn, ~15 m position jitter) and
:class:`Silence` flags on either (the vessel moves but nothing is received). Positions are
sampled every ``sail_every_s`` under way and ``stay_every_s`` when stationary (Class A: 2-10 s
under way, 3 min moored; logs are usually thinned), interpolated linearly in lat/lon between
the step ends (fine for the short legs used in tests).

``nmea(points, ...)`` encodes the fixes with pyais as type 1 position reports plus a type 5
static/voyage message every ``static_every`` fixes, each line prefixed by an NMEA 4.0 tag block
whose ``c:`` field is the receiver's Unix time, so the log goes through the real AIS reader.

Truth: one record per :class:`Stay` with a ``port`` code: ``{"port", "arrival", "departure"}``
(Unix s; the moment the vessel reached and left its berth).

Example::

    v = voyage((31.25, 29.80), T0, [Sail((31.17, 29.85), 8), Stay(6 * 3600, port="EGALY"),
                                    Sail((33.0, 28.0), 14)])
    text = nmea(v.points, mmsi=622123456, name="NILE STAR", imo=9123456)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from flightcheck.geo import bearing_deg, haversine_km

KN_TO_KMH = 1.852


@dataclass(frozen=True)
class Sail:
    """Sail from the current position to ``to`` (lat, lon degrees) at ``kn`` knots."""

    to: tuple[float, float]
    kn: float
    silent: bool = False


@dataclass(frozen=True)
class Stay:
    """Stay in place for ``seconds`` (moored in ``port``, or at anchor when ``port`` is None)."""

    seconds: float
    port: str | None = None
    kn: float = 0.1
    silent: bool = False


@dataclass
class Voyage:
    """``points``: time (Unix s), lat, lon, sog (kn), cog (deg), status (AIS navigational status);
    ``truth``: port visits (``port``, ``arrival``, ``departure`` in Unix s)."""

    points: pd.DataFrame
    truth: list[dict] = field(default_factory=list)


def _tag(t: float) -> str:
    body = f"s:synth,c:{int(t)}"
    checksum = 0
    for ch in body:
        checksum ^= ord(ch)
    return f"\\{body}*{checksum:02X}\\"


def voyage(
    start: tuple[float, float],
    t0: float,
    steps: list[Sail | Stay],
    sail_every_s: float = 120.0,
    stay_every_s: float = 360.0,
    seed: int = 0,
) -> Voyage:
    """Fixes of one vessel following ``steps`` from ``start`` at Unix time ``t0``."""
    rng = np.random.default_rng(seed)
    lat, lon, t = float(start[0]), float(start[1]), float(t0)
    parts: list[pd.DataFrame] = []
    truth: list[dict] = []
    for step in steps:
        if isinstance(step, Sail):
            d = float(haversine_km(lat, lon, step.to[0], step.to[1]))
            dur = d / (step.kn * KN_TO_KMH) * 3600.0
            times = np.arange(t, t + dur, sail_every_s)
            f = (times - t) / dur if dur > 0 else np.zeros(len(times))
            cog = float(bearing_deg(lat, lon, step.to[0], step.to[1])) % 360.0
            part = pd.DataFrame(
                {
                    "time": times,
                    "lat": lat + f * (step.to[0] - lat),
                    "lon": lon + f * (step.to[1] - lon),
                    "sog": np.clip(step.kn + rng.normal(0, 0.15, len(times)), 0, None),
                    "cog": np.full(len(times), cog),
                    "status": 0,
                }
            )
            lat, lon, t = float(step.to[0]), float(step.to[1]), t + dur
        else:
            times = np.arange(t, t + step.seconds, stay_every_s)
            jitter = rng.normal(0, 0.00015, (2, len(times)))
            part = pd.DataFrame(
                {
                    "time": times,
                    "lat": lat + jitter[0],
                    "lon": lon + jitter[1],
                    "sog": rng.uniform(0, 2 * step.kn, len(times)).round(1),
                    "cog": rng.uniform(0, 360, len(times)),
                    "status": 5 if step.port else 1,
                }
            )
            if step.port:
                truth.append({"port": step.port, "arrival": t, "departure": t + step.seconds})
            t += step.seconds
        if not step.silent:
            parts.append(part)
    points = pd.concat(parts, ignore_index=True)
    return Voyage(points.round({"lat": 5, "lon": 5, "sog": 1, "cog": 1}), truth)


def nmea(
    points: pd.DataFrame,
    mmsi: int,
    name: str = "SYNTH",
    imo: int = 0,
    callsign: str = "",
    ship_type: int = 70,
    static_every: int = 200,
) -> str:
    """An AIS NMEA log (one tag-blocked ``!AIVDM`` line per fix, plus type 5 messages)."""
    from pyais import encode_dict

    lines: list[str] = []
    records = points[["time", "lat", "lon", "sog", "cog", "status"]].itertuples(
        index=False, name=None
    )
    for n, (t, lat, lon, sog, cog, status) in enumerate(records):
        if n % static_every == 0:
            first, *rest = encode_dict(
                {
                    "type": 5,
                    "mmsi": mmsi,
                    "shipname": name,
                    "callsign": callsign,
                    "imo": imo,
                    "ship_type": ship_type,
                },
                talker_id="AI",
                sentence_type="VDM",
                seq_id=n % 10,
            )
            lines += [_tag(t) + first, *rest]
        sentence = encode_dict(
            {
                "type": 1,
                "mmsi": mmsi,
                "status": int(status),
                "lat": lat,
                "lon": lon,
                "speed": sog,
                "course": cog,
                "heading": 511,
                "second": int(t) % 60,
            },
            talker_id="AI",
            sentence_type="VDM",
        )[0]
        lines.append(_tag(t) + sentence)
    return "\n".join(lines) + "\n"
