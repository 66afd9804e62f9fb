"""The process pool: forked workers taking turns with the caller over a list of parts, on Linux.

The one pool flightcheck runs (the policy of when is :mod:`flightcheck.runtime.parallel`):
:func:`flightcheck.read` shares out batches of input files, the stop engine pieces of whole
aircraft. Workers are forked first, so they inherit the caller's data and nothing is pickled
on the way in; every process then sets up the same parts itself and takes the next part when
it finishes one, so a slow part leaves no one idle, and the caller works too. Workers send
each part's result when it is done and the caller unpacks them between its own parts. Parts
of a worker that dies without a result (killed, out of memory) are done again in the caller;
an error raised in a worker is raised in the caller, and an error in the caller stops the
workers.

Why not ``concurrent.futures.ProcessPoolExecutor``: the stop engine's parts are closures over
the caller's table, which an executor would pickle or need module globals for, and the
measurements behind this pool are the stop engine's: setting up the plan in every process
after the fork rather than before it, 0.60-0.73 -> 0.54-0.55 s at 1M fixes; unpacking results
while the run goes on rather than at its end, 0.3 s less at 10M fixes; the turn counter as a
shared memory word rather than ``multiprocessing.Value``, 4-10 ms less before any worker
starts. Reading a day of 50,000 trace files with two processes took 18.4 s here against 18.8
s with the executor it replaced in ``read`` (the same within noise), so one pool serves both.
"""

from __future__ import annotations

import contextlib
import ctypes
import mmap
import pickle
import queue
import threading
from collections.abc import Callable, Sequence
from multiprocessing.context import BaseContext
from typing import Any, TypeVar

from flightcheck.runtime.parallel import fork_context

Part = TypeVar("Part")
Setup = Callable[[], tuple[Sequence[Part], Callable[[Part], Any]]]


def run_parts(setup: Setup[Part], processes: int) -> list[Any]:
    """``[work(p) for p in parts]`` for ``parts, work = setup()``, in that order. With
    ``processes`` > 1, workers are forked first and every process runs ``setup`` itself (it
    must give the same parts everywhere), so its cost is not paid before the others can
    start; then this process and the workers each take the next part as they finish one.
    Workers send each part's result as soon as it is done; this process unpacks them
    between its own parts, so the unpacking is shared out by the turn-taking too."""
    if processes <= 1:
        parts, work = setup()
        return [work(p) for p in parts]
    ctx = fork_context()
    assert ctx is not None  # parallel.processes() gives 1 where workers cannot be forked
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
    """Numbers of the parts to take, handed out in order to this process and its forked
    workers: an anonymous shared memory word and a lock (``multiprocessing.Value`` sets up a
    shared heap file on first use, ~4-10 ms)."""

    def __init__(self, ctx: BaseContext):
        self._word = mmap.mmap(-1, 8)  # MAP_SHARED: forked workers see the same word
        self._lock = ctx.Lock()

    def next(self, n: int) -> int | None:
        """The next part number, None when all ``n`` parts are taken."""
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
    first part in each process ran ~0.045 s slower than the next, ~0.028 s after this."""
    with contextlib.suppress(AttributeError, OSError):  # not glibc: nothing to do
        ctypes.CDLL(None).malloc_trim(0)


def _worker(setup: Setup[Part], turns: _Turns, send) -> None:
    _drop_inherited_free_memory()
    try:
        parts, work = setup()
        while (i := turns.next(len(parts))) is not None:
            send.send_bytes(pickle.dumps(("part", i, work(parts[i])), pickle.HIGHEST_PROTOCOL))
    except BaseException as exc:  # noqa: BLE001 - handed to the caller, which raises it
        try:
            send.send_bytes(pickle.dumps(("error", exc)))
        except Exception as failed:  # noqa: BLE001 - e.g. an exception that cannot be pickled
            send.send_bytes(
                pickle.dumps(("error", RuntimeError(f"worker process: {exc!r} ({failed})")))
            )
    send.close()
