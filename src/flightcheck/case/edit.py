"""Create and edit case files, keeping the investigator's comments and layout (tomlkit).

Every write is atomic and validated first: the new text is parsed as a case
(:func:`flightcheck.case.model.parse`) before it replaces the file, so a refused edit leaves
``case.toml`` byte for byte as it was. ``add`` records each input's sha256; ``check_inputs``
refuses to work on a case whose inputs changed since, because findings would no longer match
the record; ``add --update`` re-hashes a changed input and records the change.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import tomlkit

from flightcheck.case.inputs import track_files
from flightcheck.case.model import CASE_TIMES, CLAIM_KINDS, SETTING_KEYS, Case, parse, parse_time
from flightcheck.errors import InputError, UsageError
from flightcheck.output.atomic import write_text
from flightcheck.output.jsonout import iso
from flightcheck.reference import places
from flightcheck.reference.places import Place, PlaceError
from flightcheck.track.provenance import sha256_file

TEMPLATE = """# flightcheck case file. Paths are relative to this file. Times are UTC (ISO 8601).
# Edit by hand or with `flightcheck case add|claim|annotate`; check with `flightcheck verify`.

[case]
title = {title}

# [[inputs]]                       # added by `flightcheck case add CASE FILES...`
# path = "tracks/trace_full_010075.json"
# sha256 = "..."

# [[claims]]
# id = "route-eg-cn-rs"
# kind = "route"                   # stop | route | presence
# aircraft = "010075"              # hex or registration; or registered_country / military
# route = ["EG", "CN", "RS"]       # countries (ISO-2) or airport codes, in order
# from = "2025-10-01T00:00:00Z"
# to = "2025-10-31T23:59:59Z"
# text = "An Egyptian Air Force Il-76 flew Egypt -> China -> Serbia in October"

