"""The case file (``case.toml``): inputs with their hashes, claims and annotations.

TOML keeps the file human-editable and keeps codes like ``NO`` (Norway) strings. It is read
with the standard library's ``tomllib``; edits go through ``tomlkit`` so an investigator's
comments and layout survive (see :mod:`flightcheck.case.edit`). Paths are relative to the
case file. Every problem is reported as ``case.toml: claims[2].kind: ...``.

Places are resolved here, at load time, through the packaged gazetteer
(:mod:`flightcheck.reference.places`): ``airport = "Urumqi"`` becomes ``ZWWW``, ``route =
["HECW", "URC", "LYBT"]`` becomes ``HECW, ZWWW, LYBT``, ``country = "Serbia"`` becomes ``RS``;
an unknown or ambiguous place is an error naming the field, so every consumer gets claims
whose places are codes. A date without a time in ``from``/``to`` means the whole UTC day.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from flightcheck.errors import InputError
from flightcheck.reference import places
from flightcheck.reference.places import Place, PlaceError
from flightcheck.settings import DEFAULT, EngineSettings, SettingsError

CLAIM_KINDS = ("stop", "route", "presence")
PSEUDO_FILE_SYSTEMS = ("/proc", "/sys", "/dev")
"""Never case inputs, even under --allow-outside: their "files" are the machine's state."""
SETTING_KEYS = ("format", "skip_bad", "tz")
"""Reading options a case records (``[settings]``), used by ``verify``. The table's other keys
are engine thresholds, fields of :class:`~flightcheck.settings.EngineSettings`."""

_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class CaseInput:
    """An input file of the case: ``path`` relative to the case file, and its recorded sha256."""

    path: str
    sha256: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class InputChange:
    """An input re-hashed with ``case add --update``: its sha256 before and after, and when
    (``updated``, UTC)."""

    path: str
    old_sha256: str | None
    new_sha256: str
    updated: pd.Timestamp | None = None


@dataclass(frozen=True)
class Claim:
    """Something the investigator wants checked against the data.

    ``kind``: ``stop`` (the aircraft stopped at ``airport`` or in ``country``), ``route``
    (its stops went through ``route``, countries or airports, in order) or ``presence``
    (it was observed in ``country`` / near ``airport``). The aircraft is ``aircraft`` (hex or
    registration) or every aircraft matching ``registered_country`` and/or ``military``.
    ``start``/``end`` bound the time window (the TOML keys are ``from`` and ``to``).

    ``airport``, ``country`` and ``route`` hold codes (ICAO or OurAirports ident; ISO-2).
    ``place`` is what the investigator wrote for them when it differs ("Urumqi"), and
    ``places`` how each was resolved (name, country, and a note when a name matched several
    airports).
    """

    id: str
    kind: str
    text: str = ""
    aircraft: str | None = None
    registered_country: str | None = None
    military: bool | None = None
    airport: str | None = None
    country: str | None = None
    route: tuple[str, ...] = ()
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    place: str = ""
    places: tuple[Place, ...] = ()


@dataclass(frozen=True)
class Annotation:
    """An investigator's note bound to a finding: the stop at ``airport`` nearest ``time``,
    or a time range (``start``..``end``) of an aircraft."""

    id: str
    label: str
    aircraft: str | None = None
    airport: str | None = None
    time: pd.Timestamp | None = None
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    note: str = ""
    sources: tuple[str, ...] = ()
    author: str = ""


