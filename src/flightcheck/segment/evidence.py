"""Plain-language evidence: what a finding rests on, citing input file and row.

Files are named by the shortest tail of their path that tells them apart
(``trace_full_010070.json``, or ``15/traces/75/trace_full_010070.json`` when daily files of
one aircraft share a name) and rows by the ``row`` column of the track table (1-based record
number inside that input). Machine-readable references carry the full ``source``.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import numpy as np

from flightcheck.segment.runcodes import run_codes


def clock(t: float) -> str:
    """``14:02:11Z`` for Unix seconds (date left out: findings give full times elsewhere)."""
    return _hms(datetime.fromtimestamp(t, UTC))


def _hms(d: datetime) -> str:
    """``d.strftime("%H:%M:%SZ")``, about twice as fast."""
    return f"{d.hour:02d}:{d.minute:02d}:{d.second:02d}Z"


def stamp(t: float) -> str:
    """``2024-10-05 14:02:11Z``."""
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def between(t0: float, t1: float) -> str:
    """``from 04:57:46Z to 05:10:02Z on 2025-10-15``, with full dates when the days differ."""
    d0, d1 = datetime.fromtimestamp(t0, UTC), datetime.fromtimestamp(t1, UTC)
    if d0.date() == d1.date():
        return f"from {_hms(d0)} to {_hms(d1)} on {d0.date().isoformat()}"
    return f"from {stamp(t0)} to {stamp(t1)}"


def duration(seconds: float) -> str:
    """``3 h 12 min``, ``14 min``, ``40 s``."""
    s = round(float(seconds))  # a Python float rounds (half to even, as numpy) much faster
    if s < 60:
        return f"{s} s"
    h, m = divmod(s // 60, 60)
    return f"{h} h {m} min" if h else f"{m} min"


def feet(alt: float) -> str:
    """``2,150 ft`` or ``unknown altitude``."""
    return "unknown altitude" if not math.isfinite(alt) else f"{alt:,.0f} ft"


class SourceNames:
    """The ``source`` column as integer codes and the distinct names (no Python string per
    row): ``names[pos]`` is the source of input row ``pos``, or None. The citation names of
    the files (:func:`short_names`) are worked out once per table, on first use, and shared
    by every :class:`Cite` made from it (the stop engine makes one per piece)."""

    def __init__(self, column):
        self._codes, self._names = run_codes(column)

    def __getitem__(self, pos: int):
        c = self._codes[pos]
        return None if c < 0 else self._names[c]

    @functools.cached_property
    def files(self) -> list[str]:
        """Per source code, its citation name; code -1 (no source) is the last entry."""
        short = short_names([str(n) for n in self._names if n is not None])
        return [
            short.get(str(n), os.path.basename(str(n))) if n is not None else "input"
            for n in self._names
        ] + ["input"]

    @functools.cached_property
    def paths(self) -> list[str | None]:
        """Per source code, its full path; code -1 (no source) is the last entry."""
        return [str(n) if n is not None else None for n in self._names] + [None]


def short_names(names: Iterable[str]) -> dict[str, str]:
    """Each path -> the shortest tail of its ``/``-separated parts that no other path ends
    with (the whole path when every shorter tail is shared).

    Sorted by their reversed parts, the longest tail a path shares with any other is the one
    it shares with a neighbour in that order, so this takes n log n comparisons of paths, not
    one of every path with every other: 100,000 paths take 0.3-0.6 s on a busy 2-core machine
    (``benchmarks/citation_names.py``)."""
    parts = {n: n.replace(os.sep, "/").split("/") for n in names}
    if any("\0" in n for n in parts):  # sort by the reversed parts themselves
        order = sorted(parts, key=lambda n: parts[n][::-1])
    else:  # the same order, from one string per path (2.5x faster to sort)
        order = sorted(parts, key=lambda n: "\0".join(reversed(parts[n])))
    shared = dict.fromkeys(parts, 0)  # most trailing parts shared with another path
    for a, b in itertools.pairwise(order):
        k = _common_tail(parts[a], parts[b])
        shared[a] = max(shared[a], k)
        shared[b] = max(shared[b], k)
    return {n: "/".join(p[-min(shared[n] + 1, len(p)) :]) for n, p in parts.items()}


def _common_tail(p: list[str], q: list[str]) -> int:
    """How many trailing parts ``p`` and ``q`` have in common."""
    k, most = 0, min(len(p), len(q))
    while k < most and p[-1 - k] == q[-1 - k]:
        k += 1
    return k


class Cite:
    """Turns positions in the input table into ``file row N`` citations."""

    def __init__(self, sources, rows: np.ndarray):
        self._sources = sources
        self._rows = rows
        # with SourceNames: per source code, its citation name and full path, worked out
        # once per table (no per-call string work); -1 (no source) is the last entry
        self._codes = getattr(sources, "_codes", None)
        if self._codes is not None:
            self._file_of, self._path_of = sources.files, sources.paths
            return
        names = (
            [
                str(x)
                for x in np.unique(
                    np.asarray(sources, dtype=object)[
                        np.asarray([x is not None for x in sources], dtype=bool)
                    ]
                )
            ]
            if len(rows)
            else []
        )
        self._short = short_names(names)

    def _file(self, src) -> str:
        if src is None:
            return "input"
        return self._short.get(str(src), os.path.basename(str(src)))

    def file(self, pos: int) -> str:
        if self._codes is not None:
            return self._file_of[self._codes[pos]]
        return self._file(self._sources[pos])

    def row(self, pos: int) -> int:
        return int(self._rows[pos])

    def one(self, pos: int) -> str:
        """``trace_full_010070.json row 8812``."""
        return f"{self.file(pos)} row {self.row(pos)}"

    def span(
        self, first: int, last: int, positions: Sequence[int] | np.ndarray | None = None
    ) -> str:
        """``file rows 8820-8831``: the rows of ``positions`` (all the fixes a finding rests
        on; just ``first`` and ``last`` when not given), per file in the order the files
        first appear, sorted and merged into ranges (:func:`row_ranges`). Time order is not
        row order (interleaved logs, merged sources): a citation never reads ``509-260``."""
        pos = np.asarray([first, last] if positions is None else positions, dtype=np.int64)
        rows = np.asarray(self._rows)[pos]
        if self._codes is not None:  # one file name per source code, vectorised
            codes = np.asarray(self._codes)[pos]
            _, at = np.unique(codes, return_index=True)
            keys = [(self.file(int(pos[i])), rows[codes == codes[i]]) for i in sorted(at)]
        else:
            names = [self.file(int(k)) for k in pos]
            keys = [(n, rows[[m == n for m in names]]) for n in dict.fromkeys(names)]
        return "; ".join(f"{name} {row_ranges(r)}" for name, r in keys)

    def ref(self, pos: int) -> dict:
        """``{"source": path, "row": n}`` for machine-readable evidence (the full source)."""
        if self._codes is not None:
            return {"source": self._path_of[self._codes[pos]], "row": int(self._rows[pos])}
        src = self._sources[pos]
        return {"source": str(src) if src is not None else None, "row": self.row(pos)}


MAX_RANGES = 8
"""Row ranges cited in full; beyond, the first and last few and how many rows in all."""


def row_ranges(rows: Iterable[int]) -> str:
    """``rows 3-7, 12, 40-41`` (``row 5`` for one): sorted, repeats once, consecutive rows
    merged; more than :data:`MAX_RANGES` ranges show the first six, ``…`` and the last two
    with the number of rows."""
    r = np.unique(
        np.fromiter(rows, dtype=np.int64)
        if not isinstance(rows, np.ndarray)
        else rows.astype(np.int64)
    )
    if not len(r):
        return "rows -"
    if len(r) == 1:
        return f"row {r[0]}"
    cut = np.flatnonzero(np.diff(r) != 1)
    starts, ends = r[np.r_[0, cut + 1]].tolist(), r[np.r_[cut, len(r) - 1]].tolist()
    text = [f"{a}-{b}" if b > a else f"{a}" for a, b in zip(starts, ends, strict=True)]
    if len(text) > MAX_RANGES:
        text = [*text[:6], "…", *text[-2:]]
        return f"rows {', '.join(text)} ({len(r):,} rows)"
    return f"rows {', '.join(text)}"


def vertical(vr: float, dalt: float) -> str:
    """``descending``/``climbing``/``level`` from a vertical rate or an altitude change."""
    v = vr if math.isfinite(vr) else (dalt if math.isfinite(dalt) else np.nan)
    if not math.isfinite(v):
        return "vertical trend unknown"
    if v < -200:
        return "descending"
    if v > 200:
        return "climbing"
    return "level"
