"""One figure for a silence: the report, the map popup, the JSON and stops.csv agree.

Each output shows a silence's unaccounted time from the gap record's ``unaccounted_s``, in the
stop engine's wording, and says an unobserved stop is possible only where the engine found
room for one. Read from the bundled case's evidence pack: the 4 h 43 min silence at Batajnica
(LYBT, accounted for by an inferred stop) and the 4 h silence over Iran (a direct flight fills
it: 0 s unaccounted).
"""

from __future__ import annotations

import csv
import json
import re

import pytest
from click.testing import CliRunner

from flightcheck.case.model import load
from flightcheck.case.pack import run
from flightcheck.cli import main
from flightcheck.maps.html import when
from flightcheck.segment.evidence import duration

LYBT_SILENCE = "2025-10-16T08:26:02.070Z"
IRAN_SILENCE = "2025-10-15T00:10:47.060Z"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory, samples):
    out = tmp_path_factory.mktemp("pack")
    run(samples / "case.toml", out)
    paths = [str(p) for p in load(samples / "case.toml").input_paths()]
    res = CliRunner().invoke(main, ["route", *paths, "--json"])
    assert res.exit_code == 0, res.output
    gaps = {g["start"]: g for ac in json.loads(res.stdout)["aircraft"] for g in ac["gaps"]}
    return {
        "gaps": gaps,
        "report": (out / "report.html").read_text("utf-8"),
        "map": (out / "map.html").read_text("utf-8"),
        "verdicts": json.loads((out / "verdicts.json").read_text("utf-8")),
        "stops": list(csv.DictReader((out / "stops.csv").open(encoding="utf-8"))),
    }


def report_row(report: str, start: str) -> tuple[str, str, str]:
    """(silent, unaccounted, explanation) cells of the report's row for a silence."""
    m = re.search(
        rf'<tr class="gap" id="[^"]*"><td><code>\w+</code></td><td><time '
        rf'datetime="{re.escape(start)}">[^<]*</time></td>'
        r'<td><time[^>]*>[^<]*</time></td><td class="silent">([^<]*)</td>'
        r'<td class="unaccounted">([^<]*)</td>\s*<td>([^<]*)',
        report,
    )
    assert m, f"no report row for the silence from {start}"
    return m.group(1), m.group(2), m.group(3).strip()


def map_popups(page: str, start: str) -> list[dict[str, str]]:
    """Rows of every gap popup of the map for the silence from ``start``."""
    html = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page)
    html = html.replace('\\"', '"').replace("\\/", "/")  # popups sit in JS strings
    out = []
    for body in re.findall(
        r'<div class="fc-popup-title">Unaccounted time</div><table>(.*?)'
        r"</table>",
        html,
    ):
        rows = dict(re.findall(r"<tr><th>([^<]*)</th><td>([^<]*)</td></tr>", body))
        if rows.get("From") == when(start):
            out.append(rows)
    return out


def test_the_lybt_silence_shows_one_figure_everywhere(outputs):
    gap = outputs["gaps"][LYBT_SILENCE]
    silent, figure = duration(gap["duration_s"]), duration(gap["unaccounted_s"])
    assert figure.startswith("4 h 4")  # the silence of the issue: unaccounted 4 h 43 min
    # JSON: the record's own evidence text
    assert f"{figure} unaccounted" in gap["evidence"] and f"silent {silent}" in gap["evidence"]
    # report.html: the table row and the coverage note
    assert report_row(outputs["report"], LYBT_SILENCE)[:2] == (silent, figure)
    assert (
        "accounted for by the inferred stop at LYBT"
        in report_row(outputs["report"], LYBT_SILENCE)[2]
    )
    assert (
        f"{figure} more than a direct flight needs: accounted for by the inferred stop at LYBT"
    ) in outputs["report"]
    # map.html: every popup of this silence (the area and each candidate airport)
    popups = map_popups(outputs["map"], LYBT_SILENCE)
    assert popups and all(p["Unaccounted"] == figure and p["Silent for"] == silent for p in popups)
    assert popups[0]["Accounted for by"] == "inferred stop at LYBT"
    # stops.csv: the inferred stop across this silence
    lybt = [
        s
        for s in outputs["stops"]
        if s["airport"] == "LYBT" and s["kind"] == "inferred" and s["icao24"] == gap["icao24"]
    ]
    assert len(lybt) == 1 and f"silent {silent}" in lybt[0]["evidence"]


def test_the_iran_silence_leaves_no_time_and_says_so(outputs):
    gap = outputs["gaps"][IRAN_SILENCE]
    figure = duration(gap["unaccounted_s"])
    assert figure == "0 s" and gap["reach_km"] is None
    silent, shown, why = report_row(outputs["report"], IRAN_SILENCE)
    assert (silent, shown) == (duration(gap["duration_s"]), figure)
    assert why == "no stop needed: a direct flight fills the silence"
    assert f"silent {IRAN_SILENCE} – " not in outputs["report"]  # no "stop possible" note
    assert not map_popups(outputs["map"], IRAN_SILENCE)  # no reachable area drawn
    # verdicts.json cites the same silence with the same figure
    cited = [
        e
        for c in outputs["verdicts"]["claims"]
        for e in c["evidence"]
        if e.get("type") == "gap" and e["start"] == IRAN_SILENCE
    ]
    assert cited and all(
        duration(e["unaccounted_s"]) == figure and f"{figure} unaccounted" in e["evidence"]
        for e in cited
    )


@pytest.mark.parametrize(
    ("record", "fits"),
    [
        ({"reach_km": 812.3, "unaccounted_s": 5050.0}, True),
        ({"reach_km": None, "unaccounted_s": 0.02}, False),
        ({"reach_km": float("nan"), "unaccounted_s": 5050.0}, False),  # a DataFrame's missing
        ({"unaccounted_s": 5050.0, "direct_s": 4580.0}, True),  # an older record: the margin test
        ({"unaccounted_s": 600.0, "direct_s": 4580.0}, False),
    ],
)
def test_stop_fits_reads_the_engines_decision(record, fits):
    from flightcheck.segment.gaps import stop_fits

    assert stop_fits(record) is fits
