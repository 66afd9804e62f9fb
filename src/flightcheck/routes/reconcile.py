"""Multi-source reconciliation: the same aircraft seen by several inputs.

For every pair of sources that overlap in time for one aircraft this estimates the clock
offset between them (the shift that best lines up their positions), how far their positions
disagree once aligned, and which stretches only one source saw. Near-duplicate reports (same
moment within ``same_moment_s`` after alignment, positions within ``noise_m``) are what a
merged track would collapse; their count is reported.

Offsets are found by a grid search over shifts: the positions of source B are linearly
interpolated at the times of source A plus the shift, and the shift minimising the median
horizontal distance wins (0.1 s resolution). A moving aircraft makes this precise: at
250 kt a 2 s clock error is 260 m along track.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from flightcheck.geo import haversine_km
from flightcheck.routes.sources import ALSO_SEEN, also_seen_column
from flightcheck.settings import DEFAULT, EngineSettings
from flightcheck.track.table import time_s


@dataclass
class SourcePair:
    """How two sources of one aircraft agree. ``offset_s``: add to B's times to match A."""

    icao24: str
    source_a: str
    source_b: str
    overlap_points: int
    offset_s: float | None
    median_distance_m: float | None
    median_distance_m_unaligned: float | None
    p95_distance_m: float | None
    near_duplicates: int
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            k: getattr(self, k)
            for k in (
                "icao24",
                "source_a",
                "source_b",
                "overlap_points",
                "offset_s",
                "median_distance_m",
                "median_distance_m_unaligned",
                "p95_distance_m",
                "near_duplicates",
                "notes",
            )
        }


def _airborne(df: pd.DataFrame) -> np.ndarray:
    ground = df["on_ground"].fillna(False).to_numpy(dtype=bool)
    gs = df["gs_kt"].to_numpy()
    return ~ground & ~(gs < 40)


def _distances(ta, lat_a, lon_a, tb, lat_b, lon_b, shift, max_interp_gap_s: float):
    """Distance (m) from A's fixes to B interpolated at A's times + shift; NaN off B's cover."""
    q = ta + shift
    lat = np.interp(q, tb, lat_b)
    lon_unw = np.interp(q, tb, np.unwrap(np.radians(lon_b)))
    lon = np.degrees((lon_unw + np.pi) % (2 * np.pi) - np.pi)
    j = np.searchsorted(tb, q)
    ok = (j > 0) & (j < len(tb))
    jj = np.clip(j, 1, len(tb) - 1)
    ok &= (tb[jj] - tb[jj - 1]) <= max_interp_gap_s
    d = haversine_km(lat_a, lon_a, lat, lon) * 1000.0
    d[~ok] = np.nan
    return d


