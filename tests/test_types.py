"""The package type-checks: mypy (configured in pyproject.toml) finds no error in
src/flightcheck. CI runs the README's pytest command only, so the check lives here, as
tests/test_style.py does for ruff."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def test_mypy_finds_no_errors():
    exe = shutil.which("mypy", path=str(Path(sys.executable).parent)) or shutil.which("mypy")
    if exe is None:
        pytest.skip("mypy is not installed (pip install '.[test]')")
    done = subprocess.run(
        [exe, "src/flightcheck"], cwd=REPO, capture_output=True, text=True, check=False
    )
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert done.returncode == 0 and not errors, (
        f"mypy src/flightcheck: {len(errors)} errors\n" + done.stdout + done.stderr
    )
