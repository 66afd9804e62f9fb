"""Claims name places as people write them; the case file and verify work with codes."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flightcheck.case import load
from flightcheck.case.model import parse_time
from flightcheck.cli import main
from flightcheck.errors import InputError
from flightcheck.reference import places
from flightcheck.reference.places import PlaceError


@pytest.mark.parametrize(
    "text, code",
    [
        ("LYBT", "LYBT"),  # ICAO
        ("LXR", "HELX"),  # IATA
        ("lxr", "HELX"),  # any case, when no name says otherwise
        ("URC", "ZWWW"),
        ("Batajnica", "LYBT"),  # a word of the name
        ("Cairo West", "HECW"),  # several words, in order
        ("Luxor", "HELX"),  # not Luxora (a municipality that merely starts with it)
        ("HEBA", "HEAX"),  # ident of a row whose ICAO code differs: the stop code wins
    ],
)
def test_airports_resolve_to_the_code_stops_carry(text, code):
    assert places.airport(text).code == code


def test_a_city_name_is_its_only_large_airport_and_says_so():
    got = places.airport("Belgrade")  # the other Belgrades are small US fields
    assert (got.code, got.country) == ("LYBE", "RS")
    assert "05MT" in got.note and "only large" in got.note
    got = places.airport("Urumqi Tianshan")  # Ürümqi in the gazetteer: accents do not matter
    assert (got.code, got.country) == ("ZWWW", "CN")


@pytest.mark.parametrize("text, near", [("Urumqi", "CN-0132"), ("Cairo", "HECW")])
def test_a_city_with_an_air_base_beside_its_airport_is_ambiguous(text, near):
    """Ürümqi South Air Base and Cairo West are where a military transport would land: a claim
    about "Cairo" must not be checked against Cairo International alone."""
    with pytest.raises(places.PlaceError, match=near):
        places.airport(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("XXXX", ["XXXX", "Serik Bus Station Helipad", "heliport", "not an open airport"]),
        (
            "Beijing",
            [
                "ZBAA Beijing Capital International Airport (CN)",
                "ZBAD Beijing Daxing International Airport (CN)",
                "give the code",
            ],
        ),
        ("Egypt", ["is a country (EG)", "--country EG"]),
        ("Lima", ["LIMA Torino-Aeritalia Airport (IT)", "SPJC Jorge Chávez", "ambiguous"]),
        ("Qqqqzz", ["no airport matches 'Qqqqzz'"]),
    ],
)
def test_airports_refused_with_the_candidates(text, expected):
    with pytest.raises(PlaceError) as err:
        places.airport(text)
    message = str(err.value)
    assert "\n" not in message
    for part in expected:
        assert part in message


@pytest.mark.parametrize(
    "text, code",
    [
        ("RS", "RS"),
        ("rs", "RS"),
        ("Serbia", "RS"),
        ("egypt", "EG"),
        ("Republic of Serbia", "RS"),
        ("Czechia", "CZ"),
        ("Kosovo", "XK"),
    ],
)
def test_countries_by_code_or_name(text, code):
    assert places.country(text).code == code


def test_unknown_countries_suggest():
    with pytest.raises(PlaceError, match=r"did you mean Serbia \(RS\)"):
        places.country("Serbai")
    with pytest.raises(PlaceError, match="unknown country code 'XX'"):
        places.country("XX")


@pytest.mark.parametrize(
    "text, kind, code",
    [
        ("EG", "country", "EG"),
        ("Egypt", "country", "EG"),
        ("URC", "airport", "ZWWW"),
        ("Luxembourg", "country", "LU"),
        ("Batajnica", "airport", "LYBT"),
    ],
)
def test_route_elements_are_countries_or_airports(text, kind, code):
    got = places.place(text)
    assert (got.kind, got.code) == (kind, code)


def test_stop_codes_are_the_engines():
    """The code a claim stores is the one the stop engine gives its stops, for every airport."""
    from flightcheck.segment.airportindex import default_index

    ours = places._gaz().table["code"]
    assert sorted(ours) == sorted(default_index().code.tolist())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_every_stop_code_resolves_to_itself(data):
    """A code read off a findings table, pasted into a claim, compares equal to the stops.
    (Checked exhaustively over all 47,978 landable airports once; sampled here.)"""
    table = places._gaz().table
    code = table["code"].iat[data.draw(st.integers(0, len(table) - 1))]
    assert places.airport(code).code == code


@given(
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 1, 1)),
    st.integers(0, 86_399_999),
)
def test_a_date_alone_is_the_whole_utc_day(day, ms):
    start, end = parse_time(day.isoformat()), parse_time(day.isoformat(), end_of_day=True)
    inside = pd.Timestamp(day, tz="UTC") + pd.Timedelta(milliseconds=ms)
    assert start <= inside <= end
    assert end - start == pd.Timedelta(days=1) - pd.Timedelta(milliseconds=1)
    assert parse_time(day) == start and parse_time(day, end_of_day=True) == end  # TOML date


CLAIM = '[[claims]]\nid = "c"\nkind = "{kind}"\naircraft = "010075"\n{body}\n'


def _case(tmp_path, kind, body):
    path = tmp_path / "case.toml"
    path.write_text(CLAIM.format(kind=kind, body=body), encoding="utf-8")
    return path


def test_hand_written_places_load_as_codes(tmp_path):
    c = load(
        _case(
            tmp_path,
            "route",
            'route = ["HECW", "URC", "Serbia"]\nfrom = 2025-10-14\nto = "2025-10-16"',
        )
    ).claims[0]
    assert c.route == ("HECW", "ZWWW", "RS")
    assert c.place == "HECW, URC, Serbia"
    assert c.start == pd.Timestamp("2025-10-14T00:00:00Z")
    assert c.end == pd.Timestamp("2025-10-16T23:59:59.999Z")
    c = load(
        _case(tmp_path, "stop", 'airport = "Urumqi Tianshan"\nregistered_country = "Egypt"')
    ).claims[0]
    assert (c.airport, c.place, c.registered_country) == ("ZWWW", "Urumqi Tianshan", "EG")


@pytest.mark.parametrize(
    "kind, body, where",
    [
        ("stop", 'airport = "XXXX"', "claims[0].airport: 'XXXX'"),
        ("route", 'route = ["EG", "Atlantis"]', "claims[0].route[1]: no airport matches"),
        ("presence", 'country = "Serbai"', "claims[0].country: unknown country"),
        ("stop", 'airport = "Beijing"', "claims[0].airport: 'Beijing' names"),
        ("stop", 'airport = "LYBT"\nfrom = "2025-10-17"\nto = "2025-10-16"', "is before 'from'"),
    ],
)
def test_bad_places_are_load_errors_naming_the_field(tmp_path, kind, body, where):
    with pytest.raises(InputError) as err:
        load(_case(tmp_path, kind, body))
    assert where in str(err.value) and "\n" not in str(err.value)


def test_annotation_airports_resolve(tmp_path):
    path = tmp_path / "case.toml"
    path.write_text(
        '[[annotations]]\nid = "n"\nlabel = "x"\nairport = "Batajnica"\n'
        'time = "2025-10-16T10:00:00Z"\n'
    )
    assert load(path).annotations[0].airport == "LYBT"
    path.write_text(
        '[[annotations]]\nid = "n"\nlabel = "x"\nairport = "XXXX"\ntime = "2025-10-16T10:00:00Z"\n'
    )
    with pytest.raises(InputError, match=r"annotations\[0\]\.airport"):
        load(path)


def test_bundled_case_loads_unchanged(samples):
    case = load(samples / "case.toml")
    assert [(c.airport, c.country, c.route, c.place) for c in case.claims] == [
        (None, None, ("EG", "CN", "RS"), ""),
        ("LYBT", None, (), ""),
        ("LYBE", None, (), ""),
        ("LGAV", None, (), ""),
        (None, "IR", (), ""),
    ]


def test_verify_refuses_a_hand_edited_unknown_place(tmp_path):
    path = _case(tmp_path, "stop", 'airport = "XXXX"')
    res = CliRunner().invoke(main, ["verify", str(path), "-o", str(tmp_path / "out")])
    assert res.exit_code == 2
    assert "claims[0].airport" in res.stderr and "Traceback" not in res.output
    assert len(res.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_places_as_written_are_supported_by_verify(tmp_path, samples):
    """The issue's example: Urumqi, LXR and HECW,URC,LYBT were contradicted; they are
    supported now, because the aircraft did stop there."""
    folder = tmp_path / "c"
    runner = CliRunner()
    for d in ("globe_history", "readsb"):
        shutil.copytree(samples / d, folder / d)
    assert runner.invoke(main, ["case", "init", str(folder)]).exit_code == 0
    assert runner.invoke(main, ["case", "add", str(folder), str(folder)]).exit_code == 0
    claims = [
        [
            "--id",
            "urumqi",
            "--kind",
            "stop",
            "--aircraft",
            "010075",
            "--airport",
            "Urumqi Tianshan",
            "--from",
            "2025-10-15",
            "--to",
            "2025-10-15",
        ],
        ["--id", "luxor", "--kind", "stop", "--aircraft", "010082", "--airport", "LXR"],
        ["--id", "route", "--kind", "route", "--aircraft", "010075", "--route", "HECW,URC,LYBT"],
        ["--id", "serbia", "--kind", "stop", "--aircraft", "SU-BTX", "--country", "Serbia"],
    ]
    for args in claims:
        res = runner.invoke(main, ["case", "claim", str(folder), *args])
        assert res.exit_code == 0, res.output
    res = runner.invoke(main, ["case", "claim", str(folder), *claims[0][2:], "--id", "u2"])
    assert "Urumqi Tianshan -> ZWWW" in res.stdout
    text = (folder / "case.toml").read_text(encoding="utf-8")
    assert 'airport = "ZWWW"\nplace = "Urumqi Tianshan"' in text
    assert 'route = ["HECW", "ZWWW", "LYBT"]' in text
    assert 'to = "2025-10-15T23:59:59.999Z"' in text
    res = runner.invoke(main, ["verify", str(folder), "-o", str(tmp_path / "out"), "--json"])
    assert res.exit_code == 0, res.output
    manifest = json.loads(res.stdout)
    assert manifest["verdicts"] == {
        "urumqi": "supported",
        "luxor": "supported",
        "route": "supported",
        "serbia": "supported",
        "u2": "supported",
    }
    assert manifest["places"]["route"]["written"] == "HECW,URC,LYBT"
    assert [p["code"] for p in manifest["places"]["route"]["resolved"]] == ["HECW", "ZWWW", "LYBT"]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    st.one_of(
        st.text(max_size=12),
        st.sampled_from(
            ["Urumqi", "LXR", "XXXX", "Cairo", "Beijing", "Serbia", "EG", "lybt", "Lima", ""]
        ),
    )
)
def test_a_claim_is_written_resolved_or_not_at_all(tmp_path, text):
    """Whatever is typed as a place, the case file either gains a claim whose place is a
    known code or stays byte for byte as it was."""
    from flightcheck.case import claim, init
    from flightcheck.case.edit import remove
    from flightcheck.errors import FlightcheckError

    path = tmp_path / "case.toml"
    if not path.exists():
        init(tmp_path)
    before = path.read_bytes()
    try:
        claim(path, "h", "stop", aircraft="010075", airport=text)
    except FlightcheckError as exc:
        assert "\n" not in str(exc)
        assert path.read_bytes() == before
        return
    got = load(path).claims[0].airport
    assert got in places._gaz().by_code
    remove(path, "h")
    assert path.read_bytes() == before
