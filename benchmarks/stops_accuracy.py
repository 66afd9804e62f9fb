"""Accuracy of the stop engine on generated fleets with truth.

Reports recall/precision per stop kind, airport-id accuracy, top-5 gap-candidate hit rate
for stops hidden by coverage holes, and how many overflights/holds/go-arounds/touch-and-goes
were reported as stops. Usage: python benchmarks/stops_accuracy.py [N_AIRCRAFT] [SEED]
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from stops_gen import fleet  # noqa: E402

from flightcheck.io.context import ReadContext  # noqa: E402
from flightcheck.segment import detect  # noqa: E402
from flightcheck.track import to_track_table  # noqa: E402


def evaluate(df: pd.DataFrame, truth: dict) -> dict:
    seg = detect(df)
    found = seg.stops
    used = set()
    res = {"near": [0, 0], "observed": [0, 0], "far": [0, 0]}
    airport_ok = airport_n = 0
    top5 = far_n = 0
    for s in truth["stops"]:
        kind = "observed" if s["observed"] else s["hidden"]
        res[kind][1] += 1
        mid = s["arrival"] + (s["departure"] - s["arrival"]) / 2
        sub = found[(found["icao24"] == s["icao24"])]
        hit = None
        for j, f in sub.iterrows():
            a = f["departure"] if pd.isna(f["arrival"]) else f["arrival"]
            b = f["arrival"] if pd.isna(f["departure"]) else f["departure"]
            if not pd.isna(a) and a - pd.Timedelta(minutes=30) <= mid <= b + pd.Timedelta(
                    minutes=30) and j not in used:
                hit = j
                break
        if kind == "far":
            far_n += 1
            g = seg.gaps[(seg.gaps["icao24"] == s["icao24"]) & (seg.gaps["start"] <= mid)
                         & (seg.gaps["end"] >= mid)]
            if len(g) and s["airport"] in [c["airport"] for c in g.iloc[0]["candidates"][:5]]:
                top5 += 1
        if hit is not None:
            used.add(hit)
            res[kind][0] += 1
            airport_n += 1
            airport_ok += found.loc[hit, "airport"] == s["airport"]
    false = len(found) - len(used)
    det = res["observed"][0] + res["near"][0]
    n_det = res["observed"][1] + res["near"][1]
    reported = len(found)
    return {
        "stops_true": len(truth["stops"]),
        "recall_observed": res["observed"][0] / max(res["observed"][1], 1),
        "recall_inferred": res["near"][0] / max(res["near"][1], 1),
        "recall_observed_plus_inferred": det / max(n_det, 1),
        "precision": (reported - false) / max(reported, 1),
        "false_stops": false,
        "airport_accuracy": airport_ok / max(airport_n, 1),
        "far_hidden_top5": top5 / max(far_n, 1),
        "far_hidden_found_as_stop": res["far"][0],
        "events_true": pd.Series([e["kind"] for e in truth["events"]]).value_counts().to_dict(),
        "events_found": seg.events["kind"].value_counts().to_dict(),
    }


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    df, truth = fleet(n, seed=seed)
    df = to_track_table(df, ReadContext("synthetic_fleet.csv"))
    print(f"{len(df):,} points, {n} aircraft")
    for k, v in evaluate(df, truth).items():
        print(f"{k:32s} {v:.4f}" if isinstance(v, float) else f"{k:32s} {v}")


if __name__ == "__main__":
    main()
