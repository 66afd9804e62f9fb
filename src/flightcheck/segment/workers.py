"""Forked worker processes for the stop engine's pieces (:mod:`.pieces`), on Linux.

Workers are forked (they inherit the table; nothing is pickled on the way in) only where
:mod:`flightcheck.runtime.forking` allows it. Every process sets up the same pieces itself after the
fork, then each takes the next piece when it finishes one, so a slow piece does not leave the
others idle; workers send each piece's result when it is done and the calling process unpacks
them between its own pieces. ``workers=None`` decides on its own: one process below
``MIN_POINTS`` fixes, on one CPU, off the main thread, with other Python threads running
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
import pickle
import queue
import threading
from collections.abc import Callable
from multiprocessing.context import BaseContext
from typing import Any

from flightcheck.runtime.forking import fork_context, usable_cpus
from flightcheck.segment.pieces import Piece

MIN_POINTS = 200_000
"""Below this many fixes the engine runs in one process: a fork gains nothing at 100k fixes
(0.092 vs 0.090 s here) and little at 200k (0.168 vs 0.138 s)."""
POINTS_PER_PROCESS = 100_000
"""Automatically, each process gets at least this many fixes."""


def _fork_is_safe() -> bool:
    return (
        threading.current_thread() is threading.main_thread()
        and threading.active_count() == 1
        and not multiprocessing.current_process().daemon
    )


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


def run_pieces(
    setup: Callable[[], tuple[list[Piece], Callable[[Piece], Any]]], processes: int
) -> list[Any]:
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
    turns, workers = _Turns(ctx), []
    inbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()  # pickled messages, None: ended
    done: dict[int, Any] = {}
    try:
        for _ in range(processes - 1):
            receive, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_worker, args=(setup, turns, send), daemon=True)
            proc.start()
            send.close()
            reader = threading.Thread(target=_read_messages, args=(receive, inbox), daemon=True)
            workers.append((proc, receive, reader))
        for _, _, reader in workers:  # after the last fork: no thread runs while forking
            reader.start()
        parts, work = setup()
        open_ = len(workers)
        while (i := turns.next(len(parts))) is not None:
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
    """Numbers of the pieces to take, handed out in order to this process and its forked
    workers: an anonymous shared memory word and a lock (``multiprocessing.Value`` sets up a
    shared heap file on first use, ~4-10 ms)."""

    def __init__(self, ctx: BaseContext):
        self._word = mmap.mmap(-1, 8)  # MAP_SHARED: forked workers see the same word
        self._lock = ctx.Lock()

    def next(self, n: int) -> int | None:
        """The next piece number, None when all ``n`` pieces are taken."""
        with self._lock:
            i = int.from_bytes(self._word[:8], "little")
            self._word[:8] = (i + 1).to_bytes(8, "little")
        return i if i < n else None


def _read_messages(receive, inbox: queue.SimpleQueue[bytes | None]) -> None:
    """Move a worker's messages, still pickled, to ``inbox`` as they arrive (None at the end),
    so a worker never waits for this process to read."""
    while True:
        try:
            inbox.put(receive.recv_bytes())
        except (EOFError, OSError):  # the worker finished (or died)
            inbox.put(None)
            return


def _unpack(inbox: queue.SimpleQueue[bytes | None], done: dict[int, Any], wait: bool) -> int:
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


def _worker(
    setup: Callable[[], tuple[list[Piece], Callable[[Piece], Any]]], turns: _Turns, send
) -> None:
    _drop_inherited_free_memory()
    try:
        parts, work = setup()
        while (i := turns.next(len(parts))) is not None:
            send.send_bytes(pickle.dumps(("piece", i, work(parts[i])), pickle.HIGHEST_PROTOCOL))
    except BaseException as exc:  # noqa: BLE001 - handed to the caller, which raises it
        try:
            send.send_bytes(pickle.dumps(("error", exc)))
        except Exception as failed:  # noqa: BLE001 - e.g. an exception that cannot be pickled
            send.send_bytes(
                pickle.dumps(("error", RuntimeError(f"stop engine worker: {exc!r} ({failed})")))
            )
    send.close()
