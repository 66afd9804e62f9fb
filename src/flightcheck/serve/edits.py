"""Edits of ``case.toml`` from the workbench: the same functions as the CLI
(:func:`flightcheck.case.edit.annotate`, :func:`~flightcheck.case.edit.claim`), guarded by
the file's hash and recorded in the history.

Every edit names the sha256 of the ``case.toml`` its page showed (``base``). When the file
has changed since (another tab, an editor, the CLI), the edit is refused with
:class:`Conflict` carrying the current hash; the page asks whether to apply it on top of the
current file. Nothing is lost either way: the other change is in the file, this one is
still in the form.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flightcheck.case import edit
from flightcheck.errors import UsageError
from flightcheck.output.atomic import write_bytes
from flightcheck.serve.history import Entry, History, sha256_bytes


class Conflict(Exception):
    """``case.toml`` changed since the page loaded it."""

    def __init__(self, message: str, current: str) -> None:
        super().__init__(message)
        self.current = current


class ReadOnly(Exception):
    """The workbench was started with ``--read-only``."""


@dataclass(frozen=True)
class Done:
    """An applied edit: the history entry (None when the file did not change) and the new
    hash of ``case.toml``."""

    entry: Entry | None
    sha256: str


class CaseEditor:
    """Applies edits to one case file, one at a time."""

    def __init__(self, case_path: Path, read_only: bool = False) -> None:
        self.case_path = case_path
        self.history = History(case_path)
        self.read_only = read_only
        self._lock = threading.Lock()

    def current(self) -> str:
        """sha256 of ``case.toml`` as it is now."""
        return sha256_bytes(self.case_path.read_bytes())

    def _apply(self, base: str | None, who: str, what: str, change: Callable[[], Any]) -> Done:
        if self.read_only:
            raise ReadOnly("this workbench is read-only (started with --read-only)")
        with self._lock:
            before = self.case_path.read_bytes()
            now = sha256_bytes(before)
            if base != now:
                raise Conflict(
                    "case.toml changed since this page loaded it (another tab, "
                    "an editor or the command line)",
                    now,
                )
            change()  # validates, then writes atomically; raises with nothing written
            after = self.case_path.read_bytes()
            if after == before:
                return Done(None, now)
            return Done(self.history.record(who, what, before, after), sha256_bytes(after))

    def annotate(self, base: str | None, who: str, fields: dict[str, Any]) -> Done:
        """``case annotate`` with the form's fields (``id``, ``label``, ``aircraft``,
        ``airport``, ``time``, ``note``, ``sources``); the author is ``who``."""
        aid = _text(fields.get("id"))
        label = _text(fields.get("label"))
        if not aid:
            raise UsageError("annotation: give an id")
        if not label:
            raise UsageError(f"annotation {aid!r}: give a label")
        sources = [s.strip() for s in fields.get("sources") or [] if str(s).strip()]
        return self._apply(
            base,
            who,
            f"annotate {aid}: {label}",
            lambda: edit.annotate(
                self.case_path,
                aid,
                label,
                aircraft=_text(fields.get("aircraft")),
                airport=_text(fields.get("airport")),
                time=_text(fields.get("time")),
                start=_text(fields.get("from")),
                end=_text(fields.get("to")),
                note=_text(fields.get("note")) or "",
                sources=sources,
                author=who,
            ),
        )

    def claim(self, base: str | None, who: str, fields: dict[str, Any]) -> Done:
        """``case claim`` with the form's fields (``id``, ``kind``, ``aircraft``,
        ``registered_country``, ``military``, ``airport``, ``country``, ``route``, ``from``,
        ``to``, ``text``): places resolved and times checked as on the command line."""
        cid = _text(fields.get("id"))
        if not cid:
            raise UsageError("claim: give an id")
        military = fields.get("military")
        if military not in (None, True, False):
            raise UsageError(f"claim {cid!r}: military must be true, false or empty")
        kind = _text(fields.get("kind")) or ""
        return self._apply(
            base,
            who,
            f"claim {cid}: {kind}",
            lambda: edit.claim(
                self.case_path,
                cid,
                kind,
                text=_text(fields.get("text")) or "",
                aircraft=_text(fields.get("aircraft")),
                registered_country=_text(fields.get("registered_country")),
                military=military,
                airport=_text(fields.get("airport")),
                country=_text(fields.get("country")),
                route=edit.split_route(fields.get("route")),
                start=_text(fields.get("from")),
                end=_text(fields.get("to")),
            ),
        )

    def remove(self, base: str | None, who: str, target: str) -> Done:
        """``case remove`` (``claim:ID`` or ``annotation:ID``; inputs are not removed here)."""
        if not target.startswith(("claim:", "annotation:")):
            raise UsageError("remove: say claim:ID or annotation:ID")
        return self._apply(
            base, who, f"remove {target}", lambda: edit.remove(self.case_path, target)
        )

    def undo(self, base: str | None, who: str) -> Done:
        """Restore ``case.toml`` byte for byte as it was before the latest edit not yet
        undone. Refused when the file changed since that edit (undoing would lose the
        change made after it)."""
        if self.read_only:
            raise ReadOnly("this workbench is read-only (started with --read-only)")
        with self._lock:
            before = self.case_path.read_bytes()
            now = sha256_bytes(before)
            if base != now:
                raise Conflict("case.toml changed since this page loaded it", now)
            target = self.history.undoable()
            if target is None:
                raise UsageError("nothing to undo")
            if target.after_sha256 != now:
                raise Conflict(
                    f"case.toml was changed after edit #{target.seq} outside the "
                    "workbench; undoing it would lose that change (edit the file "
                    "instead)",
                    now,
                )
            restored = target.before.encode("utf-8")
            write_bytes(self.case_path, restored)
            entry = self.history.record(
                who, f"undo #{target.seq} ({target.what})", before, restored, undoes=target.seq
            )
            return Done(entry, sha256_bytes(restored))


def _text(value: Any) -> str | None:
    """A form field as stripped text, None when empty or missing."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None
