"""Background work for the workbench: verifying the case (and exporting its evidence pack)
in a thread, with the stage it is at, while the page keeps answering.

One job at a time. The last finished analysis stays in memory for the page; the verdicts of
each run are kept in ``CASE_DIR/.flightcheck/verdicts.json`` so the page can show which
verdicts changed since the run before (across restarts too).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flightcheck.case.pack import STAGES, Analysis, analyse, run
from flightcheck.errors import FlightcheckError
from flightcheck.output.atomic import write_text
from flightcheck.serve.history import state_folder

EXPORT_STAGE = "writing the evidence pack"


@dataclass
class JobState:
    """What the page polls: the job's kind, stage, share done (0–1), error, and when."""

    kind: str = ""
    stage: str = ""
    done: float = 0.0
    running: bool = False
    error: str | None = None
    finished: float | None = None
    result: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "stage": self.stage,
            "done": round(self.done, 3),
            "running": self.running,
            "error": self.error,
            "finished": self.finished,
            "result": self.result,
        }


def verdict_changes(before: Mapping[str, str], after: Mapping[str, str]) -> list[dict[str, Any]]:
    """Claims whose verdict differs between two runs (``{"id", "before", "after"}``; a new
    claim has ``before`` None, a removed one ``after`` None)."""
    ids = list(after) + [i for i in before if i not in after]
    return [
        {"id": i, "before": before.get(i), "after": after.get(i)}
        for i in ids
        if before.get(i) != after.get(i)
    ]


class Jobs:
    """Runs verify / export for one case in a worker thread."""

    def __init__(
        self, case_path: Path, allow_outside: Iterable[str | Path] = (), persist: bool = True
    ) -> None:
        self.case_path = case_path
        self.persist = persist  # False (--read-only): nothing is written into the case
        self.allow_outside = list(allow_outside)
        self.state = JobState()
        self.analysis: Analysis | None = None
        self.analysis_error: str | None = None
        self.changes: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._verdicts_file = state_folder(case_path) / "verdicts.json"

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return self.state.to_dict()

    def _stage(self, stages: tuple[str, ...]) -> Callable[[str], None]:
        def progress(stage: str) -> None:
            with self._lock:
                self.state.stage = stage
                self.state.done = stages.index(stage) / len(stages) if stage in stages else 0

        return progress

    def _start(self, kind: str, work: Callable[[], dict[str, Any]]) -> bool:
        with self._lock:
            if self.state.running:
                return False
            self.state = JobState(kind=kind, stage="starting", running=True)

        def target() -> None:
            try:
                result, error = work(), None
            except FlightcheckError as exc:
                result, error = {}, str(exc)
            except Exception as exc:  # noqa: BLE001 - shown on the page, never lost
                result, error = {}, f"internal error: {type(exc).__name__}: {exc}"
            with self._lock:
                self.state.running = False
                self.state.error = error
                self.state.result = result
                self.state.done = 1.0 if error is None else self.state.done
                self.state.stage = "done" if error is None else "failed"
                self.state.finished = time.time()

        self._thread = threading.Thread(target=target, name=f"flightcheck-{kind}", daemon=True)
        self._thread.start()
        return True

    def verify(self) -> bool:
        """Start verifying the case; False when a job is already running."""
        return self._start("verify", self._verify)

    def export(self, outdir: Path) -> bool:
        """Start writing the evidence pack to ``outdir`` (exactly ``verify -o``)."""

        def work() -> dict[str, Any]:
            manifest = run(
                self.case_path,
                outdir,
                allow_outside=self.allow_outside,
                progress=self._stage((*STAGES, EXPORT_STAGE)),
            )
            return {"outdir": str(outdir), "verdicts": manifest["verdicts"]}

        return self._start("export", work)

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the running job (tests, shutdown)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _verify(self) -> dict[str, Any]:
        try:
            found = analyse(
                self.case_path, allow_outside=self.allow_outside, progress=self._stage(STAGES)
            )
        except FlightcheckError as exc:
            self.analysis_error = str(exc)
            raise
        after = {v.id: v.verdict for v in found.verdicts}
        before = self._last_verdicts()
        self.changes = verdict_changes(before, after) if before is not None else []
        self.analysis, self.analysis_error = found, None
        if self.persist:
            write_text(self._verdicts_file, json.dumps(after, indent=1) + "\n")
        return {"verdicts": after, "changes": self.changes}

    def _last_verdicts(self) -> dict[str, str] | None:
        try:
            data = json.loads(self._verdicts_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else None
