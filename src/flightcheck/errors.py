"""One exception family for everything flightcheck reports to a user.

Every message is a single line that says what is wrong and, where it helps, what to do.
The CLI prints ``str(error)`` and exits with ``error.exit_code``; it never shows a traceback.
"""

from __future__ import annotations

EXCERPT_CHARS = 40
"""Characters of an input's own text an error message may quote (a file that turns out not
to be track data may be a secret: its first line must not land in a report)."""


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """A short, escaped quotation of ``text`` for an error message: ``repr`` of at most
    ``limit`` characters (control characters escaped), with ``...`` when cut."""
    return repr(text[:limit]) + ("..." if len(text) > limit else "")


def names_excerpt(names: list[str], limit: int = EXCERPT_CHARS) -> str:
    """Column or key names for an error message, within ``limit`` characters in all (and
    how many there are when cut)."""
    text = ", ".join(names)
    return excerpt(text, limit) + (f" ({len(names):,} in all)" if len(text) > limit else "")


class FlightcheckError(Exception):
    """Base class. ``exit_code`` follows the CLI contract (2 = bad usage or input, 1 = other)."""

    exit_code = 1


class UsageError(FlightcheckError):
    """The command line or API call itself is wrong (unknown option value, missing file)."""

    exit_code = 2


class InputError(FlightcheckError):
    """An input file cannot be read as track data.

    ``path`` names the file, ``record`` the 1-based record (line, point or row) when known.
    """

    exit_code = 2

    def __init__(self, path: str, message: str, record: int | None = None) -> None:
        self.path = str(path)
        self.record = record
        self.message = message
        where = self.path if record is None else f"{self.path}: record {record}"
        super().__init__(f"{where}: {message}")

    def __reduce__(self):  # survive pickling (errors come back from reader processes)
        return (type(self), (self.path, self.message, self.record))


class ReferenceDataError(FlightcheckError):
    """A look-up in the reference data failed (unknown airport code, invalid hex address)."""

    exit_code = 2


class UnreadableInput(InputError):
    """An input whose bytes could not be had at all (missing, permission denied, network or
    storage error), as opposed to bytes that are not valid track data. A scan counts these
    apart from bad files: a path a worker cannot see must never pass for an empty archive."""