# [[annotations]]
# id = "delivery-1"
# aircraft = "010075"
# airport = "LYBT"                 # binds to the stop at this airport nearest `time`
# time = "2025-10-14T08:00:00Z"
# label = "suspected delivery"
# note = "..."
# sources = ["https://..."]
"""


def case_file(path: str | Path) -> Path:
    """The case file for ``path`` (a ``case.toml`` or the folder holding one)."""
    p = Path(path)
    return p / "case.toml" if p.is_dir() or p.suffix != ".toml" else p


def _write(path: Path, doc: tomlkit.TOMLDocument) -> Case:
    """Validate the edited case, then write it atomically (unchanged text is not rewritten)."""
    text = tomlkit.dumps(doc)
    case = parse(text, path)  # raises before anything is written
    if text != path.read_text(encoding="utf-8"):
        write_text(path, text)
    return case


def _doc(path: Path) -> tomlkit.TOMLDocument:
    try:
        return tomlkit.parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            str(path), "no such case file (create one with `flightcheck case init DIR`)"
        ) from None
    except Exception as exc:  # tomlkit raises its own ParseError subclasses
        raise InputError(str(path), f"not valid TOML ({exc})") from None


def init(folder: str | Path, title: str | None = None) -> Path:
    """Create ``folder/case.toml`` from the commented template (refuses to overwrite)."""
    folder = Path(folder)
    path = folder / "case.toml"
    if path.exists():
        raise UsageError(f"{path} already exists")
    folder.mkdir(parents=True, exist_ok=True)
    write_text(
        path, TEMPLATE.format(title=tomlkit.string(title or folder.resolve().name).as_string())
    )
    return path


def add(
    case_path: str | Path,
    files: list[str | Path],
    note: str | None = None,
    update: bool = False,
    now: dt.datetime | None = None,
) -> list[dict]:
    """Record track files (files, folders or globs) with their sha256.

    Returns one entry per file acted on: ``{"status": "added", "path", "sha256",
    "outside"}`` (``outside``: the file lies outside the case folder, so ``verify`` will
    read it only with ``--allow-outside``),
    ``{"status": "updated", "path", "sha256", "old_sha256"}``, ``{"status": "hashed", "path",
    "sha256"}`` (an input listed without a hash) or ``{"status": "skipped", "path",
    "reason"}`` (folders contribute only track data, never the case's own files, see
    :mod:`flightcheck.case.inputs`). Files already recorded with the same hash are left out.
    A recorded file whose content changed is refused unless ``update``; then its new sha256
    is recorded and the change (old, new, when) is appended to ``[[input_changes]]``.
    Nothing is written when anything is refused.
    """
    path = case_file(case_path)
    doc = _doc(path)
    root = path.parent.resolve()
    inputs = doc.get("inputs")
    if inputs is None:
        inputs = tomlkit.aot()
        doc.append("inputs", inputs)
    known = {str(i.get("path")): i for i in inputs}
    keep, skipped = track_files(list(files), path)
    done: list[dict] = []
    when = iso(now or dt.datetime.now(dt.UTC))
    for file in keep:
        rel = Path(os.path.relpath(Path(file).resolve(), root)).as_posix()
        digest = sha256_file(file)
        if rel in known:
            old = known[rel].get("sha256")
            if old == digest:
                continue
            if old is None:  # listed by hand without a hash: record it, nothing changed
                known[rel]["sha256"] = digest
                done.append({"status": "hashed", "path": rel, "sha256": digest})
                continue
            if not update:
                raise InputError(
                    file,
                    f"already in the case with sha256 {old}, but the file now "
                    f"has {digest}; it changed. To record the new content, "
                    f"run `flightcheck case add {path.parent} {file} "
                    "--update`",
                )
            known[rel]["sha256"] = digest
            _record_change(doc, rel, old, digest, when)
            done.append({"status": "updated", "path": rel, "sha256": digest, "old_sha256": old})
            continue
        item = tomlkit.table()
        item["path"] = rel
        item["sha256"] = digest
        if note:
            item["note"] = note
        inputs.append(item)
        known[rel] = item
        done.append(
            {
                "status": "added",
                "path": rel,
                "sha256": digest,
                "outside": rel.startswith("../") or Path(rel).is_absolute(),
            }
        )
    _write(path, doc)
    return done + [{"status": "skipped", "path": s.path, "reason": s.reason} for s in skipped]


def _record_change(
    doc: tomlkit.TOMLDocument, rel: str, old: str | None, new: str, when: str | None
) -> None:
    changes = doc.get("input_changes")
    if changes is None:
        changes = tomlkit.aot()
        doc.append("input_changes", changes)
    entry = tomlkit.table()
    entry["path"] = rel
    if old:
        entry["old_sha256"] = old
    entry["new_sha256"] = new
    entry["updated"] = when
    changes.append(entry)


def check_inputs(case: Case, allow_outside: Iterable[str | Path] = ()) -> list[dict]:
    """sha256 of every input, confined (see :meth:`Case.confined_paths`); raises if a file is
    missing, unreadable, has no recorded sha256 or differs from it."""
    out = []
    paths = case.confined_paths(allow_outside)
    for n, (inp, p) in enumerate(zip(case.inputs, paths, strict=True)):
        if not inp.sha256:
            raise InputError(
                str(case.path),
                f"inputs[{n}].sha256 for {inp.path[:80]!r}: "
                "missing or empty, so the input cannot be checked; record it "
                f"with `flightcheck case add {case.root} {p}`",
            )
        try:
            digest = sha256_file(p)
        except OSError as exc:
            raise InputError(str(p), f"cannot read file ({exc.strerror or exc})") from None
        if inp.sha256 != digest:
            raise InputError(
                str(p),
                f"changed since it was added to the case (sha256 {digest}, "
                f"recorded {inp.sha256}); if that is intended, record it "
                f"with `flightcheck case add {case.root} {p} --update`",
            )
        out.append({"path": inp.path, "sha256": digest, "size": p.stat().st_size})
    return out


def _append(case_path: str | Path, table_name: str, fields: dict[str, Any]) -> Case:
    path = case_file(case_path)
    doc = _doc(path)
    items = doc.get(table_name)
    if items is None:
        items = tomlkit.aot()
        doc.append(table_name, items)
    if any(str(i.get("id")) == fields["id"] for i in items):
        raise UsageError(f"{path}: a {table_name[:-1]} with id {fields['id']!r} already exists")
    item = tomlkit.table()
    for k, v in fields.items():
        if v is not None and v != [] and v != "":
            item[k] = v
    items.append(item)
    return _write(path, doc)


def _resolve(
    entry: str, name: str, text: str | None, resolve: Callable[[str], Place]
) -> Place | None:
    """``text`` resolved, or None when empty; ``entry`` ("claim 'x'") prefixes an error."""
    if text is None or not text.strip():
        return None
    try:
        return resolve(text)
    except PlaceError as exc:
        raise UsageError(f"{entry}: {name}: {exc}") from None


def _window(cid: str, start: str | None, end: str | None) -> tuple[str | None, str | None]:
    """``from``/``to`` as full ISO 8601 UTC (a date alone is the whole UTC day)."""
    times = []
    for name, value, end_of_day in (("from", start, False), ("to", end, True)):
        try:
            times.append(None if value is None else parse_time(value, end_of_day))
        except (ValueError, TypeError):
            raise UsageError(
                f"claim {cid!r}: {name} {value!r} is not a date/time (use ISO "
                "8601, e.g. 2025-10-14T08:00:00Z or 2025-10-14)"
            ) from None
    for name, value, ts in zip(("from", "to"), (start, end), times, strict=True):
        # "16 Oct" parses as the year 1, which iso() writes as "1-10-16T00:00:00Z" and
        # which reads back as 2016-01-10: refuse it here, as the case file's reader would
        if ts is not None and not CASE_TIMES[0] <= ts < CASE_TIMES[1]:
            raise UsageError(
                f"claim {cid!r}: {name} {value!r} is {ts.date()}, outside "
                "1970 .. 2100 (give the year: 2025-10-16)"
            )
    a, b = times
    if a is not None and b is not None and b < a:
        raise UsageError(f"claim {cid!r}: to ({iso(b)}) is before from ({iso(a)})")
    return iso(a), iso(b)


def split_route(text: str | None) -> list[str] | None:
    """A route as typed (``EG,URC,Serbia``) into its places, as ``case claim --route`` and
    the workbench's form take it; None when not given (an empty element stays, so that
    :func:`claim` can name it)."""
    return None if text is None or not str(text).strip() else str(text).split(",")


def claim(
    case_path: str | Path,
    id: str,
    kind: str,
    *,
    text: str = "",
    aircraft: str | None = None,
    registered_country: str | None = None,
    military: bool | None = None,
    airport: str | None = None,
    country: str | None = None,
    route: list[str] | None = None,
    start: str | None = None,
    end: str | None = None,
) -> Any:
    """Append a claim, its places resolved to codes (what was written is kept as ``place``).

    Validated before anything is written: an unknown place, a bad time or an invalid claim
    raises and leaves the case file untouched. Returns the claim as loaded
    (:class:`flightcheck.case.model.Claim`; its ``places`` say how each place was resolved).
    """
    if kind not in CLAIM_KINDS:
        raise UsageError(f"claim kind {kind!r}: use one of {', '.join(CLAIM_KINDS)}")
    entry = f"claim {id!r}"
    by_airport = _resolve(entry, "airport", airport, places.airport)
    by_country = _resolve(entry, "country", country, places.country)
    by_route = []
    for i, element in enumerate(route or []):
        found = _resolve(entry, f"route[{i}]", element, places.place)
        if found is None:
            raise UsageError(
                f"claim {id!r}: route[{i}] is empty (give places separated by "
                "commas, e.g. EG,CN,RS)"
            )
        by_route.append(found)
    state = _resolve(entry, "registered_country", registered_country, places.country)
    resolved = [p for p in (by_airport, by_country) if p is not None] + by_route
    written = [p.written for p in resolved]
    place = (
        ",".join(written) if [w.upper() for w in written] != [p.code for p in resolved] else None
    )
    start, end = _window(id, start, end)
    case = _append(
        case_path,
        "claims",
        {
            "id": id,
            "kind": kind,
            "aircraft": aircraft,
            "registered_country": state.code if state else None,
            "military": military,
            "airport": by_airport.code if by_airport else None,
            "country": by_country.code if by_country else None,
            "route": [p.code for p in by_route] or None,
            "place": place,
            "from": start,
            "to": end,
            "text": text,
        },
    )
    added = next(c for c in case.claims if c.id == id)
    return dataclasses.replace(added, places=tuple(resolved))


def annotate(
    case_path: str | Path,
    id: str,
    label: str,
    *,
    aircraft: str | None = None,
    airport: str | None = None,
    time: str | None = None,
    start: str | None = None,
    end: str | None = None,
    note: str = "",
    sources: list[str] | None = None,
    author: str = "",
) -> Path:
    """Append an annotation bound to a stop (airport + time) or a time range. The airport
    may be a code or a name; its code is stored (what was written is kept as ``place``).
    ``author``: who wrote it (kept when given)."""
    path = case_file(case_path)
    found = _resolve(f"annotation {id!r}", "airport", airport, places.airport)
    _append(
        path,
        "annotations",
        {
            "id": id,
            "aircraft": aircraft,
            "airport": found.code if found else None,
            "place": found.written if found and found.written.upper() != found.code else None,
            "time": time,
            "from": start,
            "to": end,
            "label": label,
            "note": note,
            "sources": sources or None,
            "author": author or None,
        },
    )
    return path


def remove(case_path: str | Path, target: str) -> dict[str, str]:
    """Remove a claim or an annotation by id, or an input by path (as recorded, or a path to
    the file). ``claim:ID``, ``annotation:ID`` or ``input:PATH`` say which when an id is
    shared. Returns ``{"kind", "id"}`` of what was removed (``id`` is the path for inputs)."""
    path = case_file(case_path)
    doc = _doc(path)
    kind, _, key = target.partition(":")
    if kind not in ("claim", "annotation", "input") or not key:
        kind, key = "", target
    found = []
    for table, name, field in (
        ("claims", "claim", "id"),
        ("annotations", "annotation", "id"),
        ("inputs", "input", "path"),
    ):
        if kind and kind != name:
            continue
        wanted = {key}
        if name == "input" and Path(key).exists():
            wanted.add(Path(os.path.relpath(Path(key).resolve(), path.parent.resolve())).as_posix())
        items = doc.get(table) or []
        found += [
            (table, name, n, str(i.get(field)))
            for n, i in enumerate(items)
            if str(i.get(field)) in wanted
        ]
    if not found:
        raise UsageError(
            f"{path}: no claim, annotation or input {key!r} (see `flightcheck case list`)"
        )
    if len(found) > 1:
        which = " or ".join(f"{name}:{ident}" for _, name, _, ident in found)
        raise UsageError(f"{path}: {key!r} names more than one entry; say which: {which}")
    table, name, n, ident = found[0]
    del doc[table][n]
    if not len(doc[table]):
        del doc[table]  # tomlkit would leave `claims = []` at the top of the file
    _write(path, doc)
    return {"kind": name, "id": ident}


def set_settings(case_path: str | Path, **values: Any) -> Case:
    """Record reading options (``format``, ``skip_bad``, ``tz``) or engine thresholds
    (:class:`~flightcheck.settings.EngineSettings` fields) in the case's ``[settings]``
    (None leaves one as it is), validated before writing. Returns the case as written."""
    from flightcheck.settings import names

    unknown = sorted(set(values) - set(SETTING_KEYS) - set(names()))
    if unknown:
        raise UsageError(
            f"unknown case setting(s) {', '.join(unknown)}; known: {', '.join(SETTING_KEYS)} "
            "and the engine's (`flightcheck settings`)"
        )
    path = case_file(case_path)
    doc = _doc(path)
    settings = doc.get("settings")
    if settings is None:
        settings = tomlkit.table()
        doc.append("settings", settings)
    for key, value in values.items():
        if value is not None:
            settings[key] = value
    return _write(path, doc)
