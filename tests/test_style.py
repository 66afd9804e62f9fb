"""The code stays as ruff checks and formats it (CI runs the README's pytest command only, so
the style checks live here)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PATHS = ["src", "tests", "benchmarks"]


def _ruff(*args: str) -> subprocess.CompletedProcess:
    exe = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if exe is None:
        pytest.skip("ruff is not installed (pip install '.[test]')")
    return subprocess.run([exe, *args, *PATHS], cwd=REPO, capture_output=True, text=True)


def test_ruff_lint_is_clean():
    done = _ruff("check", "--quiet")
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format_is_applied():
    done = _ruff("format", "--check", "--quiet")
    assert done.returncode == 0, "run `ruff format src tests benchmarks`:\n" + done.stdout
