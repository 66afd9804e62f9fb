"""The stop engine over pieces of whole aircraft, in forked worker processes (Linux).

Every finding of the engine belongs to one aircraft and is computed from that aircraft's fixes
alone, so the table can be cut into pieces of whole aircraft and the pieces worked through
one at a time, by several processes at once. Pieces are runs of aircraft in the order the
engine numbers them (first appearance in the table) of about ``PIECE_POINTS`` fixes, so
putting the pieces' findings back in piece order gives the same lists, in the same order, as
one pass over the whole table. Citations stay those of the whole table: each piece maps its
fix positions back to the whole table's rows and cites with the whole table's source names.

Working in pieces pays even in one process: a piece's arrays stay closer to the CPU caches
(a 4-million-fix table ran 15-30 % faster in pieces of 500k than whole) and the working
memory is one piece's.

Workers are forked (they inherit the table; nothing is pickled on the way in), on Linux only
(:mod:`flightcheck.forking`), and each process takes the next piece when it finishes one, so
a slow piece does not leave the others idle. ``workers=None`` decides on its own: one process
below ``MIN_POINTS`` fixes, on one CPU, off the main thread, with other Python threads running
(forking then may copy a held lock) or inside a daemonic worker process. Pieces of a worker
that dies without a result (killed, out of memory) are done again in the calling process; an
error raised in a worker is raised in the caller, and an error in the caller stops the
workers.
"""

from __future__ import annotations

import contextlib
import ctypes
import mmap
import multiprocessing
import os
import pickle
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.context import BaseContext
from typing import Any

import numpy as np
import pandas as pd

from flightcheck.forking import fork_context
from flightcheck.segment.phases import aircraft_codes
from flightcheck.segment.runcodes import runs

MIN_POINTS = 200_000
"""Below this many fixes the engine runs in one process (a fork costs more than it saves)."""
POINTS_PER_PROCESS = 100_000
"""Automatically, each process gets at least this many fixes."""
PIECE_POINTS = 250_000
"""Fixes per piece (pieces end at aircraft boundaries, so they are about this size)."""


@dataclass(frozen=True)
class Piece:
    """Rows of the table of some whole aircraft: ``rows`` (a slice when the piece's aircraft
    are contiguous in the table, else row positions in table order)."""

    rows: slice | np.ndarray

    def frame(self, df: pd.DataFrame) -> pd.DataFrame:
        return df.iloc[self.rows]

    def global_positions(self, pos: np.ndarray) -> np.ndarray:
        """Row positions in the whole table of positions ``pos`` in this piece's frame."""
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


