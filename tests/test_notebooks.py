"""The notebooks are the tutorial: stored with their outputs, they run top to bottom on the
bundled data through the public API, show the map and the timeline, write to a visible
folder and print no noise."""

import re
from collections import Counter
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.slow

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def _texts(cell) -> list[str]:
    return [
        str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
        for o in cell.get("outputs", [])
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_stored_with_outputs_and_uses_the_public_api(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.get("outputs") for c in code), "store notebooks with their outputs"
    assert not any(o.get("output_type") == "error" for c in code for o in c.outputs)
    source = "\n".join(c.source for c in code)
    assert "flightcheck.case.pack" not in source and not re.search(r"import _|\._\w+\(", source)
    assert "tempfile" not in source  # outputs go to a folder one can see
    stored = "".join(t for c in code for t in _texts(c))
    assert "/work/" not in stored and "site-packages" not in stored


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert not any(
        o.get("output_type") == "error" or o.get("name") == "stderr"
        for c in code
        for o in c.outputs
    )
    text = "".join(t for c in code for t in _texts(c))
    assert "EG → CN → RS → EG" in text
    assert "'route': 'supported'" in text
    assert "'lybe': 'inconclusive'" in text and "'athens': 'contradicted'" in text
    html = [c for c in code if any("text/html" in o.get("data", {}) for o in c.outputs)]
    map_cell = next(c for c in html if "routes.map(" in c.source)
    assert "map.html" in map_cell.outputs[-1]["data"]["text/html"]
    timeline = next(c for c in html if "route_timeline" in c.source)
    assert "<svg" in timeline.outputs[-1]["data"]["text/html"]
    for c in code:  # no sentence printed over and over (short table/TOML lines may repeat)
        lines = [ln for t in _texts(c) for ln in t.splitlines() if len(ln.strip()) > 30]
        assert not [ln for ln, n in Counter(lines).items() if n > 1], c.source
    visible = tmp_path / "walkthrough-output"
    assert (visible / "map.html").is_file() and (visible / "pack" / "report.html").is_file()


def test_there_is_a_notebook():
    assert NOTEBOOKS
