"""How flightcheck runs work in parallel: one policy for reading, the stop engine and scans.

Three ways to run, each decided here:

- **In this process**, the default of every library call (``workers=1``).
- **Forked worker processes** taking turns with this one (:mod:`flightcheck.runtime.pool`,
  the only process pool): :func:`flightcheck.read` shares the input files out,
  :func:`flightcheck.segment.detect` the aircraft.
- **Dask**: ``scan`` and ``convert`` build a task graph and run it on a cluster given as
  ``scheduler`` (an address or a ``distributed.Client``), else on this machine
  (:func:`dask_local`): in this thread, on threads, or in forked processes.

``workers`` means the same everywhere: ``1`` = this process (and thread) only; an int ``n`` =
up to ``n`` processes (for dask, ``n`` workers); ``"auto"`` = what pays for this much work on
this machine, the command line's choice (the thresholds below, each with its measurement).

Workers are started only by fork (:func:`fork_blocker`): forked workers inherit the
caller's modules and data, so a caller's script needs no ``if __name__ == "__main__":``
guard. Forking is allowed on Linux only (macOS offers fork, but its system frameworks are not
fork-safe; Windows has none), from the main thread of a process that is not itself a daemonic
worker, and never while another Python thread is alive: a thread holding a lock at the fork
leaves the child a copy of that lock which nobody will release. Where forking is not
allowed, the work runs in this process, an explicit request too (with a ``RuntimeWarning``).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.context import ForkContext
from typing import Any, Literal

Workers = int | Literal["auto"]
"""How many processes a call may use: 1, n, or "auto" (see the module docstring)."""
AUTO: Literal["auto"] = "auto"


def check_workers(workers: object) -> Workers:
    """``workers`` checked: "auto" or an int >= 1 (an int-like string such as "2" from a
    command line is accepted); None means 1. Raises ValueError on anything else."""
    if workers is None:
        return 1
    if isinstance(workers, str):
        if workers.strip().lower() == AUTO:
            return AUTO
        if workers.strip().isdigit():
            workers = int(workers)
    if isinstance(workers, int) and not isinstance(workers, bool) and workers >= 1:
        return workers
    raise ValueError(f"workers={workers!r}: expected 'auto' or a whole number >= 1")


def fork_context() -> ForkContext | None:
    """The multiprocessing ``fork`` context on Linux, else None."""
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return None


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity, which a container may narrow; the machine's
    count where there is no affinity)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def fork_blocker() -> str | None:
    """Why this process may not fork workers now, or None when it may."""
    if fork_context() is None:
        return f"worker processes are forked on Linux only (this is {sys.platform})"
    if threading.current_thread() is not threading.main_thread():
        return "called off the main thread"
    if threading.active_count() > 1:
        names = ", ".join(sorted(t.name for t in threading.enumerate())[:3])
        return f"other threads are running ({names})"
    if multiprocessing.current_process().daemon:
        return "called inside a worker process"
    return None


def processes(workers: Workers | None, auto: Callable[[], int]) -> int:
    """How many processes (this one included) to run: 1 by default; ``n`` when asked for;
    ``auto()`` for "auto" (only evaluated then). 1 wherever forking is not allowed now
    (:func:`fork_blocker`); an explicit request is then warned about."""
    workers = check_workers(workers)
    if workers == 1:
        return 1
    blocker = fork_blocker()
    if blocker is not None:
        if workers != AUTO:
            warnings.warn(
                f"workers={workers}: running in one process: {blocker}",
                RuntimeWarning,
                stacklevel=3,
            )
        return 1
    wanted = auto() if workers == AUTO else workers
    return max(1, int(wanted))


# Reading (flightcheck.read): input files shared out by batch.
READ_MIN_FILES = 4
"""Fewer input files than this are read in this process."""
READ_MIN_BYTES = 64 << 20
"""Inputs (as stored) smaller than this in all are read in this process: forking a worker
and sending its tables back costs more than it saves. Day archives of readsb trace files,
read here with two processes against one: 10,000 files (24 MB) 1.85 s against 1.64 s;
50,000 files (220 MB) 18.4-19.0 s against 25.4-27.2 s. Small files no longer count against
workers: a batch of trace files travels back as one table, not one per file."""


def read_processes(n_files: int, total_bytes: Callable[[], int]) -> int:
    """Automatic process count for reading ``n_files`` files of ``total_bytes()`` bytes."""
    if n_files < READ_MIN_FILES or total_bytes() < READ_MIN_BYTES:
        return 1
    return min(usable_cpus(), n_files)


# The stop engine (flightcheck.segment.detect): whole aircraft shared out by piece.
DETECT_MIN_POINTS = 200_000
"""Below this many fixes the stop engine runs in one process: a fork gains nothing at 100k
fixes (0.092 vs 0.090 s here) and little at 200k (0.168 vs 0.138 s)."""
DETECT_POINTS_PER_PROCESS = 100_000
"""Automatically, each process of the stop engine gets at least this many fixes."""


def detect_processes(n_points: int) -> int:
    """Automatic process count for the stop engine on ``n_points`` fixes."""
    if n_points < DETECT_MIN_POINTS:
        return 1
    return max(1, min(usable_cpus(), n_points // DETECT_POINTS_PER_PROCESS))


# Scans and conversions (dask task graphs) on this machine.
SCAN_PROCESSES_MIN_BYTES = 64 << 20
"""Input files (as stored) above which a local scan or conversion runs in worker processes.
JSON parsing holds the GIL, so threads would share one core; a worker process costs about a
second to start, which only pays on large archives. Parquet datasets (read by pyarrow, which
releases the GIL) and small inputs stay on threads."""
DASK_PROCESS_CONFIG = {"multiprocessing.context": "fork", "chunksize": 1}
"""Dask settings of local worker processes: forked (no re-import of the caller's script),
one task per dispatch (dask's default batches 6, which put most partitions on one core)."""


def dask_scheduler(workers: Workers | None, file_batches: int, file_bytes: int) -> str:
    """Dask's local scheduler for a graph over ``file_batches`` batches of stored files of
    ``file_bytes`` bytes in all: "sync" (this thread) for ``workers=1``; "processes" when
    there are several batches worth more than :data:`SCAN_PROCESSES_MIN_BYTES`, more than one
    CPU and forking is allowed; else "threads"."""
    workers = check_workers(workers)
    if workers == 1:
        return "sync"
    if (
        file_batches < 2
        or file_bytes < SCAN_PROCESSES_MIN_BYTES
        or usable_cpus() < 2
        or fork_blocker() is not None
    ):
        return "threads"
    return "processes"


@contextlib.contextmanager
def dask_local(workers: Workers | None, scheduler: str) -> Iterator[dict[str, Any]]:
    """Keyword arguments for ``dask.compute`` running on ``scheduler`` (from
    :func:`dask_scheduler`) with ``workers`` (auto: one per CPU). Threads come from a pool
    of this call's own that is shut down at the end: dask's shared pools keep their threads
    alive, and a live thread rules out forking later in the process."""
    workers = check_workers(workers)
    n = usable_cpus() if workers == AUTO else workers
    if scheduler == "threads":
        with ThreadPoolExecutor(n, thread_name_prefix="flightcheck-dask") as pool:
            yield {"scheduler": "threads", "pool": pool}
        return
    if scheduler == "processes":
        import dask

        with dask.config.set(DASK_PROCESS_CONFIG):
            yield {"scheduler": "processes", "num_workers": n}
        return
    yield {"scheduler": "sync"}
