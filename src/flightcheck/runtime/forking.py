"""When flightcheck may start worker processes on its own: forked, and on Linux only.

Forked workers inherit the parent's modules and data, so a caller's script needs no
``if __name__ == "__main__":`` guard; the spawn and forkserver start methods re-import the
caller's main module and fail on an unguarded script. macOS offers fork, but its system
frameworks are not fork-safe, so there (and on Windows) work stays in one process unless the
caller asks for workers explicitly.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from multiprocessing.context import ForkContext


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
