"""Progress on stderr for a scan: a rich bar fed by Dask task completions (local) or by
finished futures (distributed), with partitions done, points per second and bad or
unreadable inputs so far. Silent when stderr is not a terminal or when disabled."""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


def wanted(enabled: bool | None) -> bool:
    """``None`` = only when stderr is a terminal."""
    return sys.stderr.isatty() if enabled is None else bool(enabled)


def note(text: str) -> None:
    """One line on stderr (e.g. the Dask dashboard link)."""
    print(text, file=sys.stderr, flush=True)


@dataclass
class Meter:
    """What a scan has done so far: ``total`` ticks (tasks) expected, ``partitions`` in
    all; :meth:`take` counts a finished partition's counters (:func:`.tasks.stats`)."""

    partitions: int
    total: int
    done: int = 0
    points: int = 0
    bad: int = 0
    unreadable: int = 0
    started: float = field(default_factory=time.monotonic)

    def take(self, stats: dict) -> None:
        self.done += 1
        self.points += stats["points"]
        self.bad += len(stats["bad"])
        self.unreadable += len(stats["unreadable"])

    def text(self, label: str) -> str:
        rate = self.points / max(time.monotonic() - self.started, 1e-9)
        return (
            f"{label}: {self.done}/{self.partitions} partitions, {rate / 1e6:.2f}M "
            f"points/s, {self.bad} bad, {self.unreadable} unreadable"
        )


@contextmanager
def bar(label: str, total: int | Meter, enabled: bool):
    """Yield ``advance(n=1, stats=None)``; draws a bar on stderr when ``enabled``. With a
    :class:`Meter`, ``stats`` of a finished partition update the bar's text."""
    meter = total if isinstance(total, Meter) else None
    total = total.total if isinstance(total, Meter) else total
    if not enabled:
        yield lambda n=1, stats=None: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as p:
        task = p.add_task(label, total=float(total))

        def advance(n: int = 1, stats: dict | None = None) -> None:
            if meter is not None and stats is not None:
                meter.take(stats)
                p.update(task, description=meter.text(label))
            p.advance(task, n)

        yield advance


def local_callback(advance: Any):
    """A dask local-scheduler callback advancing the bar once per finished task (with the
    counters of a finished partition, tasks named ``stats-N``)."""
    from dask.callbacks import Callback

    class _Tick(Callback):
        def _posttask(self, key, result, dsk, state, worker_id):  # noqa: ARG002
            name = key if isinstance(key, str) else str(key)
            advance(1, result if name.startswith("stats-") else None)

    return _Tick()