@dataclass
class Case:
    """A loaded case file. ``root`` is the folder that input paths are relative to."""

    path: Path
    title: str
    inputs: list[CaseInput] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    input_changes: list[InputChange] = field(default_factory=list)
    engine: EngineSettings = DEFAULT
    """The engine thresholds of ``[settings]`` (defaults for those it does not name)."""

    @property
    def root(self) -> Path:
        return self.path.parent

    def input_paths(self) -> list[Path]:
        """Paths of the inputs (relative ones joined to ``root``); unchecked: read them only
        after :meth:`confined_paths`."""
        return [(self.root / i.path) for i in self.inputs]

    def confined_paths(self, allow_outside: Iterable[str | Path] = ()) -> list[Path]:
        """The inputs' paths, each checked to resolve (symlinks followed) inside the case
        folder or under one of ``allow_outside``, and to be a regular file: a case file from
        someone else must not make ``verify`` read ``/proc/self/environ``, a device or a
        FIFO. Raises :class:`InputError` naming the entry."""
        roots = [Path(os.path.realpath(r)) for r in (self.root, *allow_outside)]
        out = []
        for n, (inp, p) in enumerate(zip(self.inputs, self.input_paths(), strict=True)):
            where = f"inputs[{n}].path {inp.path[:80]!r}"
            real = Path(os.path.realpath(p))
            if not any(r == real or r in real.parents for r in roots):
                raise InputError(
                    str(self.path),
                    f"{where}: outside the case folder; refusing "
                    "to read it (pass --allow-outside DIR to accept inputs under "
                    "DIR)",
                )
            if any(Path(f) in real.parents for f in PSEUDO_FILE_SYSTEMS):
                raise InputError(
                    str(self.path), f"{where}: a system file, not track data; refusing to read it"
                )
            try:
                mode = os.stat(real).st_mode
            except FileNotFoundError:
                raise InputError(str(self.path), f"{where}: input is missing") from None
            except OSError as exc:
                raise InputError(str(self.path), f"{where}: cannot read ({exc.strerror})") from None
            if not stat.S_ISREG(mode):
                raise InputError(
                    str(self.path),
                    f"{where}: not a regular file (a folder, device, FIFO or socket); refusing",
                )
            out.append(p)
        return out


def parse_time(value: Any, end_of_day: bool = False) -> pd.Timestamp:
    """A UTC timestamp from ISO 8601 text or a TOML date/datetime; naive times are UTC.

    A date without a time is a whole UTC day: its first instant, or with ``end_of_day`` its
    last millisecond (23:59:59.999). Raises ValueError or TypeError when not a time."""
    whole_day = (isinstance(value, dt.date) and not isinstance(value, dt.datetime)) or (
        isinstance(value, str) and _DATE_ONLY.fullmatch(value.strip()) is not None
    )
    ts = pd.Timestamp(value.strip() if isinstance(value, str) else value)
    if pd.isna(ts):
        raise ValueError("empty time")
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    if whole_day and end_of_day:
        ts = ts + pd.Timedelta(days=1) - pd.Timedelta(milliseconds=1)
    return ts


CASE_TIMES = (pd.Timestamp("1970-01-01", tz="UTC"), pd.Timestamp("2100-01-01", tz="UTC"))
"""Times a case may name (claim windows, annotations): the span track data can hold."""


def _time(value: Any, where: str, path: str, end_of_day: bool = False) -> pd.Timestamp | None:
    if value is None:
        return None
    if not isinstance(value, (str, dt.date)):
        raise InputError(
            path,
            f"{where}: expected a date/time (ISO 8601 text or a TOML date), got {_kind(value)}",
        )
    try:
        ts = parse_time(value, end_of_day)
    except (ValueError, TypeError, OverflowError):
        raise InputError(
            path,
            f"{where}: {str(value)[:40]!r} is not a date/time "
            "(use ISO 8601, e.g. 2025-10-14T08:00:00Z or 2025-10-14)",
        ) from None
    if not CASE_TIMES[0] <= ts <= CASE_TIMES[1]:
        raise InputError(path, f"{where}: {str(value)[:40]!r} is outside 1970 .. 2100")
    return ts.as_unit("ns")


def _str(value: Any, where: str, path: str, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise InputError(path, f"{where}: missing")
        return None
    if not isinstance(value, str):
        raise InputError(path, f"{where}: expected a string in quotes, got {_kind(value)}")
    return value.strip()


def _kind(value: Any) -> str:
    """A TOML value's type in the words of the TOML spec, for error messages."""
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a float",
        str: "a string",
        list: "an array",
        dict: "a table",
    }
    return next((v for t, v in names.items() if isinstance(value, t)), "a date/time")


def _table(value: Any, where: str, path: str) -> dict:
    if not isinstance(value, dict):
        raise InputError(path, f"{where}: expected a table, got {_kind(value)}")
    return value


def _list(value: Any, where: str, path: str, written: str = "") -> list:
    if not isinstance(value, list):
        hint = f" (write each as {written})" if written else ""
        raise InputError(path, f"{where}: expected an array of tables{hint}, got {_kind(value)}")
    return value


def _place(value: str, where: str, path: str, resolve: Callable[[str], Place]) -> Place:
    try:
        return resolve(value)
    except PlaceError as exc:
        raise InputError(path, f"{where}: {exc}") from None


