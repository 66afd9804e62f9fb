"""Create and edit case files, keeping the investigator's comments and layout (tomlkit).

Every write is atomic. ``add`` records each input's sha256; ``check_inputs`` refuses to work
on a case whose inputs changed since, because findings would no longer match the record.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import tomlkit

from flightcheck.atomic import write_text
from flightcheck.case.model import CLAIM_KINDS, Case, load
from flightcheck.errors import InputError, UsageError
from flightcheck.io.paths import expand
from flightcheck.provenance import sha256_file

TEMPLATE = '''# flightcheck case file. Paths are relative to this file. Times are UTC (ISO 8601).
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
'''


def case_file(path: str | Path) -> Path:
    """The case file for ``path`` (a ``case.toml`` or the folder holding one)."""
    p = Path(path)
    return p / "case.toml" if p.is_dir() or p.suffix != ".toml" else p


def _write(path: Path, doc: tomlkit.TOMLDocument) -> None:
    text = tomlkit.dumps(doc)
    write_text(path, text)
    load(path)  # never leave an invalid case behind silently: re-validate what was written


def _doc(path: Path) -> tomlkit.TOMLDocument:
    try:
        return tomlkit.parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(str(path), "no such case file (create one with `flightcheck case "
                                    "init DIR`)") from None
    except Exception as exc:  # tomlkit raises its own ParseError subclasses
        raise InputError(str(path), f"not valid TOML ({exc})") from None


def init(folder: str | Path, title: str | None = None) -> Path:
    """Create ``folder/case.toml`` from the commented template (refuses to overwrite)."""
    folder = Path(folder)
    path = folder / "case.toml"
    if path.exists():
        raise UsageError(f"{path} already exists")
    folder.mkdir(parents=True, exist_ok=True)
    write_text(path, TEMPLATE.format(title=tomlkit.string(title or folder.resolve().name)
                                     .as_string()))
    return path


def add(case_path: str | Path, files: list[str | Path], note: str | None = None) -> list[dict]:
    """Record input files (files, folders or globs) with their sha256. Returns the entries
    added; files already recorded with the same hash are left as they are."""
    path = case_file(case_path)
    doc = _doc(path)
    root = path.parent.resolve()
    inputs = doc.get("inputs")
    if inputs is None:
        inputs = tomlkit.aot()
        doc.append("inputs", inputs)
    known = {str(i.get("path")): i for i in inputs}
    added = []
    for cand in expand([str(f) for f in files]):
        rel = Path(os.path.relpath(Path(cand.path).resolve(), root)).as_posix()
        digest = sha256_file(cand.path)
        if rel in known:
            if known[rel].get("sha256") != digest:
                raise InputError(cand.path, f"already in the case with sha256 "
                                            f"{known[rel].get('sha256')}, but the file now has "
                                            f"{digest}; it changed")
            continue
        item = tomlkit.table()
        item["path"] = rel
        item["sha256"] = digest
        if note:
            item["note"] = note
        inputs.append(item)
        known[rel] = item
        added.append({"path": rel, "sha256": digest})
    _write(path, doc)
    return added


def check_inputs(case: Case) -> list[dict]:
    """sha256 of every input; raises if a file is missing or differs from the recorded hash."""
    out = []
    for inp, p in zip(case.inputs, case.input_paths(), strict=True):
        if not p.is_file():
            raise InputError(str(case.path), f"input {inp.path!r} is missing")
        digest = sha256_file(p)
        if inp.sha256 and inp.sha256 != digest:
            raise InputError(str(p), f"changed since it was added to the case (sha256 {digest}, "
                                     f"recorded {inp.sha256}); re-add it if that is intended")
        out.append({"path": inp.path, "sha256": digest, "size": p.stat().st_size})
    return out


def _append(case_path: str | Path, table_name: str, fields: dict[str, Any]) -> Path:
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
    _write(path, doc)
    return path


def claim(case_path: str | Path, id: str, kind: str, *, text: str = "",
          aircraft: str | None = None, registered_country: str | None = None,
          military: bool | None = None, airport: str | None = None, country: str | None = None,
          route: list[str] | None = None, start: str | None = None,
          end: str | None = None) -> Path:
    """Append a claim (validated by re-reading the case)."""
    if kind not in CLAIM_KINDS:
        raise UsageError(f"claim kind {kind!r}: use one of {', '.join(CLAIM_KINDS)}")
    return _append(case_path, "claims", {
        "id": id, "kind": kind, "aircraft": aircraft,
        "registered_country": registered_country, "military": military, "airport": airport,
        "country": country, "route": [r.upper() for r in route] if route else None,
        "from": start, "to": end, "text": text,
    })


def annotate(case_path: str | Path, id: str, label: str, *, aircraft: str | None = None,
             airport: str | None = None, time: str | None = None, start: str | None = None,
             end: str | None = None, note: str = "", sources: list[str] | None = None) -> Path:
    """Append an annotation bound to a stop (airport + time) or a time range."""
    return _append(case_path, "annotations", {
        "id": id, "aircraft": aircraft, "airport": airport, "time": time, "from": start,
        "to": end, "label": label, "note": note, "sources": sources or None,
    })
