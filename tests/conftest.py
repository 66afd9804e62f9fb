"""Shared fixtures: the bundled sample tracks, read once per test session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[1] / "sample_tracks"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``leaves_threads`` run last: the threads they leave would keep every
    later test in the process from forking workers (flightcheck.runtime.parallel)."""
    items.sort(key=lambda item: item.get_closest_marker("leaves_threads") is not None)


@pytest.fixture
def forkable() -> None:
    """Fails unless this process may fork workers now, so a test of forked workers really
    forks rather than quietly running in one process."""
    from flightcheck.runtime.parallel import fork_blocker

    blocker = fork_blocker()
    assert blocker is None, f"{blocker}: mark the test that left it `leaves_threads`"


@pytest.fixture(scope="session")
def samples() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def truth() -> dict:
    return json.loads((SAMPLES / "truth.json").read_text())


@pytest.fixture(scope="session")
def sample_tracks():
    import flightcheck

    return flightcheck.read(SAMPLES)


@pytest.fixture(scope="session")
def sample_routes(sample_tracks):
    from flightcheck.routes import build_routes

    return build_routes(sample_tracks)
