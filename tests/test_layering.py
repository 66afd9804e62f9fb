"""The import graph between flightcheck's packages follows the data flow (DESIGN.md): every
import points down the layers below, so there is no cycle and the track layer never imports
from the readers. The graph counts imports anywhere in a module, inside functions too."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import flightcheck

ROOT = Path(flightcheck.__file__).parent

LAYERS = [
    {"__version__", "errors", "units", "geo", "findings", "runtime"},
    {"settings"},  # the engine's thresholds: read by the track layer (flags) and above
    {"reference", "track", "samples"},
    {"io"},
    {"output"},
    {"segment", "synth"},
    {"routes"},
    {"maps", "scan"},
    {"case"},
    {"fluent"},  # the chainable surface over every engine package (flightcheck.read)
    {"serve", "sample_tracks"},  # sample_tracks: data and its generate.py script
    {"cli"},
]
"""Lowest first: a package may import from layers below its own, never from its own or above."""


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def import_graph() -> dict[str, set[str]]:
    """Top-level unit (package or module of flightcheck) -> the units it imports."""
    edges: dict[str, set[str]] = defaultdict(set)
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        module = ".".join(rel.parts).removesuffix(".__init__")
        src = _unit(module)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("flightcheck"):
                targets = (
                    [f"flightcheck.{a.name}" for a in node.names]
                    if node.module == "flightcheck"
                    else [node.module or ""]
                )
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name.startswith("flightcheck.")]
            edges[src].update(u for u in map(_unit, targets) if u != src)
    return edges


def test_every_unit_has_a_layer():
    units = {
        p.stem if p.is_file() else p.name
        for p in ROOT.iterdir()
        if p.suffix == ".py" or (p.is_dir() and any(p.rglob("*.py")))
    } - {"__init__"}
    placed = set().union(*LAYERS)
    assert units - placed == set(), "put new packages into LAYERS"


def test_imports_point_down_the_layers():
    layer = {u: n for n, group in enumerate(LAYERS) for u in group}
    upward = sorted(
        (src, dst)
        for src, dsts in import_graph().items()
        if src != "__init__"
        for dst in dsts
        if layer[dst] >= layer[src]
    )
    assert upward == []


def test_the_track_layer_never_imports_the_readers():
    assert "io" not in import_graph()["track"]
