"""The workbench's edit history: one JSON line per change of ``case.toml`` (who, when, what,
the sha256 before and after, a unified diff, and the previous text so it can be undone).

Kept in ``CASE_DIR/.flightcheck/history.jsonl`` (a hidden folder, so ``case add DIR`` never
takes it for track data). Lines are only ever appended; an undo is a new line that names the
edit it undid.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HISTORY_NAME = "history.jsonl"


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def state_folder(case_path: Path) -> Path:
    """The hidden folder beside ``case.toml`` where the workbench keeps its state."""
    return case_path.parent / ".flightcheck"


@dataclass(frozen=True)
class Entry:
    """One line of the history."""

    seq: int
    who: str
    when: str
    what: str
    before_sha256: str
    after_sha256: str
    diff: str
    before: str
    undoes: int | None = None

    def summary(self) -> dict[str, Any]:
        """The entry without the previous text (what the page lists)."""
        return {
            "seq": self.seq,
            "who": self.who,
            "when": self.when,
            "what": self.what,
            "before_sha256": self.before_sha256,
            "after_sha256": self.after_sha256,
            "diff": self.diff,
            "undoes": self.undoes,
        }


class History:
    """The history file of one case."""

    def __init__(self, case_path: Path) -> None:
        self.path = state_folder(case_path) / HISTORY_NAME

    def entries(self) -> list[Entry]:
        """All entries, oldest first (a torn last line, from a crash mid-append, is ignored)."""
        try:
            # one entry per "\n" line: str.splitlines would also cut at U+0085, U+2028 and the
            # like, which JSON leaves raw inside a note's text
            lines = self.path.read_text(encoding="utf-8").split("\n")
        except FileNotFoundError:
            return []
        out = []
        for line in lines:
            try:
                out.append(Entry(**json.loads(line)))
            except (ValueError, TypeError):
                continue
        return out

    def record(
        self,
        who: str,
        what: str,
        before: bytes,
        after: bytes,
        undoes: int | None = None,
        now: dt.datetime | None = None,
    ) -> Entry:
        """Append one entry and return it (flushed and fsynced before returning)."""
        seq = max((e.seq for e in self.entries()), default=0) + 1
        when = (now or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
        diff = "".join(
            difflib.unified_diff(
                before.decode("utf-8", "replace").splitlines(keepends=True),
                after.decode("utf-8", "replace").splitlines(keepends=True),
                "case.toml (before)",
                "case.toml (after)",
            )
        )
        entry = Entry(
            seq=seq,
            who=who,
            when=when,
            what=what,
            before_sha256=sha256_bytes(before),
            after_sha256=sha256_bytes(after),
            diff=diff,
            before=before.decode("utf-8"),
            undoes=undoes,
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(entry.__dict__, ensure_ascii=False) + "\n"
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())
        return entry

    def undoable(self) -> Entry | None:
        """The latest edit not yet undone (undo entries themselves are not undone: redo is
        making the edit again)."""
        entries = self.entries()
        undone = {e.undoes for e in entries if e.undoes is not None}
        for e in reversed(entries):
            if e.undoes is None and e.seq not in undone:
                return e
        return None
