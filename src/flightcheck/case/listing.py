"""What a case holds, for ``flightcheck case list``: inputs with their hash status, claims
with their resolved places, annotations, settings and the record of changed inputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flightcheck.case.model import Annotation, Case, Claim, load
from flightcheck.output.jsonout import iso
from flightcheck.track.provenance import sha256_file

INPUT_STATUSES = ("ok", "changed", "missing", "unhashed")
"""``ok``: the file has its recorded sha256; ``changed``: it has another (``case add
--update`` records the new one); ``missing``: no such file; ``unhashed``: no sha256 recorded."""


def _input(path: Path, recorded: str | None) -> dict[str, Any]:
    if not path.is_file():
        return {"status": "missing", "sha256": None}
    digest = sha256_file(path)
    status = "unhashed" if not recorded else "ok" if recorded == digest else "changed"
    return {"status": status, "sha256": digest}


def _claim(c: Claim) -> dict[str, Any]:
    return {
        "id": c.id,
        "kind": c.kind,
        "aircraft": c.aircraft,
        "registered_country": c.registered_country,
        "military": c.military,
        "airport": c.airport,
        "country": c.country,
        "route": list(c.route) or None,
        "place": c.place or None,
        "from": iso(c.start),
        "to": iso(c.end),
        "text": c.text,
        "resolved": [
            {
                "written": p.written,
                "kind": p.kind,
                "code": p.code,
                "name": p.name,
                "country": p.country,
                "note": p.note or None,
            }
            for p in c.places
        ],
    }


def _annotation(a: Annotation) -> dict[str, Any]:
    return {
        "id": a.id,
        "label": a.label,
        "aircraft": a.aircraft,
        "airport": a.airport,
        "time": iso(a.time),
        "from": iso(a.start),
        "to": iso(a.end),
        "note": a.note,
        "sources": list(a.sources),
    }


def summary(case_path: str | Path) -> dict[str, Any]:
    """The case as one JSON-ready dict: ``case`` (path, title), ``inputs`` (path,
    recorded_sha256, sha256 now, status, note), ``input_changes``, ``claims``,
    ``annotations`` and ``settings``. Loading validates the case (places resolved)."""
    case: Case = load(case_path)
    inputs = [
        {"path": i.path, "recorded_sha256": i.sha256, **_input(p, i.sha256), "note": i.note}
        for i, p in zip(case.inputs, case.input_paths(), strict=True)
    ]
    return {
        "case": {"path": str(case.path), "title": case.title},
        "inputs": inputs,
        "input_changes": [
            {
                "path": c.path,
                "old_sha256": c.old_sha256,
                "new_sha256": c.new_sha256,
                "updated": iso(c.updated),
            }
            for c in case.input_changes
        ],
        "claims": [_claim(c) for c in case.claims],
        "annotations": [_annotation(a) for a in case.annotations],
        "settings": dict(case.settings),
    }
