"""Crash safety of the evidence pack: ``verify`` killed (SIGKILL) at random moments of a
re-run over an old pack leaves the old pack or the new one, each intact, never a mix.

The kill times are spread over the whole run (start-up, reading, writing, swapping): a
first uninterrupted run measures how long a run takes. The seed is printed so a failure can
be replayed.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flightcheck.case.packcheck import check_pack

pytestmark = pytest.mark.slow

TRACE = "globe_history/2025/10/16/traces/75/trace_full_010075.json"
KILLS = 5


def _verify(case: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flightcheck.cli", "verify", str(case), "-o", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _claims(out: Path) -> set[str] | None:
    """The claim ids of the pack at ``out`` after checking it is intact (None: no pack)."""
    if not out.exists():
        return None
    result = check_pack(out)
    assert result["intact"], result["problems"]
    return set(json.loads((out / "manifest.json").read_text())["verdicts"])


def test_killed_reruns_leave_the_old_or_the_new_pack(tmp_path, samples):
    from click.testing import CliRunner

    from flightcheck.cli import main

    def cli(*args):
        res = CliRunner().invoke(main, [str(a) for a in args])
        assert res.exit_code == 0, res.output

    case = tmp_path / "case"
    (case / "tracks").mkdir(parents=True)
    shutil.copy(samples / TRACE, case / "tracks" / "010075.json")
    cli("case", "init", case)
    cli("case", "add", case, case / "tracks")
    cli(
        "case",
        "claim",
        case,
        "--id",
        "old",
        "--kind",
        "stop",
        "--aircraft",
        "010075",
        "--airport",
        "LYBT",
    )
    out = tmp_path / "pack"
    start = time.perf_counter()
    assert _verify(case, out).wait() == 0
    duration = time.perf_counter() - start
    assert _claims(out) == {"old"}
    cli(
        "case",
        "claim",
        case,
        "--id",
        "new",
        "--kind",
        "presence",
        "--aircraft",
        "010075",
        "--country",
        "RS",
    )
    seed = random.randrange(1 << 30)
    print(f"seed {seed}, an uninterrupted run takes {duration:.1f} s")
    rng = random.Random(seed)
    new_in_place = False
    for _ in range(KILLS):
        proc = _verify(case, out)
        time.sleep(rng.uniform(0.4, 1.05) * duration)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        claims = _claims(out)  # intact: every file is the one its manifest lists
        assert claims == {"old", "new"} if new_in_place else claims in ({"old"}, {"old", "new"})
        new_in_place = claims == {"old", "new"}
        leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".pack.")]
        assert all(n.endswith(".build") or n == ".pack.lock" for n in leftovers), leftovers
    assert _verify(case, out).wait() == 0  # the next run cleans up what the kills left
    assert _claims(out) == {"old", "new"}
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".pack.")] == [".pack.lock"]
