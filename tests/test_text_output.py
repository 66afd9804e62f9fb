"""Text output (issue 16): no ``nan`` anywhere, row citations sorted and merged into ranges,
flagged fixes counted where the inputs are listed."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from flightcheck.cli import main
from flightcheck.segment.evidence import Cite, row_ranges

SAMPLES = Path(__file__).parent.parent / "sample_tracks"
NAN = re.compile(r"\b(nan|NaN|NaT|<NA>)\b")
DESCENDING = re.compile(r"rows (\d+)-(\d+)")


def _descending(text: str) -> list[str]:
    return [m.group(0) for m in DESCENDING.finditer(text) if int(m[1]) >= int(m[2])]


def test_rows_are_cited_sorted_and_merged_whatever_the_time_order():
    # an SBS log interleaves aircraft and merged sources come in any order: the time order
    # of a stop's fixes is not their row order
    cite = Cite(["log.sbs"] * 5, np.array([509, 300, 261, 260, 262]))
    assert cite.span(0, 4, np.arange(5)) == "log.sbs rows 260-262, 300, 509"
    assert cite.span(0, 3) == "log.sbs rows 260, 509"  # two ends only: never 509-260
    two = Cite(["b.sbs", "a.bin", "b.sbs"], np.array([9, 4, 8]))
    assert two.span(0, 2, [0, 1, 2]) == "b.sbs rows 8-9; a.bin row 4"


@given(st.lists(st.integers(1, 10_000), min_size=1, max_size=200))
def test_row_ranges_cover_exactly_the_rows_in_increasing_order(rows):
    text = row_ranges(rows)
    body = re.sub(r" \([\d,]+ rows\)$", "", text.split(" ", 1)[1])
    parts = [p for p in body.split(", ") if p != "…"]
    bounds = [tuple(int(x) for x in p.split("-")) for p in parts]
    flat = [b for pair in bounds for b in pair]
    assert flat == sorted(flat) and all(len(b) == 1 or b[0] < b[1] for b in bounds)
    if "…" not in body:  # in full: exactly the rows given
        covered = {x for b in bounds for x in range(b[0], b[-1] + 1)}
        assert covered == set(rows)


def test_route_text_shows_unknown_airports_as_a_question_mark(capsys):
    from flightcheck.cli.routes_text import render_routes
    from flightcheck.routes import Route, RouteSet
    from flightcheck.routes.legs import LEG_COLUMNS

    legs = pd.DataFrame(
        [
            {c: None for c in LEG_COLUMNS}
            | {
                "icao24": "a0b1c2",
                "leg": 1,
                "from": np.nan,
                "to": "KMSP",
                "coverage": 0.5,
                "sources": ["x.csv"],
                "departure": pd.NaT,
                "arrival": pd.Timestamp(0, tz="UTC"),
            }
        ]
    )
    stops = pd.DataFrame({"airport": [np.nan, "KMSP"], "country": [np.nan, "US"]})
    route = Route(
        "a0b1c2",
        None,
        None,
        [],
        None,
        None,
        stops,
        legs,
        pd.DataFrame(),
        pd.DataFrame(),
        ["US"],
        ["x.csv"],
    )
    render_routes(RouteSet([route]))
    out = capsys.readouterr().out
    assert "? → KMSP" in out and not NAN.search(out), out


def test_stops_and_route_text_on_the_sample_tracks():
    for command in ("stops", "route"):
        res = CliRunner().invoke(main, [command, str(SAMPLES)])
        assert res.exit_code == 0, res.output
        assert not NAN.search(res.stdout), NAN.search(res.stdout)
        assert not _descending(res.stdout)
    # the sample tracks carry MLAT-like outliers: the flagged fixes are counted per input
    res = CliRunner(env={"COLUMNS": "400"}).invoke(main, ["inspect", str(SAMPLES)])
    assert res.exit_code == 0 and "flagged" in res.stdout and "position jump" in res.stdout
    assert not NAN.search(res.stdout)
    assert re.search(r"position jump: \d+", res.stdout)