def _claim(raw: dict, n: int, path: str) -> Claim:
    where = f"claims[{n}]"
    cid = _str(raw.get("id"), f"{where}.id", path, required=True) or ""
    kind = _str(raw.get("kind"), f"{where}.kind", path, required=True)
    if kind not in CLAIM_KINDS:
        raise InputError(path, f"{where}.kind: {kind!r} is not one of {', '.join(CLAIM_KINDS)}")
    route = raw.get("route", [])
    if not isinstance(route, list) or not all(isinstance(r, str) for r in route):
        raise InputError(path, f'{where}.route: expected a list of codes, e.g. ["EG", "CN"]')
    military = raw.get("military")
    if military is not None and not isinstance(military, bool):
        raise InputError(path, f"{where}.military: expected true or false")
    airport = _str(raw.get("airport"), f"{where}.airport", path)
    country = _str(raw.get("country"), f"{where}.country", path)
    by_airport = _place(airport, f"{where}.airport", path, places.airport) if airport else None
    by_country = _place(country, f"{where}.country", path, places.country) if country else None
    by_route = [_place(r, f"{where}.route[{i}]", path, places.place) for i, r in enumerate(route)]
    resolved = [p for p in (by_airport, by_country) if p is not None] + by_route
    registered = _str(raw.get("registered_country"), f"{where}.registered_country", path)
    if registered:
        registered = _place(registered, f"{where}.registered_country", path, places.country).code
    written = [p.written.upper() for p in resolved]
    place = _str(raw.get("place"), f"{where}.place", path) or (
        ", ".join(p.written for p in resolved) if written != [p.code for p in resolved] else ""
    )
    claim = Claim(
        id=cid,
        kind=kind,
        text=_str(raw.get("text"), f"{where}.text", path) or "",
        aircraft=_str(raw.get("aircraft"), f"{where}.aircraft", path),
        registered_country=registered,
        military=military,
        airport=by_airport.code if by_airport else None,
        country=by_country.code if by_country else None,
        route=tuple(p.code for p in by_route),
        start=_time(raw.get("from"), f"{where}.from", path),
        end=_time(raw.get("to"), f"{where}.to", path, end_of_day=True),
        place=place,
        places=tuple(resolved),
    )
    if kind == "route" and len(claim.route) < 2:
        raise InputError(path, f"{where}.route: a route claim needs at least two places")
    if kind in ("stop", "presence") and not (claim.airport or claim.country):
        raise InputError(path, f"{where}: a {kind} claim needs airport or country")
    if not (claim.aircraft or claim.registered_country or claim.military is not None):
        raise InputError(
            path, f"{where}: say which aircraft (aircraft, registered_country or military)"
        )
    if claim.start is not None and claim.end is not None and claim.end < claim.start:
        raise InputError(
            path,
            f"{where}: 'to' ({claim.end.isoformat()}) is before 'from' ({claim.start.isoformat()})",
        )
    return claim


def _annotation(raw: dict, n: int, path: str) -> Annotation:
    where = f"annotations[{n}]"
    sources = raw.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(x, str) for x in sources):
        raise InputError(path, f"{where}.sources: expected a list of strings")
    airport = _str(raw.get("airport"), f"{where}.airport", path)
    ann = Annotation(
        id=_str(raw.get("id"), f"{where}.id", path) or f"annotation-{n + 1}",
        label=_str(raw.get("label"), f"{where}.label", path, required=True) or "",
        aircraft=_str(raw.get("aircraft"), f"{where}.aircraft", path),
        airport=_place(airport, f"{where}.airport", path, places.airport).code if airport else None,
        time=_time(raw.get("time"), f"{where}.time", path),
        start=_time(raw.get("from"), f"{where}.from", path),
        end=_time(raw.get("to"), f"{where}.to", path, end_of_day=True),
        note=_str(raw.get("note"), f"{where}.note", path) or "",
        sources=tuple(str(s) for s in sources),
        author=_str(raw.get("author"), f"{where}.author", path) or "",
    )
    if ann.time is None and ann.start is None:
        raise InputError(path, f"{where}: give a time (or from/to) to bind the note to")
    if ann.start is not None and ann.end is not None and ann.end < ann.start:
        raise InputError(path, f"{where}: 'to' is before 'from'")
    return ann


