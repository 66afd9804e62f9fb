"""Accuracy of the stop engine on generated fleets with truth, from two independent generators.

* ``synth``: ``flightcheck.synth.random_fleet`` (physics model, receiver network with the Iran /
  Central Asia coverage hole, transponder off on the ground);
* ``stops_gen``: ``benchmarks/stops_gen.py`` (a simpler piecewise-linear generator);
* ``strips``: military transports (An-26, C-130, Il-76) of ``flightcheck.synth`` flying
  between short strips (3,000-5,000 ft, paved or not) in Africa, southern Europe and the
  Middle East, run twice: with the strips' runway records, and with them removed from the
  reference data (as for the poorly documented strips such aircraft use).

Per generator it prints recall per stop kind (observed: ground fixes in the data; inferred:
no ground fix but the data shows the aircraft low near the field on both sides; far: hidden
by a coverage hole, only reachable through gap candidates), precision, airport accuracy,
event detection per kind, and a classification of every false stop (what the truth had
there) and every missed stop (which rule rejected it).

Usage: python benchmarks/stops_accuracy.py [--generator synth|stops_gen|strips|both|all]
[--aircraft N] [--days D] [--seed S] [--verbose]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

from flightcheck.geo import haversine_km  # noqa: E402
from flightcheck.io.context import ReadContext  # noqa: E402
from flightcheck.segment import detect  # noqa: E402
from flightcheck.segment import stops as stops_mod  # noqa: E402
from flightcheck.segment.airportindex import AirportIndex, build_index, default_index  # noqa: E402
from flightcheck.segment.context import aircraft_types, build  # noqa: E402
from flightcheck.segment.phases import prepare  # noqa: E402
from flightcheck.settings import DEFAULT  # noqa: E402
from flightcheck.track.table import to_track_table  # noqa: E402

SLACK = pd.Timedelta(minutes=30)
EVENT_SLACK = pd.Timedelta(minutes=5)
NEAR_KM = 40.0
NEAR_AGL_FT = 8000.0
"""A stop without ground fixes is 'inferred' (should be found) when the data has a fix
within NEAR_KM of the airport and at most NEAR_AGL_FT above it on both sides."""
EVENT_GROUPS = {
    "go_around": "go_around",
    "low_approach": "go_around",
    "hold": "holding",
    "holding": "holding",
    "touch_and_go": "touch_and_go",
}


def _canonical_codes() -> dict[str, str]:
    """OurAirports ident -> the code the engine reports (ICAO code when it has one): synth
    names airports by ident (EES), the engine by ICAO code (HEBR), same airport."""
    from flightcheck.segment.airportindex import _fallback_tables

    ap, _ = _fallback_tables()
    icao = ap["icao"].astype("object")
    ok = icao.notna() & (icao.astype(str).str.len() == 4)
    return dict(
        zip(
            ap["ident"].astype(str),
            np.where(ok, icao.astype(str), ap["ident"].astype(str)),
            strict=True,
        )
    )


def _ts(v) -> pd.Timestamp | None:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    t = pd.Timestamp(v)
    if pd.isna(t):
        return None
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


# ---------------------------------------------------------------- generators -> (df, truth)


def load_synth(n: int, days: float, seed: int, strips: bool = False) -> tuple[pd.DataFrame, dict]:
    """Track table and normalised truth of a ``flightcheck.synth`` fleet (``strips``:
    military transports between short strips)."""
    from flightcheck import synth

    if strips:
        fl = synth.random_fleet(
            n, days=days, seed=seed, pool=synth.strip_pool(), types=synth.MILITARY_TRANSPORTS
        )
    else:
        fl = synth.random_fleet(n, days=days, seed=seed)
    pts = fl.points.drop(columns=["phase", "true_time"], errors="ignore").copy()
    pts["row"] = np.arange(1, len(pts) + 1)
    df = to_track_table(pts, ReadContext("synth_fleet.csv"))
    tr = fl.truth
    canon = _canonical_codes()
    for item in tr["stops"] + tr["events"] + tr["overflights"]:
        item["airport"] = canon.get(item["airport"], item["airport"])
    stops = [
        {
            **s,
            "arrival": _ts(s["arrival"]),
            "departure": _ts(s["departure"]),
            "kind": "observed" if s["observed"] else None,
        }
        for s in tr["stops"]
    ]
    events = [
        {
            **e,
            "time": _ts(e["time"]),
            "end": _ts(e.get("end")),
            "kind": EVENT_GROUPS.get(e["kind"], e["kind"]),
        }
        for e in tr["events"]
    ]
    over = [{**o, "time": _ts(o["time"])} for o in tr["overflights"]]
    return df, {"stops": stops, "events": events, "overflights": over}


def load_stops_gen(n: int, seed: int) -> tuple[pd.DataFrame, dict]:
    """Track table and normalised truth of a ``stops_gen`` fleet."""
    from stops_gen import fleet

    raw, tr = fleet(n, seed=seed)
    df = to_track_table(raw, ReadContext("stops_gen_fleet.csv"))
    kinds = {None: "observed", "near": "inferred", "far": "far"}
    stops = [{**s, "kind": kinds[s["hidden"]]} for s in tr["stops"]]
    events = [
        {**e, "end": e.get("end"), "kind": EVENT_GROUPS.get(e["kind"], e["kind"])}
        for e in tr["events"]
    ]
    return df, {"stops": stops, "events": events, "overflights": []}


# ---------------------------------------------------------------- classification helpers


def _classify_hidden(stops: list[dict], df: pd.DataFrame) -> None:
    """Set kind 'inferred' or 'far' on stops without ground fixes, from the data itself."""
    ix = default_index()
    groups = {k: g for k, g in df.groupby("icao24", sort=False)}
    for s in stops:
        if s["kind"] is not None:
            continue
        g = groups.get(s["icao24"])
        i = ix.index_of(s["airport"])
        s["kind"] = "far"
        if g is None or i is None or s["arrival"] is None or s["departure"] is None:
            continue
        elev = np.nan_to_num(ix.elev_ft[i])
        before = g[g["time"] <= s["arrival"] + pd.Timedelta(seconds=60)].tail(1)
        after = g[g["time"] >= s["departure"] - pd.Timedelta(seconds=60)].head(1)
        if before.empty or after.empty:
            continue
        ok = True
        for fix in (before.iloc[0], after.iloc[0]):
            d = float(haversine_km(fix["lat"], fix["lon"], ix.lat[i], ix.lon[i]))
            ok &= d <= NEAR_KM and (
                fix["alt_ft"] - elev <= NEAR_AGL_FT or bool(fix["on_ground"] is True)
            )
        if ok:
            s["kind"] = "inferred"


def _span(f) -> tuple[pd.Timestamp, pd.Timestamp]:
    a = f["departure"] if pd.isna(f["arrival"]) else f["arrival"]
    b = f["arrival"] if pd.isna(f["departure"]) else f["departure"]
    return a, b


def _match_stops(found: pd.DataFrame, truth_stops: list[dict]) -> dict[int, int]:
    """truth index -> found row label, one-to-one, by overlapping time (30 min slack)."""
    lo_inf, hi_inf = pd.Timestamp.min.tz_localize("UTC"), pd.Timestamp.max.tz_localize("UTC")
    used: set = set()
    out: dict[int, int] = {}
    by_ac = {k: g for k, g in found.groupby("icao24", sort=False)}
    for ti, s in enumerate(truth_stops):
        sub = by_ac.get(s["icao24"])
        if sub is None:
            continue
        ta = s["arrival"] if s["arrival"] is not None else lo_inf + SLACK
        tb = s["departure"] if s["departure"] is not None else hi_inf - SLACK
        best, best_ov = None, None
        for j, f in sub.iterrows():
            if j in used:
                continue
            a, b = _span(f)
            if pd.isna(a):
                continue
            if a - SLACK <= tb and ta <= b + SLACK:
                ov = min(b, tb) - max(a, ta)
                if best is None or ov > best_ov:
                    best, best_ov = j, ov
        if best is not None:
            used.add(best)
            out[ti] = best
    return out


def _what_truth_had(f, truth: dict, matched_truth: set[int]) -> str:
    """Label of what the truth had around a false stop."""
    a, b = _span(f)
    lo, hi = a - SLACK, b + SLACK
    for ti, s in enumerate(truth["stops"]):
        if s["icao24"] != f["icao24"]:
            continue
        sa = s["arrival"] or s["departure"]
        sb = s["departure"] or s["arrival"]
        if sa <= hi and lo <= sb:
            return "duplicate of a matched stop" if ti in matched_truth else "unmatched stop"
    labels = []
    for e in truth["events"]:
        end = e.get("end") or e["time"]
        if e["icao24"] == f["icao24"] and e["time"] <= hi and lo <= end:
            labels.append(e["kind"])
    for o in truth["overflights"]:
        if o["icao24"] == f["icao24"] and lo <= o["time"] <= hi:
            labels.append("overflight")
    return "+".join(sorted(set(labels))) if labels else "nothing"


def _miss_reason(s: dict, ctx, seg) -> str:
    """Which rule rejected a true stop the engine did not report."""
    p = ctx.pts
    codes = np.flatnonzero(p.icao24s == s["icao24"])
    if not len(codes):
        return "aircraft not in the data"
    c = int(codes[0])
    lo, hi = int(p.start[c]), int(p.end[c])
    t = p.t[lo:hi]
    ta = s["arrival"].timestamp() if s["arrival"] is not None else -np.inf
    tb = s["departure"].timestamp() if s["departure"] is not None else np.inf
    inside = (t >= ta - 60) & (t <= tb + 60)
    g = p.ground[lo:hi][inside]
    if g.any():
        ev = seg.events[
            (seg.events["icao24"] == s["icao24"]) & (seg.events["kind"] == "touch_and_go")
        ]
        if (
            len(ev)
            and (
                (ev["time"] >= s["arrival"] - SLACK)
                & (ev["time"] <= (s["departure"] or s["arrival"]) + SLACK)
            ).any()
        ):
            return "ground run taken as a touch-and-go"
        return "ground run not reported (merged or dropped)"
    b = lo + int(np.searchsorted(t, ta + 60, side="right")) - 1
    if b < lo or b + 1 >= hi:
        return "silence at the edge of the data"
    if p.ground[b] or p.ground[b + 1]:
        return "a side of the silence is a ground fix"
    if p.t[b + 1] - p.t[b] < DEFAULT.min_silence_s:
        return "silence shorter than MIN_GAP_S"
    why = getattr(stops_mod, "why_not_inferred", None)
    return why(ctx, b, b + 1) if why else "rejected by the inferred-stop rules"


def _match_events(
    found: pd.DataFrame, truth_events: list[dict], verbose: bool = False
) -> tuple[Counter, Counter, Counter]:
    """(true per kind, detected per kind, false per kind)."""
    true_n, hit_n = Counter(), Counter()
    used: set = set()
    for e in truth_events:
        true_n[e["kind"]] += 1
        end = e.get("end") or e["time"]
        sub = found[(found["icao24"] == e["icao24"]) & (found["kind"] == e["kind"])]
        for j, f in sub.iterrows():
            f_end = f["end"] if not pd.isna(f["end"]) else f["time"]
            if (
                j not in used
                and f["time"] - EVENT_SLACK <= end
                and e["time"] <= (f_end + EVENT_SLACK)
            ):
                used.add(j)
                hit_n[e["kind"]] += 1
                e["_hit"] = True
                break
    false_n = Counter(found.loc[[j for j in found.index if j not in used], "kind"].tolist())
    if verbose:
        for e in truth_events:
            if not e.get("_hit"):
                print(f"  event {e['kind']:12s} {e['icao24']} {e['airport']} {e['time']}")
        for j in found.index:
            if j not in used:
                f = found.loc[j]
                print(f"  false event {f['kind']} {f['icao24']} {f['airport']} {f['time']}")
    return true_n, hit_n, false_n


def _observable(events: list[dict], df: pd.DataFrame) -> list[dict]:
    """Events the data can show: at least 3 fixes within 2 min of the event (the truth also
    lists events hidden inside silences)."""
    times = {k: g["time"].array.asi8 for k, g in df.groupby("icao24", sort=False)}
    out = []
    for e in events:
        t = times.get(e["icao24"])
        if t is None:
            continue
        lo = (e["time"] - pd.Timedelta(seconds=120)).value
        hi = ((e.get("end") or e["time"]) + pd.Timedelta(seconds=120)).value
        if np.searchsorted(t, hi, side="right") - np.searchsorted(t, lo) >= 3:
            out.append(e)
    return out


def without_runways(idents: set[str]) -> AirportIndex:
    """The packaged airport index with the runway records of ``idents`` removed."""
    from flightcheck.reference import airports as ref

    rw = ref.runways_table()
    return build_index(ref.table(), rw[~rw["airport_ident"].astype(str).isin(idents)])


def _km_apart(a: str, b: str) -> float:
    ix = default_index()
    i, j = ix.index_of(a), ix.index_of(b)
    if i is None or j is None:
        return float("nan")
    return float(haversine_km(ix.lat[i], ix.lon[i], ix.lat[j], ix.lon[j]))


def evaluate(
    df: pd.DataFrame, truth: dict, verbose: bool = False, index: AirportIndex | None = None
) -> dict:
    """All the accuracy figures for one generated data set (``index``: the airport index the
    engine uses; default the packaged one)."""
    ix = index if index is not None else default_index()
    _classify_hidden(truth["stops"], df)
    n_events = len(truth["events"])
    truth["events"] = _observable(truth["events"], df.sort_values(["icao24", "time"]))
    t0 = time.perf_counter()
    seg = detect(df, index=ix)
    elapsed = time.perf_counter() - t0
    found = seg.stops
    match = _match_stops(found, truth["stops"])
    pts = prepare(df, ix)
    ctx = build(
        pts, ix, df["source"].to_numpy(dtype=object), df["row"].to_numpy(), aircraft_types(df, pts)
    )
    per_kind: dict[str, list[int]] = {"observed": [0, 0], "inferred": [0, 0], "far": [0, 0]}
    airport_ok = airport_n = 0
    misses: Counter = Counter()
    wrong_airport: list[str] = []
    wrong_km: list[float] = []
    for ti, s in enumerate(truth["stops"]):
        per_kind[s["kind"]][1] += 1
        if ti in match:
            per_kind[s["kind"]][0] += 1
            got = found.loc[match[ti], "airport"]
            if s["kind"] != "far":
                airport_n += 1
                airport_ok += got == s["airport"]
                if got != s["airport"]:
                    wrong_airport.append(f"{s['icao24']} {s['airport']} -> {got}")
                    wrong_km.append(_km_apart(s["airport"], got))
        elif s["kind"] != "far":
            reason = _miss_reason(s, ctx, seg)
            misses[f"{s['kind']}: {reason}"] += 1
            if verbose:
                print(f"  miss {s['kind']:8s} {s['icao24']} {s['airport']} {s['arrival']} {reason}")
    matched_truth = set(match)
    matched_found = set(match.values())
    false: Counter = Counter()
    false_kind: Counter = Counter()
    for j, f in found.iterrows():
        if j in matched_found:
            continue
        label = _what_truth_had(f, truth, matched_truth)
        if label.startswith("unmatched stop") or label.startswith("duplicate"):
            pass
        false[label] += 1
        false_kind[f["kind"]] += 1
        if verbose:
            print(f"  false {f['kind']:8s} {f['icao24']} {f['airport']} {f['arrival']} {label}")
    obs_inf = per_kind["observed"][0] + per_kind["inferred"][0]
    n_obs_inf = per_kind["observed"][1] + per_kind["inferred"][1]
    # far stops reported as a stop count as correct findings, not as false ones
    reported = len(found)
    n_false = reported - len(matched_found)
    # open ends (the data ends in flight) are a statement about the data, not a truth event
    open_end = seg.events["kind"] == "open_end" if len(seg.events) else []
    true_e, hit_e, false_e = _match_events(
        seg.events[~open_end] if len(seg.events) else seg.events, truth["events"], verbose
    )
    return {
        "points": len(df),
        "detect_s": round(elapsed, 2),
        "stops_true": {k: v[1] for k, v in per_kind.items()},
        "recall_observed": per_kind["observed"][0] / max(per_kind["observed"][1], 1),
        "recall_inferred": per_kind["inferred"][0] / max(per_kind["inferred"][1], 1),
        "recall_observed_plus_inferred": obs_inf / max(n_obs_inf, 1),
        "far_found_as_stop": f"{per_kind['far'][0]}/{per_kind['far'][1]}",
        "precision": (reported - n_false) / max(reported, 1),
        "false_stops": n_false,
        "false_stops_by_kind": dict(false_kind),
        "false_stops_truth_had": dict(false),
        "missed_by_rule": dict(misses),
        "airport_accuracy": airport_ok / max(airport_n, 1),
        "wrong_airports": wrong_airport[:10],
        "wrong_airport_median_km": round(float(np.median(wrong_km)), 1) if wrong_km else None,
        "events_hidden_in_silence": n_events - len(truth["events"]),
        "events_detected": {k: f"{hit_e[k]}/{true_e[k]}" for k in sorted(true_e)},
        "events_false": dict(false_e),
        "open_ends": int(sum(open_end)),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--generator",
        choices=["synth", "stops_gen", "strips", "both", "all"],
        default="all",
        help="both: synth and stops_gen; all: the three",
    )
    ap.add_argument("--aircraft", type=int, default=30)
    ap.add_argument("--days", type=float, default=2.0, help="synth only")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--verbose", action="store_true", help="list every false stop and miss")
    args = ap.parse_args(argv)
    gens = {"both": ["synth", "stops_gen"], "all": ["synth", "stops_gen", "strips"]}.get(
        args.generator, [args.generator]
    )
    for gen in gens:
        t0 = time.perf_counter()
        if gen == "stops_gen":
            df, truth = load_stops_gen(args.aircraft, args.seed)
        else:
            df, truth = load_synth(args.aircraft, args.days, args.seed, strips=gen == "strips")
        runs: list[tuple[str, AirportIndex | None]] = [(gen, None)]
        if gen == "strips":
            from flightcheck import synth

            runs.append(("strips, runways unrecorded", without_runways(set(synth.strip_pool()))))
        for name, index in runs:
            print(
                f"== {name}: {len(df):,} points, {args.aircraft} aircraft, seed {args.seed} "
                f"(generated in {time.perf_counter() - t0:.1f} s)"
            )
            result = evaluate(
                df, {k: [dict(x) for x in v] for k, v in truth.items()}, args.verbose, index
            )
            for k, v in result.items():
                print(f"  {k:32s} {v:.4f}" if isinstance(v, float) else f"  {k:32s} {v}")


if __name__ == "__main__":
    main()
