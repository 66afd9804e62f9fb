"""Shared fixtures: the bundled sample tracks, read once per test session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[1] / "sample_tracks"


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
