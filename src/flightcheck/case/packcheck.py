"""``verify --check OUTDIR``: is an evidence pack intact, byte for byte as its manifest says?

Every output listed in ``manifest.json`` is re-hashed (sha256 and size); a file missing,
changed, or present but not listed is a problem. The case file and inputs named in the
manifest are re-hashed too when they can still be found (their absence is noted, not an
error: a published pack travels without its inputs).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from flightcheck.errors import InputError

MANIFEST = "manifest.json"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    try:
        head = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise InputError(str(folder), "no manifest.json: not an evidence pack") from None
    except (OSError, ValueError) as exc:
        raise InputError(str(path), f"unreadable manifest ({exc})") from None
    if not isinstance(head, dict) or not isinstance(head.get("outputs"), list):
        raise InputError(str(path), "not a flightcheck manifest (no outputs list)")
    return head


def _check_one(path: Path, sha256: Any, size: Any) -> str | None:
    """What is wrong with one hashed file, or None."""
    if not path.is_file():
        return "missing"
    if size is not None and path.stat().st_size != size:
        return f"size {path.stat().st_size:,} bytes, manifest says {size:,}"
    if _sha256(path) != sha256:
        return "sha256 differs from the manifest"
    return None


def check_pack(folder: str | Path) -> dict[str, Any]:
    """``{"intact": bool, "checked": n, "problems": [...], "inputs": [...]}`` for a pack."""
    root = Path(folder)
    head = _manifest(root)
    problems: list[str] = []
    listed = {MANIFEST}
    for n, item in enumerate(head["outputs"]):
        name = item.get("path") if isinstance(item, dict) else None
        if not isinstance(name, str) or Path(name).name != name or name in ("", ".", ".."):
            problems.append(f"outputs[{n}]: not a file name of the pack")
            continue
        listed.add(name)
        why = _check_one(root / name, item.get("sha256"), item.get("size"))
        if why:
            problems.append(f"{name}: {why}")
    for extra in sorted(p.name for p in root.iterdir() if p.name not in listed):
        problems.append(f"{extra}: not listed in the manifest")
    inputs = []
    case = head.get("case")
    if not isinstance(case, dict):
        case = {}
    case_path = Path(str(case.get("path", "")))
    if case.get("path"):
        inputs.append(_input_status(case_path, case.get("sha256"), None))
    for item in head.get("inputs") or []:
        if isinstance(item, dict) and isinstance(item.get("path"), str) and case.get("path"):
            inputs.append(
                _input_status(case_path.parent / item["path"], item.get("sha256"), item.get("size"))
            )
    return {
        "pack": str(root),
        "intact": not problems,
        "checked": len(listed) - 1,
        "problems": problems,
        "inputs": inputs,
    }


def _input_status(path: Path, sha256: Any, size: Any) -> dict[str, str]:
    if not path.is_file():
        return {"path": str(path), "status": "not found (not checked)"}
    why = _check_one(path, sha256, size)
    return {"path": str(path), "status": why or "unchanged"}
