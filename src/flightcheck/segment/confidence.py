"""The confidence model: a number from 0 to 1 per stop, and the reasons behind it.

Confidence starts from a base that depends on the kind of stop and moves with named factors;
each factor is kept so the evidence can say what raised or lowered it. It is a documented
ranking of how directly the data shows the stop, not a calibrated probability.

Observed stop (ground fixes at an airport), base 0.80:
  +0.10 x min(1, ground fixes / 10)   many ground fixes
  +0.05  slowest ground fix <= 5 kt   the aircraft came to rest
  +0.03  dwell >= 10 min
  -0.15  ground fixes > 3 km from the nearest runway
  -0.40  no airport within 10 km
  -0.10  another airport fits almost as well (cost within 1 km)
  -0.05  most ground fixes are MLAT
  clipped to [0.05, 0.99]

Inferred stop (no ground fix: low and descending, silence, low and climbing), base 0.45:
  +0.10 per side whose fix is below 3,000 ft above the airport, +0.05 more below 1,500 ft
  +0.07 per side whose fix is on a runway's extended centreline, flying its heading
  +0.05 readsb marked a new leg at the first fix after the silence
  -0.05 per doubling of the silence beyond 2 h (at most -0.15)
  -0.10 another airport fits almost as well (total cost within 1.5 km)
  clipped to [0.05, 0.90]: an inferred stop never reaches a well-observed one.

Stop open at a data edge (the data starts climbing away from a runway, or ends on short
final or on the runway without ground fixes: :mod:`.edges`), base 0.40:
  +0.10 fix below 1,500 ft above the airport, +0.10 more below 500 ft, +0.10 more below 100 ft
  +0.10 fix on a runway's extended centreline, flying its heading
  clipped to [0.05, 0.85]
"""

from __future__ import annotations

import math

Factors = list[tuple[str, float]]


def _clip(value: float, lo: float, hi: float) -> float:
    return round(min(max(value, lo), hi), 3)


def observed(
    n_ground: int,
    min_gs_kt: float,
    dwell_s: float | None,
    distance_km: float | None,
    ambiguous: bool,
    mlat_share: float,
) -> tuple[float, Factors]:
    """Confidence of an observed stop and its factors."""
    f: Factors = [("observed on the ground", 0.80)]
    f.append((f"{n_ground} ground fixes", round(0.10 * min(1.0, n_ground / 10.0), 3)))
    if min_gs_kt == min_gs_kt and min_gs_kt <= 5.0:
        f.append(("came to rest (<= 5 kt)", 0.05))
    if dwell_s is not None and dwell_s >= 600:
        f.append(("stayed 10 min or more", 0.03))
    if distance_km is None:
        f.append(("no airport within 10 km", -0.40))
    elif distance_km > 3.0:
        f.append((f"{distance_km:.1f} km from the nearest runway", -0.15))
    if ambiguous:
        f.append(("another airport fits almost as well", -0.10))
    if mlat_share > 0.5:
        f.append(("mostly MLAT ground fixes", -0.05))
    return _clip(sum(v for _, v in f), 0.05, 0.99), f


def inferred(
    heights_ft: tuple[float, float],
    on_centreline: tuple[bool, bool],
    new_leg: bool,
    silence_s: float,
    ambiguous: bool,
) -> tuple[float, Factors]:
    """Confidence of an inferred stop and its factors."""
    f: Factors = [("inferred across a silence", 0.45)]
    for side, h, aligned in zip(("last fix", "first fix"), heights_ft, on_centreline, strict=True):
        if h < 3000:
            f.append((f"{side} below 3,000 ft above the airport", 0.10))
        if h < 1500:
            f.append((f"{side} below 1,500 ft above the airport", 0.05))
        if aligned:
            f.append((f"{side} on a runway centreline", 0.07))
    if new_leg:
        f.append(("readsb marked a new leg after the silence", 0.05))
    if silence_s > 7200:
        f.append(("long silence", -round(min(0.15, 0.05 * math.log2(silence_s / 7200)), 3)))
    if ambiguous:
        f.append(("another airport fits almost as well", -0.10))
    return _clip(sum(v for _, v in f), 0.05, 0.90), f


def edge(height_ft: float, on_centreline: bool, arriving: bool) -> tuple[float, Factors]:
    """Confidence of a stop open at a data edge (one airborne fix only) and its factors."""
    f: Factors = [("inferred at the edge of the data", 0.40)]
    side = "last fix" if arriving else "first fix"
    if height_ft == height_ft:
        if height_ft < 1500:
            f.append((f"{side} below 1,500 ft above the airport", 0.10))
        if height_ft < 500:
            f.append((f"{side} below 500 ft above the airport", 0.10))
        if height_ft < 100:
            f.append((f"{side} at field elevation (on the runway)", 0.10))
    if on_centreline:
        f.append((f"{side} on a runway centreline", 0.10))
    return _clip(sum(v for _, v in f), 0.05, 0.85), f


def describe(factors: Factors) -> str:
    """``"0.80 observed on the ground, +0.10 12 ground fixes, -0.10 ..."``."""
    parts = [f"{factors[0][1]:.2f} {factors[0][0]}"]
    parts += [f"{v:+.2f} {k}" for k, v in factors[1:] if v]
    return ", ".join(parts)
