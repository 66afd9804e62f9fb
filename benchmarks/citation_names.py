"""Speed of the citation names of input files (``segment.evidence.short_names``) on readsb
archive paths: one ``globe_history`` day has 50,000-100,000 trace files, and several days of
one aircraft share a file name, so some names need their day folder.

Prints seconds per call for 10k, 50k, 100k and 200k paths (two days of the same aircraft)
and the time per path, which should stay about flat (n log n).
Usage: python benchmarks/citation_names.py [N ...]
"""

from __future__ import annotations

import sys
import time

import numpy as np

from flightcheck.segment.evidence import short_names


def archive_paths(n: int, seed: int = 0) -> list[str]:
    """``n`` trace file paths over two days, most aircraft on both."""
    rng = np.random.default_rng(seed)
    hexes = [f"{x:06x}" for x in rng.choice(0xFFFFFF, size=n // 2 + 1, replace=False)]
    return [
        f"/srv/adsb/globe_history/2025/10/{d}/traces/{h[-2:]}/trace_full_{h}.json"
        for d in (15, 16)
        for h in hexes
    ][:n]


def main(sizes: list[int]) -> None:
    for n in sizes:
        names = archive_paths(n)
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            short_names(names)
            best = min(best, time.perf_counter() - t)
        print(f"{n:>9,} paths  {best:6.3f} s  {best / n * 1e6:5.2f} µs per path", flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 50_000, 100_000, 200_000])
