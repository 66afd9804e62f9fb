"""Evidence map of a 1M-point track: build + save time and file size (target: < 3 MB, seconds).

Run: python benchmarks/maps.py [N_POINTS]
"""

from __future__ import annotations

import sys
import tempfile
import time
import types
from pathlib import Path

import numpy as np
import pandas as pd

from flightcheck.maps import build_map, save_map
from flightcheck.track.tracks import Tracks


def main(n: int = 1_000_000) -> None:
    rng = np.random.default_rng(0)
    t0 = pd.Timestamp("2025-10-01T00:00:00Z")
    t = np.arange(n, dtype=float)  # 1 s fixes, ~11.6 days
    t[n // 2 :] += 5400.0  # one 90 min silence
    lat = 30 + np.cumsum(rng.normal(1e-5, 3e-4, n))  # a wandering, noisy track
    lon = 31 + np.cumsum(rng.normal(4e-5, 3e-4, n))
    df = pd.DataFrame(
        {
            "time": (t0 + pd.to_timedelta(t, unit="s")).as_unit("ns"),
            "icao24": "010075",
            "callsign": "EGY1234",
            "registration": "SU-BTX",
            "typecode": "IL76",
            "lat": lat,
            "lon": lon,
            "gs_kt": 420.0,
            "source": "bench",
            "row": np.arange(1, n + 1),
        }
    )
    stops = pd.DataFrame(
        [
            {
                "icao24": "010075",
                "airport": f"ST{k}",
                "country": "EG",
                "kind": "observed",
                "lat": lat[i],
                "lon": lon[i],
                "arrival": df["time"].iloc[i - 600],
                "departure": df["time"].iloc[i + 600],
                "confidence": 0.9,
                "evidence": ["bench"],
            }
            for k, i in enumerate(range(n // 8, n, n // 8))
        ]
    )
    seg = types.SimpleNamespace(stops=stops, events=pd.DataFrame(), gaps=pd.DataFrame())
    start = time.perf_counter()
    m = build_map(Tracks(df), seg)
    built = time.perf_counter()
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(tempfile.mkdtemp()) / "bench.html"
    save_map(m, out)
    done = time.perf_counter()
    lines = m.flightcheck_lines
    print(
        f"{n:,} points, {len(stops)} stops: build {built - start:.2f} s, "
        f"render+check+write {done - built:.2f} s, {out.stat().st_size / 1e6:.2f} MB, "
        f"{lines.vertices:,} vertices kept (tolerance {lines.tolerance_deg:g} deg)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
