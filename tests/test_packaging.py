"""The wheel must contain every subpackage and data file the code imports."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_subpackage_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    src = ROOT / "src"
    found = {
        ".".join(p.parent.relative_to(src).parts)
        for p in src.rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert found - listed == set(), "add these to [tool.setuptools] packages"


def test_installed_package_has_its_data():
    from importlib import resources

    data = resources.files("flightcheck.reference") / "data"
    names = {p.name for p in data.iterdir()}
    assert {"airports.parquet", "runways.parquet", "VERSIONS.json"} <= names
    assert (resources.files("flightcheck.case") / "report.html.j2").is_file()


def test_sample_tracks_are_found_from_the_installed_package():
    from flightcheck.samples import sample_tracks_dir

    found = sample_tracks_dir()
    assert (found / "case.toml").is_file() and (found / "truth.json").is_file()
    assert any(found.rglob("trace_full_010075.json"))