def engine_settings(raw: dict[str, Any], path: str) -> EngineSettings:
    """The engine thresholds among ``[settings]`` (every key but :data:`SETTING_KEYS`),
    checked: an unknown name, a value that is not a number or one out of range is an error
    naming the key."""
    values = {k: v for k, v in raw.items() if k not in SETTING_KEYS}
    for key, value in values.items():
        wrong = isinstance(value, bool) or not isinstance(value, (int, float))
        if wrong and key in DEFAULT.to_dict():  # unknown keys: named by the check below
            raise InputError(path, f"settings.{key}: expected a number, got {_kind(value)}")
    try:
        return DEFAULT.replace(**values)
    except SettingsError as exc:
        raise InputError(path, f"settings.{exc.key}: {exc.message}") from None


def _settings(raw: Any, path: str) -> dict[str, Any]:
    """``[settings]``: the reading options ``verify`` uses (format, skip_bad, tz), checked;
    engine thresholds are checked by :func:`engine_settings`."""
    if not isinstance(raw, dict):
        raise InputError(path, f"settings: expected a table ([settings]), got {_kind(raw)}")
    out = dict(raw)
    fmt = out.get("format")
    if fmt is not None and not isinstance(fmt, str):
        raise InputError(path, f"settings.format: expected a string, got {_kind(fmt)}")
    if fmt is not None:
        from flightcheck import io

        if fmt not in io.formats():
            raise InputError(
                path,
                f"settings.format: unknown format {fmt!r}; known: "
                f"{', '.join(sorted(io.formats()))}",
            )
    if "skip_bad" in out and not isinstance(out["skip_bad"], bool):
        raise InputError(path, "settings.skip_bad: expected true or false")
    tz = out.get("tz")
    if tz is not None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(str(tz))
        except (ZoneInfoNotFoundError, ValueError):
            raise InputError(
                path,
                f"settings.tz: unknown time zone {tz!r}; use an IANA name such as Europe/Belgrade",
            ) from None
    return out


def _input_change(raw: Any, n: int, path: str) -> InputChange:
    where = f"input_changes[{n}]"
    if not isinstance(raw, dict):
        raise InputError(path, f"{where}: expected a table")
    return InputChange(
        path=_str(raw.get("path"), f"{where}.path", path, required=True) or "",
        old_sha256=_str(raw.get("old_sha256"), f"{where}.old_sha256", path),
        new_sha256=_str(raw.get("new_sha256"), f"{where}.new_sha256", path, required=True) or "",
        updated=_time(raw.get("updated"), f"{where}.updated", path),
    )


def load(path: str | Path) -> Case:
    """Read and validate a case file (a ``case.toml`` or the folder holding one)."""
    path = Path(path)
    if path.is_dir():
        path = path / "case.toml"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(
            str(path), "no such case file (create one with `flightcheck case init DIR`)"
        ) from None
    except UnicodeDecodeError as exc:
        raise InputError(str(path), f"not valid TOML ({exc})") from None
    return parse(text, path)


def parse(text: str, path: Path) -> Case:
    """Validate the text of a case file; ``path`` is where it lives (or will)."""
    p = str(path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(p, f"not valid TOML ({exc})") from None
    head = _table(raw.get("case", {}), "case", p)
    inputs = []
    for n, item in enumerate(_list(raw.get("inputs", []), "inputs", p)):
        where = f"inputs[{n}]"
        if not isinstance(item, dict):
            raise InputError(p, f"{where}: expected a table ([[inputs]]), got {_kind(item)}")
        path_ = _str(item.get("path"), f"{where}.path", p, required=True) or ""
        if not path_:
            raise InputError(p, f"{where}.path: empty")
        inputs.append(
            CaseInput(
                path_,
                _str(item.get("sha256"), f"{where}.sha256", p),
                _str(item.get("note"), f"{where}.note", p),
            )
        )
    claims = [
        _claim(_table(c, f"claims[{n}]", p), n, p)
        for n, c in enumerate(_list(raw.get("claims", []), "claims", p, "[[claims]]"))
    ]
    ids = [c.id for c in claims]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise InputError(p, f"claims: duplicate id {sorted(dup)[0]!r}")
    annotations = [
        _annotation(_table(a, f"annotations[{n}]", p), n, p)
        for n, a in enumerate(
            _list(raw.get("annotations", []), "annotations", p, "[[annotations]]")
        )
    ]
    settings = _settings(raw.get("settings", {}), p)
    changes = [
        _input_change(c, n, p)
        for n, c in enumerate(_list(raw.get("input_changes", []), "input_changes", p))
    ]
    return Case(
        path=path,
        title=str(head.get("title", path.parent.name)),
        inputs=inputs,
        claims=claims,
        annotations=annotations,
        settings=settings,
        input_changes=changes,
        engine=engine_settings(settings, p),
    )
