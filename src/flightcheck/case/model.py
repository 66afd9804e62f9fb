"""The case file (``case.toml``): inputs with their hashes, claims and annotations.

TOML keeps the file human-editable and keeps codes like ``NO`` (Norway) strings. It is read
with the standard library's ``tomllib``; edits go through ``tomlkit`` so an investigator's
comments and layout survive (see :mod:`flightcheck.case.edit`). Paths are relative to the
case file. Every problem is reported as ``case.toml: claims[2].kind: ...``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from flightcheck.errors import InputError

CLAIM_KINDS = ("stop", "route", "presence")


@dataclass(frozen=True)
class CaseInput:
    """An input file of the case: ``path`` relative to the case file, and its recorded sha256."""

    path: str
    sha256: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Claim:
    """Something the investigator wants checked against the data.

    ``kind``: ``stop`` (the aircraft stopped at ``airport`` or in ``country``), ``route``
    (its stops went through ``route``, countries or airports, in order) or ``presence``
    (it was observed in ``country`` / near ``airport``). The aircraft is ``aircraft`` (hex or
    registration) or every aircraft matching ``registered_country`` and/or ``military``.
    ``start``/``end`` bound the time window (the TOML keys are ``from`` and ``to``).
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


@dataclass
class Case:
    """A loaded case file. ``root`` is the folder that input paths are relative to."""

    path: Path
    title: str
    inputs: list[CaseInput] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        return self.path.parent

    def input_paths(self) -> list[Path]:
        """Absolute paths of the inputs."""
        return [(self.root / i.path) for i in self.inputs]


def _time(value: Any, where: str, path: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise InputError(path, f"{where}: {value!r} is not a date/time "
                               "(use ISO 8601, e.g. 2025-10-14T08:00:00Z)") from None
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _str(value: Any, where: str, path: str, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise InputError(path, f"{where}: missing")
        return None
    if not isinstance(value, str):
        raise InputError(path, f"{where}: expected a string in quotes, got {value!r}")
    return value.strip()


def _claim(raw: dict, n: int, path: str) -> Claim:
    where = f"claims[{n}]"
    cid = _str(raw.get("id"), f"{where}.id", path, required=True)
    kind = _str(raw.get("kind"), f"{where}.kind", path, required=True)
    if kind not in CLAIM_KINDS:
        raise InputError(path, f"{where}.kind: {kind!r} is not one of {', '.join(CLAIM_KINDS)}")
    route = raw.get("route", [])
    if not isinstance(route, list) or not all(isinstance(r, str) for r in route):
        raise InputError(path, f"{where}.route: expected a list of codes, e.g. [\"EG\", \"CN\"]")
    military = raw.get("military")
    if military is not None and not isinstance(military, bool):
        raise InputError(path, f"{where}.military: expected true or false")
    claim = Claim(
        id=cid, kind=kind, text=_str(raw.get("text"), f"{where}.text", path) or "",
        aircraft=_str(raw.get("aircraft"), f"{where}.aircraft", path),
        registered_country=_str(raw.get("registered_country"), f"{where}.registered_country",
                                path),
        military=military,
        airport=_str(raw.get("airport"), f"{where}.airport", path),
        country=_str(raw.get("country"), f"{where}.country", path),
        route=tuple(r.strip().upper() for r in route),
        start=_time(raw.get("from"), f"{where}.from", path),
        end=_time(raw.get("to"), f"{where}.to", path),
    )
    if kind == "route" and len(claim.route) < 2:
        raise InputError(path, f"{where}.route: a route claim needs at least two places")
    if kind in ("stop", "presence") and not (claim.airport or claim.country):
        raise InputError(path, f"{where}: a {kind} claim needs airport or country")
    if not (claim.aircraft or claim.registered_country or claim.military is not None):
        raise InputError(path, f"{where}: say which aircraft (aircraft, registered_country "
                               "or military)")
    if claim.start is not None and claim.end is not None and claim.end < claim.start:
        raise InputError(path, f"{where}: 'to' is before 'from'")
    return claim


def _annotation(raw: dict, n: int, path: str) -> Annotation:
    where = f"annotations[{n}]"
    sources = raw.get("sources", [])
    if not isinstance(sources, list):
        raise InputError(path, f"{where}.sources: expected a list of strings")
    ann = Annotation(
        id=_str(raw.get("id"), f"{where}.id", path) or f"annotation-{n + 1}",
        label=_str(raw.get("label"), f"{where}.label", path, required=True) or "",
        aircraft=_str(raw.get("aircraft"), f"{where}.aircraft", path),
        airport=_str(raw.get("airport"), f"{where}.airport", path),
        time=_time(raw.get("time"), f"{where}.time", path),
        start=_time(raw.get("from"), f"{where}.from", path),
        end=_time(raw.get("to"), f"{where}.to", path),
        note=_str(raw.get("note"), f"{where}.note", path) or "",
        sources=tuple(str(s) for s in sources),
    )
    if ann.time is None and ann.start is None:
        raise InputError(path, f"{where}: give a time (or from/to) to bind the note to")
    return ann


def load(path: str | Path) -> Case:
    """Read and validate a case file."""
    path = Path(path)
    if path.is_dir():
        path = path / "case.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(str(path), "no such case file (create one with `flightcheck case "
                                    "init DIR`)") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"not valid TOML ({exc})") from None
    p = str(path)
    head = raw.get("case", {})
    inputs = []
    for n, item in enumerate(raw.get("inputs", [])):
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            raise InputError(p, f"inputs[{n}].path: missing")
        inputs.append(CaseInput(item["path"], item.get("sha256"), item.get("note")))
    claims = [_claim(c, n, p) for n, c in enumerate(raw.get("claims", []))]
    ids = [c.id for c in claims]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise InputError(p, f"claims: duplicate id {sorted(dup)[0]!r}")
    annotations = [_annotation(a, n, p) for n, a in enumerate(raw.get("annotations", []))]
    return Case(path=path, title=str(head.get("title", path.parent.name)), inputs=inputs,
                claims=claims, annotations=annotations, settings=dict(raw.get("settings", {})))
