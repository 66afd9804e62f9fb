"""One parallel policy (flightcheck.runtime.parallel): library calls run in one process unless
asked, the command line asks for "auto", and workers are forked only on Linux, from the main
thread, with no other thread alive."""

from __future__ import annotations

import sys
import threading
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

import flightcheck
from flightcheck.cli import main
from flightcheck.runtime import parallel
from flightcheck.segment import detect

SAMPLES = Path(__file__).resolve().parents[1] / "sample_tracks"
needs_fork = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="worker processes are forked on Linux only"
)


@pytest.fixture
def forks(monkeypatch):
    """The process counts the policy gave, call by call (read, then detect)."""
    given: list[int] = []
    real = parallel.processes

    def spy(workers, auto):
        given.append(real(workers, auto))
        return given[-1]

    monkeypatch.setattr(parallel, "processes", spy)
    return given


@pytest.fixture
def large(monkeypatch):
    """The automatic rules see "large" work: two processes pay for reading and detecting."""
    monkeypatch.setattr(parallel, "read_processes", lambda n, size: 2)
    monkeypatch.setattr(parallel, "detect_processes", lambda n: 2)


@pytest.fixture
def other_thread():
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, name="caller-thread")
    thread.start()
    yield thread
    stop.set()
    thread.join()


def test_workers_values_are_checked():
    assert parallel.check_workers(None) == 1
    assert parallel.check_workers("auto") == "auto"
    assert parallel.check_workers(" AUTO ") == "auto"
    assert parallel.check_workers("3") == 3
    assert parallel.check_workers(2) == 2
    for bad in (0, -1, "x", 1.5, True, "2.0", ""):
        with pytest.raises(ValueError, match="expected 'auto' or a whole number"):
            parallel.check_workers(bad)


@needs_fork
def test_library_calls_run_in_one_process_unless_asked(forks, large, forkable):
    tracks = flightcheck.read(SAMPLES)  # the rules say two would pay; nobody asked
    one = detect(tracks)
    assert forks == [1, 1]
    auto = flightcheck.read(SAMPLES, workers="auto")
    assert forks[-1] == 2
    assert detect(auto, workers="auto").stops.equals(one.stops)
    assert forks == [1, 1, 2, 2]


@needs_fork
def test_an_explicit_count_is_honoured(forks, forkable):
    tracks = flightcheck.read(SAMPLES, workers=3)
    found = detect(tracks, workers=2)
    assert forks == [3, 2]
    assert found.stops.equals(detect(flightcheck.read(SAMPLES)).stops)


@needs_fork
def test_no_fork_while_another_thread_is_alive(forks, large, other_thread):
    assert "caller-thread" in parallel.fork_blocker()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "auto" falls back quietly
        tracks = flightcheck.read(SAMPLES, workers="auto")
    with pytest.warns(RuntimeWarning, match="workers=2: running in one process: other threads"):
        found = detect(tracks, workers=2)
    assert forks == [1, 1]
    assert len(found.stops) > 0


def test_no_fork_off_the_main_thread():
    got: list[object] = []
    thread = threading.Thread(target=lambda: got.append(parallel.fork_blocker()))
    thread.start()
    thread.join()
    assert got == ["called off the main thread"]


def test_no_fork_but_on_linux(monkeypatch):
    monkeypatch.setattr(parallel.sys, "platform", "darwin")  # fork offered, not fork-safe
    assert parallel.fork_context() is None
    assert "Linux only" in parallel.fork_blocker()
    with pytest.warns(RuntimeWarning, match="Linux only"):
        assert parallel.processes(2, lambda: 2) == 1
    assert parallel.processes("auto", lambda: 2) == 1


def test_automatic_rules(monkeypatch):
    monkeypatch.setattr(parallel, "usable_cpus", lambda: 2)
    assert parallel.detect_processes(parallel.DETECT_MIN_POINTS - 1) == 1
    assert parallel.detect_processes(10_000_000) == 2
    assert parallel.read_processes(3, lambda: 1 << 40) == 1  # too few files to pay
    assert parallel.read_processes(4, lambda: parallel.READ_MIN_BYTES) == 2
    assert parallel.read_processes(10_000, lambda: 24 << 20) == 1  # a small day: stay
    assert parallel.dask_scheduler(1, 10, 1 << 40) == "sync"
    assert parallel.dask_scheduler("auto", 1, 1 << 40) == "threads"  # one batch
    assert parallel.dask_scheduler("auto", 10, 1 << 20) == "threads"  # small archive
    if sys.platform.startswith("linux"):
        assert parallel.dask_scheduler("auto", 10, 1 << 40) == "processes"
        assert parallel.dask_scheduler(2, 10, 1 << 40) == "processes"


def test_local_dask_threads_end_with_the_call():
    before = {t.ident for t in threading.enumerate()}
    with parallel.dask_local(2, "threads") as how:
        import dask

        assert dask.compute(*[dask.delayed(abs)(-i) for i in range(8)], **how) == tuple(range(8))
    assert {t.ident for t in threading.enumerate()} == before  # nothing left to block a fork


def test_the_command_line_asks_for_auto(monkeypatch):
    asked: list[object] = []
    real = parallel.processes

    def spy(workers, auto):
        asked.append(workers)
        return real(workers, auto)

    monkeypatch.setattr(parallel, "processes", spy)
    res = CliRunner().invoke(main, ["stops", str(SAMPLES), "--json"])
    assert res.exit_code == 0, res.output
    assert asked == ["auto", "auto"]  # read, then detect
    res = CliRunner().invoke(main, ["stops", str(SAMPLES), "--json", "--workers", "1"])
    assert res.exit_code == 0 and asked[2:] == [1, 1]


def test_a_bad_workers_value_is_a_usage_error():
    res = CliRunner().invoke(main, ["stops", str(SAMPLES), "--workers", "0"])
    assert res.exit_code == 2
    assert "--workers" in res.output and "expected 'auto' or a whole number" in res.output
