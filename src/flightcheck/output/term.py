"""Neutralise terminal control characters in text from inputs before it reaches a terminal.

A typecode or registration holding ``ESC [2J`` clears the reader's screen; ``ESC ]52;``
writes their clipboard. :func:`neutralise` shows every C0/C1 control character (other than
newline and tab), DEL and the Unicode bidirectional overrides as a visible escape
(``\\x1b``, ``\\u202e``). The CLI writes stdout through :class:`SafeStream`, so rich tables
and plain lines are covered in one place; messages to stderr go through :func:`neutralise`.
On a terminal, the plain colour sequences rich itself writes (SGR with colour/bold/italic
parameters) pass; every other escape sequence is shown, never interpreted.
"""

from __future__ import annotations

import io
import re
from typing import Any, TextIO

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SGR = re.compile(
    r"\x1b\[(?:(?:0|1|2|3|4|22|23|24|3[0-79]|4[0-79]|9[0-7]|10[0-7]|[34]8;5;\d{1,3}"
    r"|[34]8;2;\d{1,3};\d{1,3};\d{1,3});?)*m"
)


def _show(match: re.Match[str]) -> str:
    c = match.group()
    return f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}"


def neutralise(text: str, keep_colour: bool = False) -> str:
    """``text`` with control characters shown as escapes (newline and tab kept); with
    ``keep_colour``, plain SGR colour sequences are kept as they are."""
    if not keep_colour:
        return _CONTROL.sub(_show, text)
    out, last = [], 0
    for m in _SGR.finditer(text):
        out.append(_CONTROL.sub(_show, text[last : m.start()]))
        out.append(m.group())
        last = m.end()
    out.append(_CONTROL.sub(_show, text[last:]))
    return "".join(out)


class SafeStream(io.TextIOBase):
    """A text stream that neutralises what is written before passing it on; colour
    sequences pass only when the underlying stream is a terminal."""

    def __init__(self, inner: TextIO) -> None:
        self.inner = inner

    def write(self, s: str) -> int:
        self.inner.write(neutralise(s, keep_colour=self.isatty()))
        return len(s)

    def flush(self) -> None:
        self.inner.flush()

    def isatty(self) -> bool:
        try:
            return bool(self.inner.isatty())
        except (AttributeError, ValueError):
            return False

    def fileno(self) -> int:
        return self.inner.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.inner, "encoding", "utf-8")

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self.inner, "errors", None)

    @property
    def buffer(self) -> Any:
        """The binary stream beneath (JSON output is written there; it escapes its own)."""
        return self.inner.buffer

    def writable(self) -> bool:
        return True