def process_count(n_points: int, workers: int | None) -> int:
    """How many processes to use for ``n_points`` fixes: ``workers`` when given (1 where
    workers cannot be forked), else automatic (see the module docstring)."""
    if fork_context() is None:
        return 1
    if workers is not None:
        return max(1, int(workers))
    if n_points < MIN_POINTS or not _fork_is_safe():
        return 1
    return max(1, min(usable_cpus(), n_points // POINTS_PER_PROCESS))


def _cuts(sizes: np.ndarray, targets: np.ndarray | int) -> np.ndarray:
    """Where to cut a sequence of items of ``sizes`` near the running totals ``targets``
    (an int k: k runs of about equal total size): the run boundaries (item indices, each run
    ``bounds[i]:bounds[i+1]``), each cut at the item boundary nearest its target (a tie cuts
    before)."""
    before = np.concatenate([[0], np.cumsum(sizes)])  # total size before each item
    if isinstance(targets, int | np.integer):
        targets = np.arange(1, targets) * (before[-1] / targets)
    after = np.clip(np.searchsorted(before, targets, side="left"), 1, len(sizes))
    cut = np.where(targets - before[after - 1] <= before[after] - targets, after - 1, after)
    cut = np.unique(cut[(cut > 0) & (cut < len(sizes))])
    return np.concatenate([[0], cut, [len(sizes)]])


def split(icao24: pd.Series, targets: np.ndarray | int) -> list[Piece]:
    """Pieces of whole aircraft, in aircraft order, ending near the fix counts ``targets``
    (an int n: up to n pieces of about equal fix counts)."""
    if (isinstance(targets, int) and targets <= 1) or not len(icao24):
        return [Piece(slice(0, len(icao24)))]
    first, head_codes, _ = runs(icao24)
    if (head_codes == np.arange(len(first))).all():  # each aircraft one run: row slices
        sizes = np.diff(np.append(first, len(icao24)))
        at = np.append(first, len(icao24))[_cuts(sizes, targets)]
        return [Piece(slice(int(a), int(b))) for a, b in zip(at[:-1], at[1:], strict=True)]
    codes, _ = aircraft_codes(icao24)  # aircraft interleaved: rows gathered per piece
    bounds = _cuts(np.bincount(codes), targets)  # piece i: codes bounds[i] .. bounds[i+1]-1
    piece_of = np.searchsorted(bounds, codes, side="right") - 1
    order = np.argsort(piece_of, kind="stable")
    at = np.searchsorted(piece_of[order], np.arange(len(bounds)))
    return [Piece(order[a:b]) for a, b in zip(at[:-1], at[1:], strict=True)]


def make_pieces(icao24: pd.Series, processes: int, piece_points: int | None = None) -> list[Piece]:
    """Pieces of whole aircraft of about ``piece_points`` fixes (default ``PIECE_POINTS``),
    in aircraft order, at least one per process. When each process gets four or more, the
    last ``processes x piece_points / 2`` fixes go in ``2 x processes`` smaller pieces, so
    the processes finish close together and the last results to send and join are small
    (10M fixes: 4.6-4.8 -> 4.4-4.55 s; at 1M the four extra pieces cost more than they save)."""
    n = len(icao24)
    size = piece_points or PIECE_POINTS
    k = max(processes, -(-n // size))
    if processes <= 1 or k < 4 * processes:  # few pieces: small ones would cost more
        return split(icao24, k)
    tail = processes * size / 2
    head = n - tail
    k_head = max(1, -(-int(head) // size))
    targets = np.concatenate([np.arange(1, k_head + 1) * (head / k_head),
                              head + np.arange(1, 2 * processes) * (tail / (2 * processes))])
    return split(icao24, targets)


def run_pieces(setup: Callable[[], tuple[list[Piece], Callable[[Piece], Any]]],
               processes: int) -> list[Any]:
    """``[work(p) for p in parts]`` for ``parts, work = setup()``, in that order. With
    ``processes`` > 1, workers are forked first and every process runs ``setup`` itself (it
    must give the same pieces everywhere), so its cost is not paid before the others can
    start; then this process and the workers each take the next piece as they finish one.
    Workers send each piece's result as soon as it is done; this process unpacks them
    between its own pieces, so the unpacking is shared out by the turn-taking too."""
    if processes <= 1:
        parts, work = setup()
        return [work(p) for p in parts]
    ctx = fork_context()
    assert ctx is not None  # process_count() gives 1 where workers cannot be forked
    turn = _Turns(ctx)
    workers, inbox = [], queue.SimpleQueue()
    done: dict[int, Any] = {}
    try:
        for _ in range(processes - 1):
            receive, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_worker, args=(setup, turn, send), daemon=True)
            proc.start()
            send.close()
            reader = threading.Thread(target=_read_messages, args=(receive, inbox), daemon=True)
            workers.append((proc, receive, reader))
        for _, _, reader in workers:  # after the last fork: no thread runs while forking
            reader.start()
        parts, work = setup()
        open_ = len(workers)
        while (i := _next_turn(turn, len(parts))) is not None:
            done[i] = work(parts[i])
            open_ -= _unpack(inbox, done, wait=False)
        while open_:
            open_ -= _unpack(inbox, done, wait=True)
    finally:
        for proc, _, reader in workers:
            if proc.is_alive() and (reader.ident is None or reader.is_alive()):
                proc.terminate()  # only when this process failed (else they have ended)
            proc.join()
            if reader.ident is not None:
                reader.join()
        for _, receive, _ in workers:
            receive.close()
    return [done[i] if i in done else work(p) for i, p in enumerate(parts)]


class _Turns:
    """The number of the next piece to take, shared by this process and its forked workers:
    an anonymous shared memory word and a lock (``multiprocessing.Value`` sets up a shared
    heap file on first use, ~4-10 ms)."""

    def __init__(self, ctx: BaseContext):
        self._word = mmap.mmap(-1, 8)  # MAP_SHARED: forked workers see the same word
        self._lock = ctx.Lock()

    def take(self) -> int:
        with self._lock:
            i = int.from_bytes(self._word[:8], "little")
            self._word[:8] = (i + 1).to_bytes(8, "little")
        return i


def _next_turn(turn: _Turns, n: int) -> int | None:
    """Take the next piece number, None when all are taken."""
    i = turn.take()
    return i if i < n else None


def _read_messages(receive, inbox: queue.SimpleQueue) -> None:
    """Move a worker's messages, still pickled, to ``inbox`` as they arrive (None at the end),
    so a worker never waits for this process to read."""
    while True:
        try:
            inbox.put(receive.recv_bytes())
        except (EOFError, OSError):  # the worker finished (or died)
            inbox.put(None)
            return


def _unpack(inbox: queue.SimpleQueue, done: dict[int, Any], wait: bool) -> int:
    """Unpack the messages waiting (at least one when ``wait``) into ``done``; returns how
    many workers have ended. A worker's error is raised here."""
    ended = 0
    while True:
        try:
            raw = inbox.get(block=wait)
        except queue.Empty:
            return ended
        wait = False
        if raw is None:
            ended += 1
            continue
        kind, *value = pickle.loads(raw)
        if kind == "error":
            raise value[0]
        done[value[0]] = value[1]


def _drop_inherited_free_memory() -> None:
    """Return the heap's free pages inherited from the parent to the system (glibc's
    ``malloc_trim``; nothing elsewhere). After a fork both processes share those pages, and
    the first write to each page on either side copies it; dropping the worker's share leaves
    the parent's pages its own again and gives the worker fresh zeroed pages instead: the
    first piece in each process ran ~0.045 s slower than the next, ~0.028 s after this."""
    with contextlib.suppress(AttributeError, OSError):  # not glibc: nothing to do
        ctypes.CDLL(None).malloc_trim(0)


def _worker(setup: Callable[[], tuple[list[Piece], Callable[[Piece], Any]]], turn,
            send) -> None:
    _drop_inherited_free_memory()
    try:
        parts, work = setup()
        while (i := _next_turn(turn, len(parts))) is not None:
            send.send_bytes(pickle.dumps(("piece", i, work(parts[i])), pickle.HIGHEST_PROTOCOL))
    except BaseException as exc:  # noqa: BLE001 - handed to the caller, which raises it
        try:
            send.send_bytes(pickle.dumps(("error", exc)))
        except Exception as failed:  # noqa: BLE001 - e.g. an exception that cannot be pickled
            send.send_bytes(pickle.dumps(("error", RuntimeError(
                f"stop engine worker: {exc!r} ({failed})"))))
    send.close()
