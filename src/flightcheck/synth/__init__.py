"""Synthetic flights with known truth: physics, receivers, truth and every export format.

Typical use::

    from flightcheck import synth
    ac = synth.Aircraft("010075", "IL76", "SU-BTX", "EGY1076", military=True)
    traj = synth.fly(ac, "HECW", [synth.Leg("LYBT", "2025-10-16T01:30Z")], "2025-10-16T00:00Z")
    points = synth.Receiver().observe(traj, np.random.default_rng(0))
    truth = synth.truth(traj, points)          # stops, events, overflights, gaps
    data = synth.writers.fr24_csv(points)      # bytes of an FR24 CSV export

    fleet = synth.random_fleet(50, days=2, seed=1)   # many aircraft + truth, for benchmarks

The physics and sampling model are described in physics.py, receivers.py and
sample_tracks/README.md; the truth format in truth.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from flightcheck.synth import writers
from flightcheck.synth.aircraft import TYPES, Aircraft, AircraftType
from flightcheck.synth.fleet import (
    MILITARY_TRANSPORTS,
    Fleet,
    airport_pool,
    random_fleet,
    strip_pool,
)
from flightcheck.synth.receivers import IRAN_CENTRAL_ASIA, Receiver
from flightcheck.synth.trajectory import Leg, Trajectory, epoch, fly, iso
from flightcheck.synth.truth import truth


def scenario(
    aircraft: Aircraft,
    origin: str,
    legs: list[Leg],
    start,
    end=None,
    receiver: Receiver | None = None,
    seed: int = 0,
) -> tuple[pd.DataFrame, dict, Trajectory]:
    """Fly ``legs`` and observe them: returns (fixes, truth, trajectory), deterministic."""
    traj = fly(aircraft, origin, legs, start, end)
    points = (receiver or Receiver()).observe(traj, np.random.default_rng(seed))
    return points, truth(traj, points), traj


__all__ = [
    "MILITARY_TRANSPORTS",
    "TYPES",
    "Aircraft",
    "AircraftType",
    "Fleet",
    "IRAN_CENTRAL_ASIA",
    "Leg",
    "Receiver",
    "Trajectory",
    "airport_pool",
    "epoch",
    "fly",
    "iso",
    "random_fleet",
    "scenario",
    "strip_pool",
    "truth",
    "writers",
]
