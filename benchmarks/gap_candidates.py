"""How often the true airport of a stop nobody saw is among a gap's top-5 candidates.

Two independent generators: benchmarks/stops_gen.py (stops hidden near the field, "near",
or by a coverage hole from cruise to cruise, "far") and flightcheck.synth.random_fleet
(transponder off on the ground over Europe; a Middle East fleet whose stops in Iran fall
in the Iran / Central Asia coverage hole; and military transports between short strips in
Africa, southern Europe and the Middle East, also with the strips' runway records removed from
the reference data). A truth stop with ``observed: false`` counts when a
reported gap of its aircraft spans its midpoint; a hit when its airport is in the top 5.
Usage: python benchmarks/gap_candidates.py [N_AIRCRAFT] [SEED]
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

from flightcheck.io.context import ReadContext  # noqa: E402
from flightcheck.segment import detect  # noqa: E402
from flightcheck.track.table import to_track_table  # noqa: E402

MIDDLE_EAST = (22.0, 45.0, 30.0, 65.0)


def score(seg, stops: list[dict], label) -> dict[str, Counter]:
    """Per label: counts of hit@1, hit@5, in list, no candidates, no gap."""
    gaps = seg.gaps
    out: dict[str, Counter] = {}
    by_hex = {h: g for h, g in gaps.groupby("icao24")} if len(gaps) else {}
    for s in stops:
        if s["observed"] or s["arrival"] is None or s["departure"] is None:
            continue
        a, d = pd.Timestamp(s["arrival"]), pd.Timestamp(s["departure"])
        mid = a + (d - a) / 2
        g = by_hex.get(s["icao24"])
        g = g[(g["start"] <= mid) & (g["end"] >= mid)] if g is not None else None
        if g is None or not len(g):
            out.setdefault(label(s), Counter())["no gap"] += 1
            out[label(s)]["n"] += 1
            continue
        gap = g.iloc[0]
        inside = sum(
            1
            for o in stops
            if o["icao24"] == s["icao24"]
            and not o["observed"]
            and o["arrival"]
            and pd.Timestamp(o["arrival"]) >= gap["start"]
            and o["departure"]
            and pd.Timestamp(o["departure"]) <= gap["end"]
        )
        key = f"{label(s)}, {'1 stop' if inside <= 1 else '2+ stops'} in gap"
        c = out.setdefault(key, Counter())
        c["n"] += 1
        codes = [x["airport"] for x in gap["candidates"]]
        if not codes:
            c["no candidates"] += 1
        c["explained"] += isinstance(gap["explained_by"], str)
        c["top1"] += codes[:1] == [s["airport"]]
        c["top5"] += s["airport"] in codes[:5]
        c["listed"] += s["airport"] in codes
    return out


def show(name: str, res: dict[str, Counter], seconds: float, points: int) -> None:
    for key, c in sorted(res.items()):
        n = max(c["n"] - c["no gap"], 1)  # out of the stops a gap spans
        print(
            f"{name:28s} {key:22s} n={c['n']:4d} top1 {c['top1'] / n:.2f} "
            f"top5 {c['top5'] / n:.2f} listed {c['listed'] / n:.2f} explained "
            f"{c['explained']:3d} no-gap {c['no gap']:3d} no-cand {c['no candidates']:3d}"
        )
    print(f"{'':28s} ({points:,} points, detect {seconds:.1f} s)")


def run(name: str, df: pd.DataFrame, stops: list[dict], label, index=None) -> None:
    t = time.perf_counter()
    seg = detect(df, index=index)
    show(name, score(seg, stops, label), time.perf_counter() - t, len(df))


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser(
        description="Share of unobserved-stop gaps whose true airport "
        "is among the top-1/top-5 candidates, per generator and case."
    )
    ap.add_argument("aircraft", nargs="?", type=int, default=40, help="aircraft per fleet")
    ap.add_argument("seed", nargs="?", type=int, default=1, help="random seed")
    args = ap.parse_args()
    n, seed = args.aircraft, args.seed
    from stops_gen import fleet

    from flightcheck import synth

    df, truth = fleet(n, seed=seed)
    df = to_track_table(df, ReadContext("synthetic_fleet.csv"))
    run("stops_gen", df, truth["stops"], lambda s: f"hidden {s['hidden']}")
    from stops_accuracy import without_runways

    def label(s):
        return "transponder off" if s["transponder_off_on_ground"] else "coverage hole"

    strips = synth.strip_pool()
    for region_name, pool, types in (
        ("synth europe", None, None),
        ("synth middle east", synth.airport_pool(60, MIDDLE_EAST), None),
        ("synth strips", strips, synth.MILITARY_TRANSPORTS),
    ):
        f = synth.random_fleet(n, days=3, seed=seed, pool=pool, types=types)
        pts = f.points.assign(row=range(1, len(f.points) + 1))
        pts = to_track_table(pts, ReadContext(f"{region_name}.csv"))
        run(region_name, pts, f.truth["stops"], label)
        if types:
            run(
                f"{region_name}, unrecorded",
                pts,
                f.truth["stops"],
                label,
                without_runways(set(strips)),
            )


if __name__ == "__main__":
    main()