def compare(
    a: pd.DataFrame,
    b: pd.DataFrame,
    same_moment_s: float | None = None,
    noise_m: float | None = None,
    s: EngineSettings = DEFAULT,
) -> SourcePair:
    """Compare two sources' rows of one aircraft (each time-sorted track-table rows);
    ``same_moment_s``, ``noise_m`` None: ``reconcile_same_moment_s``, ``reconcile_noise_m``."""
    same_moment_s = s.reconcile_same_moment_s if same_moment_s is None else same_moment_s
    noise_m = s.reconcile_noise_m if noise_m is None else noise_m
    icao24 = a["icao24"].iloc[0]
    sa, sb = a["source"].iloc[0], b["source"].iloc[0]
    ma, mb = _airborne(a), _airborne(b)
    ta, tb = time_s(a)[ma], time_s(b)[mb]
    lat_a, lon_a = a["lat"].to_numpy()[ma], a["lon"].to_numpy()[ma]
    lat_b, lon_b = b["lat"].to_numpy()[mb], b["lon"].to_numpy()[mb]
    if len(tb) >= 2 and len(ta):
        inside = (ta >= tb[0] - s.reconcile_max_offset_s) & (
            ta <= tb[-1] + s.reconcile_max_offset_s
        )
        ta, lat_a, lon_a = ta[inside], lat_a[inside], lon_a[inside]
    if len(ta) < s.reconcile_min_overlap_fixes or len(tb) < 2:
        return SourcePair(
            icao24,
            sa,
            sb,
            int(len(ta)),
            None,
            None,
            None,
            None,
            0,
            ["too little airborne overlap to compare"],
        )

    def score(shift: float) -> float:
        d = _distances(ta, lat_a, lon_a, tb, lat_b, lon_b, shift, s.reconcile_max_interp_gap_s)
        d = d[np.isfinite(d)]
        return float(np.median(d)) if len(d) >= s.reconcile_min_overlap_fixes else np.inf

    coarse = np.arange(-s.reconcile_max_offset_s, s.reconcile_max_offset_s + 0.5, 1.0)
    scores = np.array([score(shift) for shift in coarse])
    if not np.isfinite(scores).any():
        return SourcePair(
            icao24,
            sa,
            sb,
            int(len(ta)),
            None,
            None,
            None,
            None,
            0,
            ["sources overlap in time but not in sampled positions"],
        )
    best = coarse[int(np.argmin(scores))]
    fine = np.arange(best - 1.0, best + 1.0001, 0.1)
    fscores = np.array([score(shift) for shift in fine])
    shift = float(np.round(fine[int(np.argmin(fscores))], 1))
    d_best = _distances(ta, lat_a, lon_a, tb, lat_b, lon_b, shift, s.reconcile_max_interp_gap_s)
    d_best = d_best[np.isfinite(d_best)]
    unaligned = score(0.0)
    notes = []
    if abs(shift) >= 1.0 and unaligned > 1.5 * float(np.median(d_best)) + 10:
        notes.append(
            f"clock offset: {sb} runs {abs(shift):.1f} s "
            f"{'ahead of' if shift > 0 else 'behind'} {sa}"
        )
    else:
        shift = 0.0 if abs(shift) < 1.0 else shift
    p95 = float(np.percentile(d_best, 95))
    if p95 > 2000:
        notes.append(
            f"positions diverge: 5% of aligned fixes are more than {p95 / 1000:.1f} km apart"
        )
    # near-duplicates after alignment: reports at the same moment and place
    tb_shift = time_s(b) - shift
    j = np.clip(np.searchsorted(tb_shift, time_s(a)), 1, max(len(tb_shift) - 1, 1))
    near = 0
    if len(tb_shift) >= 2:
        cand = np.where(
            np.abs(tb_shift[j] - time_s(a)) < np.abs(tb_shift[j - 1] - time_s(a)), j, j - 1
        )
        dt = np.abs(tb_shift[cand] - time_s(a))
        dd = (
            haversine_km(
                a["lat"].to_numpy(),
                a["lon"].to_numpy(),
                b["lat"].to_numpy()[cand],
                b["lon"].to_numpy()[cand],
            )
            * 1000
        )
        near = int(((dt <= same_moment_s) & (dd <= noise_m)).sum())
    return SourcePair(
        icao24,
        sa,
        sb,
        int(len(ta)),
        shift,
        float(np.median(d_best)),
        None if not np.isfinite(unaligned) else float(unaligned),
        p95,
        near,
        notes,
    )


def only_one_source(df: pd.DataFrame, min_gap_s: float = DEFAULT.single_source_min_s) -> list[dict]:
    """Stretches of at least ``min_gap_s`` where one source saw the aircraft and the others
    did not (only meaningful for aircraft with two or more sources)."""
    if df["source"].nunique() < 2:
        return []
    out = []
    t = time_s(df)
    srcs = df["source"].to_numpy()
    for src in pd.unique(srcs):
        mine = t[srcs == src]
        others = np.sort(t[srcs != src])
        if len(mine) == 0 or len(others) == 0:
            continue
        j = np.searchsorted(others, mine)
        prev = np.where(j > 0, others[np.clip(j - 1, 0, None)], -np.inf)
        nxt = np.where(j < len(others), others[np.clip(j, None, len(others) - 1)], np.inf)
        alone = np.minimum(mine - prev, nxt - mine) > min_gap_s / 2
        if not alone.any():
            continue
        idx = np.flatnonzero(alone)
        breaks = np.flatnonzero(np.diff(idx) > 1)
        starts = np.concatenate([[0], breaks + 1])
        ends = np.concatenate([breaks, [len(idx) - 1]])
        for s, e in zip(starts, ends, strict=True):
            t0, t1 = mine[idx[s]], mine[idx[e]]
            if t1 - t0 >= min_gap_s:
                out.append(
                    {
                        "source": str(src),
                        "start": pd.Timestamp(t0, unit="s", tz="UTC"),
                        "end": pd.Timestamp(t1, unit="s", tz="UTC"),
                        "points": int(e - s + 1),
                    }
                )
    return out


