"""Progress on stderr for a scan: a rich bar fed by Dask task completions (local) or by
finished futures (distributed). Silent when stderr is not a terminal or when disabled."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Any


def wanted(enabled: bool | None) -> bool:
    """``None`` = only when stderr is a terminal."""
    return sys.stderr.isatty() if enabled is None else bool(enabled)


@contextmanager
def bar(label: str, total: int, enabled: bool):
    """Yield ``advance(n=1)``; draws a bar on stderr when ``enabled``."""
    if not enabled:
        yield lambda n=1: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=Console(stderr=True), transient=True) as p:
        task = p.add_task(label, total=total)
        yield lambda n=1: p.advance(task, n)


def local_callback(advance: Any):
    """A dask local-scheduler callback advancing the bar once per finished task."""
    from dask.callbacks import Callback

    class _Tick(Callback):
        def _posttask(self, key, result, dsk, state, worker_id):  # noqa: ARG002
            advance(1)

    return _Tick()
