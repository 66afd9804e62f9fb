"""The truth a generated data set encodes, as plain JSON-ready dicts (times ISO 8601 UTC).

* stop: ``{icao24, airport, arrival, departure, observed, transponder_off_on_ground}``:
  ``arrival`` is the touchdown time, ``departure`` the wheels-off time (null when outside the
  data); ``observed`` is true when the data hold at least one on-ground fix of that stop,
  false when the stop can only be inferred from silence.
* event: ``{icao24, kind, airport, time}`` with kind ``touch_and_go``, ``go_around``,
  ``low_approach`` or ``hold`` (a hold also has ``end``, ``alt_ft`` and ``laps``).
* overflight: ``{icao24, airport, time, alt_ft}``, the moment the aircraft passes overhead.
* gap: ``{icao24, start, end, duration_s, cause}``: silences longer than ``gap_s`` between
  consecutive fixes; ``cause`` is ``stop`` when the aircraft was parked or on the ground
  in between, otherwise ``coverage``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from flightcheck.synth.physics import P
from flightcheck.synth.trajectory import Trajectory, iso

GAP_S = 600.0
"""A silence longer than this (seconds) is reported as a gap."""


def truth(
    traj: Trajectory, points: pd.DataFrame, gap_s: float = GAP_S, margin_s: float = 1800.0
) -> dict[str, list[dict]]:
    """Truth of ``traj`` restricted to what ``points`` (its observed fixes) span.

    ``points`` must carry ``true_time`` (Unix s without clock offset) and ``on_ground``.
    Stops, events and overflights are kept when they fall within the data's time span
    (widened by ``margin_s`` so a stop just before the first fix still counts).
    """
    pts = points[points["icao24"] == traj.aircraft.icao24]
    t = np.sort(pts["true_time"].to_numpy())
    if len(t) == 0:
        return {"stops": [], "events": [], "overflights": [], "gaps": []}
    lo, hi = t[0] - margin_s, t[-1] + margin_s
    ground_t = pts.loc[pts["on_ground"].astype(bool), "true_time"].to_numpy()
    stops = []
    for s in traj.stops:
        a = s["arrival"] if s["arrival"] is not None else -np.inf
        d = s["departure"] if s["departure"] is not None else np.inf
        if d < lo or a > hi:
            continue
        observed = bool(((ground_t >= a - 60) & (ground_t <= d + 60)).any())
        stops.append(
            {
                "icao24": s["icao24"],
                "airport": s["airport"],
                "arrival": iso(s["arrival"]) if a >= lo else None,
                "departure": iso(s["departure"]) if d <= hi else None,
                "observed": observed,
                "transponder_off_on_ground": s["transponder_off_on_ground"],
            }
        )
    events = [
        {**e, "time": iso(e["time"]), **({"end": iso(e["end"])} if "end" in e else {})}
        for e in traj.events
        if t[0] <= e["time"] <= t[-1]
    ]
    overflights = [
        {**o, "time": iso(o["time"])} for o in traj.overflights if t[0] <= o["time"] <= t[-1]
    ]
    gaps = []
    dt = np.diff(t)
    for i in np.flatnonzero(dt > gap_s):
        a, b = t[i], t[i + 1]
        mid = traj.state(np.linspace(a, b, 50))
        parked = bool((mid["on_ground"] | (mid["phase"] == P["parked"])).any())
        gaps.append(
            {
                "icao24": traj.aircraft.icao24,
                "start": iso(a),
                "end": iso(b),
                "duration_s": round(float(b - a)),
                "cause": "stop" if parked else "coverage",
            }
        )
    return {"stops": stops, "events": events, "overflights": overflights, "gaps": gaps}