def mlat_only(df: pd.DataFrame, min_s: float = DEFAULT.mlat_only_min_s) -> list[dict]:
    """Stretches of at least ``min_s`` seconds where every fix is MLAT (noisier positions)."""
    ml = df["mlat"].fillna(False).to_numpy(dtype=bool)
    if not ml.any():
        return []
    t = time_s(df)
    edges = np.diff(np.concatenate([[0], ml.astype(int), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    return [
        {
            "start": pd.Timestamp(t[s], unit="s", tz="UTC"),
            "end": pd.Timestamp(t[e], unit="s", tz="UTC"),
            "points": int(e - s + 1),
        }
        for s, e in zip(starts, ends, strict=True)
        if t[e] - t[s] >= min_s
    ]


def reconcile(df: pd.DataFrame, s: EngineSettings = DEFAULT) -> dict:
    """All source comparisons for ONE aircraft's rows (any number of sources)."""
    groups = {name: g for name, g in df.groupby("source", sort=True)}
    names = list(groups)
    pairs = [
        compare(groups[a], groups[b], s=s) for i, a in enumerate(names) for b in names[i + 1 :]
    ]
    return {
        "sources": names,
        "pairs": [p.to_dict() for p in pairs],
        "single_source_stretches": only_one_source(df, s.single_source_min_s),
        "mlat_only_stretches": mlat_only(df, s.mlat_only_min_s),
    }


def match_unaddressed(
    df: pd.DataFrame, max_median_m: float | None = None, s: EngineSettings = DEFAULT
) -> tuple[pd.DataFrame, list[dict]]:
    """Give tracks without an ICAO address (``~`` pseudo-addresses of FR24/FlightAware/KML
    exports) the address of the aircraft they coincide with, when one does.

    A pseudo-addressed track is matched when it overlaps in time with exactly one real
    address whose aligned positions agree within ``max_median_m`` (median; None:
    ``match_max_median_m`` of ``s``). Pseudo-addressed
    tracks left over that coincide with each other (the same flight exported from two sites,
    none with an address) become one aircraft under the pseudo-address of the longest.
    Returns the relabelled table and one record per match (with the evidence numbers).
    """
    limit_m = s.match_max_median_m if max_median_m is None else max_median_m
    pseudo = [h for h in pd.unique(df["icao24"]) if str(h).startswith("~")]
    real = [h for h in pd.unique(df["icao24"]) if not str(h).startswith("~")]
    if not pseudo:
        return df, []
    t = time_s(df)
    hexes = df["icao24"].to_numpy()
    # each address's row positions (in table order) from one stable sort: a mask of the
    # whole table per address made this O(aircraft x fixes) whenever one track had no address
    codes, uniques = pd.factorize(hexes)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    at = {h: order[bounds[i] : bounds[i + 1]] for i, h in enumerate(uniques)}
    spans = {h: (t[pos].min(), t[pos].max()) for h, pos in at.items()}

    def coincide(a: str, b: str) -> SourcePair | None:
        """The comparison of tracks ``a`` and ``b`` when they overlap and agree."""
        (a0, a1), (b0, b1) = spans[a], spans[b]
        if min(a1, b1) - max(a0, b0) <= 0:
            return None
        pair = compare(df.iloc[at[a]], df.iloc[at[b]], s=s)
        agree = pair.median_distance_m is not None and pair.median_distance_m <= limit_m
        return pair if agree else None

    def record(p: str, target: str, pair: SourcePair) -> dict:
        distance = pair.median_distance_m  # set: only agreeing pairs are recorded
        return {
            "pseudo_address": p,
            "icao24": target,
            "sources": sorted(set(df.loc[hexes == p, "source"])),
            "overlap_points": pair.overlap_points,
            "median_distance_m": None if distance is None else round(distance, 1),
            "offset_s": pair.offset_s,
        }

    matches = []
    relabel: dict[str, str] = {}
    for p in pseudo:
        good = [(r, pair) for r in real if (pair := coincide(r, p)) is not None]
        if len(good) == 1:
            r, pair = good[0]
            relabel[p] = r
            matches.append(record(p, r, pair))
    for p, target, pair in _pseudo_groups(
        [p for p in pseudo if p not in relabel], coincide, lambda h: len(at[h])
    ):
        relabel[p] = target
        matches.append(
            {
                **record(p, target, pair),
                "address_known": False,
                "target_sources": sorted(set(df.loc[hexes == target, "source"])),
            }
        )
    if not relabel:
        return df, []
    out = df.copy()
    out["icao24"] = out["icao24"].replace(relabel)
    out = out.sort_values(["icao24", "time", "source", "row"], kind="stable")
    return out.reset_index(drop=True), matches


def match_target(match: dict) -> str:
    """What a :func:`match_unaddressed` record was matched to, in words."""
    if match.get("address_known", True):
        return match["icao24"]
    return (
        f"the track in {', '.join(match['target_sources'])} ({match['icao24']}; it has "
        "no ICAO address either)"
    )


def _pseudo_groups(pseudo: list[str], coincide, points) -> list[tuple[str, str, SourcePair]]:
    """(member, representative, evidence) for every pseudo-addressed track that coincides
    with another: tracks linked by agreeing pairs form a group, named after its member with
    the most points (then the smallest address, so the result does not depend on order)."""
    parent = {p: p for p in pseudo}

    def root(p: str) -> str:
        while parent[p] != p:
            p = parent[p]
        return p

    evidence: dict[str, list[tuple[str, SourcePair]]] = {p: [] for p in pseudo}
    for i, a in enumerate(pseudo):
        for b in pseudo[i + 1 :]:
            pair = coincide(a, b)
            if pair is not None:
                parent[root(b)] = root(a)
                evidence[a].append((b, pair))
                evidence[b].append((a, pair))
    groups: dict[str, list[str]] = {}
    for p in pseudo:
        groups.setdefault(root(p), []).append(p)
    out = []
    for members in groups.values():
        if len(members) < 2:
            continue
        rep = min(members, key=lambda h: (-points(h), h))
        for m in sorted(members):
            if m != rep:
                direct = [pair for other, pair in evidence[m] if other == rep]
                out.append((m, rep, (direct or [pair for _, pair in evidence[m]])[0]))
    return out


def _reference_source(df: pd.DataFrame) -> str:
    """The source the others are aligned to: the one with the most fixes (ties: name)."""
    counts = df.groupby("source", sort=True).size()
    return str(counts.sort_values(ascending=False, kind="stable").index[0])


def merge_sources(
    df: pd.DataFrame,
    same_moment_s: float | None = None,
    noise_m: float | None = None,
    s: EngineSettings = DEFAULT,
) -> tuple[pd.DataFrame, dict]:
    """One aircraft's rows from several sources as one track.

    Clock offsets are measured against a reference source (the one with the most fixes) and
    removed from the other sources' times when they are significant (the shift applied is
    kept per row in ``clock_correction_s``, so the reported time is ``time - correction``).
    Then a fix of another source at the same moment (within ``same_moment_s``) and place
    (within ``noise_m``) as a reference fix is a near-duplicate and is collapsed into it; the
    reference fix lists it in ``also_seen`` (:mod:`flightcheck.routes.sources`).
    Returns the merged rows and a record of what was done. ``same_moment_s``, ``noise_m``
    None: ``reconcile_same_moment_s``, ``reconcile_noise_m`` of ``s``.
    """
    same_moment_s = s.reconcile_same_moment_s if same_moment_s is None else same_moment_s
    noise_m = s.reconcile_noise_m if noise_m is None else noise_m
    sources = sorted(df["source"].unique().tolist())
    report: dict = {"reference": None, "clock_corrections": {}, "near_duplicates": 0}
    df = df.assign(clock_correction_s=0.0)
    if len(sources) < 2:
        return df, report
    ref = _reference_source(df)
    report["reference"] = ref
    ref_rows = df[df["source"] == ref]
    shifted = []
    for src in sources:
        rows = df[df["source"] == src]
        if src == ref:
            shifted.append(rows)
            continue
        pair = compare(ref_rows, rows, s=s)
        shift = pair.offset_s or 0.0
        if any(n.startswith("clock offset") for n in pair.notes) and shift:
            rows = rows.assign(
                time=rows["time"] - pd.to_timedelta(shift, unit="s"), clock_correction_s=-shift
            )
            report["clock_corrections"][src] = -shift
        shifted.append(rows)
    merged = pd.concat(shifted, ignore_index=True)
    merged = merged.sort_values(["time", "source", "row"], kind="stable").reset_index(drop=True)
    is_ref = (merged["source"] == ref).to_numpy()
    t = time_s(merged)
    tr = t[is_ref]
    if len(tr):
        lat_r, lon_r = merged["lat"].to_numpy()[is_ref], merged["lon"].to_numpy()[is_ref]
        others = np.flatnonzero(~is_ref)
        j = np.clip(np.searchsorted(tr, t[others]), 1, max(len(tr) - 1, 1))
        if len(tr) == 1:
            j = np.zeros(len(others), dtype=int)
            near = j
        else:
            near = np.where(np.abs(tr[j] - t[others]) < np.abs(tr[j - 1] - t[others]), j, j - 1)
        dt = np.abs(tr[near] - t[others])
        dd = (
            haversine_km(
                merged["lat"].to_numpy()[others],
                merged["lon"].to_numpy()[others],
                lat_r[near],
                lon_r[near],
            )
            * 1000.0
        )
        same = (dt <= same_moment_s) & (dd <= noise_m)
        dup = others[same]
        if len(dup):
            # the reference fix a near-duplicate collapses into lists it: no source is lost
            merged[ALSO_SEEN] = also_seen_column(
                len(merged),
                np.flatnonzero(is_ref)[near[same]],
                merged["source"].to_numpy(object)[dup],
                merged["row"].to_numpy()[dup],
            )
            keep = np.ones(len(merged), dtype=bool)
            keep[dup] = False
            merged = merged[keep].reset_index(drop=True)
            report["near_duplicates"] = int(len(dup))
    return merged, report
