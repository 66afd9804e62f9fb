"""The stop engine in forked shares of the aircraft, one process per share (Linux).

Every finding of the engine belongs to one aircraft and is computed from that aircraft's fixes
alone, so the aircraft can be split into shares that run at the same time. Shares are runs of
whole aircraft in the order the engine numbers them (first appearance in the table), balanced
by fix count, so putting the shares' findings back in share order gives the same lists, in the
same order, as one process. Citations stay those of the whole table: each share maps its fix
positions back to the whole table's rows and cites with the whole table's source names.

Workers are forked (they inherit the table; nothing is pickled on the way in), on Linux only
(:mod:`flightcheck.forking`). ``workers=None`` decides on its own: one process below
``MIN_POINTS`` fixes, on one CPU, off the main thread, with other Python threads running
(forking then may copy a held lock) or inside a daemonic worker process. A worker that dies
without a result (killed, out of memory) has its share done again in the calling process; an
error raised in a worker is raised in the caller.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from flightcheck.forking import fork_context
from flightcheck.segment.phases import aircraft_codes

MIN_POINTS = 200_000
"""Below this many fixes the engine runs in one process (a fork costs more than it saves)."""
POINTS_PER_SHARE = 100_000
"""Automatic shares hold at least this many fixes each."""


@dataclass(frozen=True)
class Share:
    """Rows of the table that one process works on: ``rows`` (a slice when the share's
    aircraft are contiguous in the table, else row positions)."""

    rows: slice | np.ndarray

    def frame(self, df: pd.DataFrame) -> pd.DataFrame:
        return df.iloc[self.rows]

    def global_positions(self, pos: np.ndarray) -> np.ndarray:
        """Row positions in the whole table of positions ``pos`` in this share's frame."""
        if isinstance(self.rows, slice):
            return pos + (self.rows.start or 0)
        return self.rows[pos]


def usable_cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _fork_is_safe() -> bool:
    return (threading.current_thread() is threading.main_thread()
            and threading.active_count() == 1
            and not multiprocessing.current_process().daemon)


def share_count(n_points: int, workers: int | None) -> int:
    """How many processes to use for ``n_points`` fixes: ``workers`` when given (1 where
    workers cannot be forked), else automatic (see the module docstring)."""
    if fork_context() is None:
        return 1
    if workers is not None:
        return max(1, int(workers))
    if n_points < MIN_POINTS or not _fork_is_safe():
        return 1
    return max(1, min(usable_cpus(), n_points // POINTS_PER_SHARE))


def split(icao24: pd.Series, n: int) -> list[Share]:
    """Up to ``n`` shares of whole aircraft, in aircraft order, of about equal fix counts."""
    codes, _ = aircraft_codes(icao24)
    if n <= 1 or not len(codes):
        return [Share(slice(0, len(codes)))]
    ends = np.cumsum(np.bincount(codes))  # fixes up to and including each aircraft
    target = np.arange(1, n) * (len(codes) / n)
    after = np.searchsorted(ends, target, side="left")  # first aircraft reaching the target
    before_rows = np.where(after > 0, ends[np.maximum(after - 1, 0)], 0)
    # end the share before or after that aircraft, whichever is nearer the target (tie: before)
    cut = np.where(target - before_rows <= ends[after] - target, after, after + 1)
    cut = np.unique(cut[(cut > 0) & (cut < len(ends))])  # share i: codes cut[i-1]..cut[i]-1
    bounds = np.concatenate([[0], cut, [len(ends)]])
    if not (codes[1:] < codes[:-1]).any():  # aircraft contiguous, in code order: row slices
        at = np.concatenate([[0], ends[cut - 1], [len(codes)]])
        return [Share(slice(int(a), int(b))) for a, b in zip(at[:-1], at[1:], strict=True)]
    share_of = np.searchsorted(bounds, codes, side="right") - 1
    order = np.argsort(share_of, kind="stable")
    at = np.searchsorted(share_of[order], np.arange(len(bounds)))
    return [Share(order[a:b]) for a, b in zip(at[:-1], at[1:], strict=True)]


def run_shares(shares: list[Share], work: Callable[[Share], Any]) -> list[Any]:
    """``[work(s) for s in shares]``, the first share in this process and the others in
    forked workers at the same time."""
    if len(shares) == 1:
        return [work(shares[0])]
    ctx = fork_context()
    assert ctx is not None  # share_count() gives one share where workers cannot be forked
    started = []
    for share in shares[1:]:
        receive, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_worker, args=(work, share, send), daemon=True)
        proc.start()
        send.close()
        started.append((proc, receive, share))
    results = [work(shares[0])]
    for proc, receive, share in started:
        try:
            status, value = receive.recv()
        except EOFError:  # the worker died without a result: do its share here
            status, value = "lost", None
        finally:
            receive.close()
            proc.join()
        if status == "error":
            raise value
        results.append(value if status == "ok" else work(share))
    return results


def _worker(work: Callable[[Share], Any], share: Share, send) -> None:
    try:
        result = ("ok", work(share))
    except BaseException as exc:  # noqa: BLE001 - handed to the caller, which raises it
        result = ("error", exc)
    try:
        send.send(result)
    except Exception as exc:  # noqa: BLE001 - e.g. an exception that cannot be pickled
        send.send(("error", RuntimeError(f"stop engine worker: {result[1]!r} ({exc})")))
    send.close()
