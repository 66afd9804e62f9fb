"""KML readers: FR24, FlightAware, tar1090 and generic KML; sniffing, units, rows, bad input."""

from __future__ import annotations

import gzip
import zipfile

import numpy as np
import pandas as pd
import pytest
from readhelpers import read_one_bytes

import flightcheck
from flightcheck.errors import InputError
from flightcheck.io import kml
from flightcheck.io.pseudo_address import pseudo_address
from flightcheck.track.table import validate

KML_OPEN = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2" '
    'xmlns:gx="http://www.google.com/kml/ext/2.2">\n'
)


def _fr24_fix(when: str, alt_text: str, speed: int, heading: int, coord: str) -> str:
    return f"""      <Placemark>
        <name>{when[:10]} {when[11:19]} UTC</name>
        <description><![CDATA[<div><div><span><b>Altitude:</b></span> <span>{alt_text}</span></div>
<div><span><b>Speed:</b></span> <span>{speed} kt</span></div>
<div><span><b>Heading:</b></span> <span>{heading}&deg;</span></div>
</div>]]></description>
        <TimeStamp>
          <when>{when}</when>
        </TimeStamp>
        <Style><IconStyle><heading>{heading}</heading></IconStyle></Style>
        <Point>
          <altitudeMode>absolute</altitudeMode>
          <coordinates>{coord}</coordinates>
        </Point>
      </Placemark>
"""


# Shape of MickWest/sitrec data/maussan/VB7083-32eca57a-1.kml (Viva Aerobus MTY -> HMO).
FR24_KML = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">\n'
    "  <Document>\n    <name>VB7083/VIV7083</name>\n"
    '    <description><![CDATA[<div style="width:220px;"><span><a href="https://www.'
    'flightradar24.com/flight/vb7083">VB7083</a></span> / VIV7083<br/>VivaAerobus</div>\n'
    '<td colspan="2">\nAircraft<span style="float: right;">(A21N)</span><br>\n'
    '<span style="font-weight: bold;">Airbus A321-271NX</span>\n</td>\n<td colspan="2">\n'
    'Registration<br>\n<span><a href="https://www.flightradar24.com/reg/xa-vxb">XA-VXB</a>'
    "</span>\n</td>]]></description>\n    <Folder>\n      <name>Route</name>\n"
    + _fr24_fix("2023-11-22T02:13:45+00:00", "0 ft", 7, 120, "-100.114502,25.777679,0")
    + _fr24_fix("2023-11-22T02:24:10+00:00", "3,300 ft", 190, 299, "-100.2,25.8,1005.84")
    + _fr24_fix("2023-11-22T02:41:00+00:00", "12,375 ft", 310, 301, "-100.9,26.2,3771.9")
    + "    </Folder>\n    <Folder>\n      <name>Trail</name>\n"
    "      <Placemark><name>P-1</name><MultiGeometry><LineString><altitudeMode>clampToGround"
    "</altitudeMode><coordinates>-100.114502,25.777679,0 -100.2,25.8,1005.84</coordinates>"
    "</LineString></MultiGeometry></Placemark>\n    </Folder>\n  </Document>\n</kml>\n"
).encode()

# Shape of sitrec data/ity621/FlightAware_ITY621_KLAX_LIRF_20221014.kml: 2 airport points,
# then the flight's gx:Track with every <when> first, then every <gx:coord>; -38 m at FCO.
FA_WHENS = [
    "2022-10-14T22:30:25Z",
    "2022-10-14T22:30:41Z",
    "2022-10-15T10:55:02Z",
    "2022-10-15T11:02:30Z",
]
FA_COORDS = [
    "-118.4080 33.9425 38",
    "-118.4300 33.9500 152",
    "12.2800 41.8200 457",
    "12.2508 41.8045 -38",
]


def _flightaware(whens=FA_WHENS, coords=FA_COORDS) -> bytes:
    track = "".join(f"            <when>{w}</when>\n" for w in whens)
    track += "".join(f"            <gx:coord>{c}</gx:coord>\n" for c in coords)
    return (
        KML_OPEN + "<Document>\n"
        "    <name>FlightAware \u2708 ITY621 14-Oct-2022 (KLAX-FCO / LIRF)</name>\n"
        "    <Placemark>\n        <name>KLAX Airport</name>\n        <description><![CDATA["
        "Los Angeles Intl <br> Los Angeles, CA]]></description>\n        <Point>\n"
        "            <coordinates>-118.4080486,33.942496400000003,0</coordinates>\n"
        "        </Point>\n    </Placemark>\n    <Placemark>\n        <name>LIRF Airport"
        "</name>\n        <Point>\n            <coordinates>12.250797,41.804474999999996,0"
        "</coordinates>\n        </Point>\n    </Placemark>\n    <Placemark>\n"
        "        <name>ITY621</name>\n        <description>KLAX - LIRF</description>\n"
        "        <gx:Track>\n            <extrude>1</extrude>\n            <tessellate>1"
        "</tessellate>\n            <altitudeMode>absolute</altitudeMode>\n"
        + track
        + "        </gx:Track>\n    </Placemark>\n</Document>\n</kml>\n"
    ).encode()


def _tar1090_aircraft(reg: str, t0: int = 0) -> str:
    """tar1090 'Export KML' folder: an air section then a ground section (trailing-space
    tags, first and last points of a section repeated), like sitrec N67WV-track-EGM96.kml."""
    air_when = [
        "2022-08-18T02:57:06.180Z",
        "2022-08-18T02:57:06.180Z",
        "2022-08-18T02:57:08.390Z",
        "2022-08-18T12:13:44.950Z",
        "2022-08-18T12:13:44.950Z",
    ]
    air_coord = [
        "-80.294002 25.913676 225",
        "-80.294002 25.913676 225",
        "-80.295289 25.914368 263",
        "-156.429282 20.89865 14",
        "-156.429282 20.89865 14",
    ]
    ground_when = [
        "2022-08-18T12:13:50.210Z",
        "2022-08-18T12:21:59.270Z",
        "2022-08-18T12:21:59.270Z",
    ]
    ground_coord = ["-156.428514 20.899681 0", "-156.428746 20.896753 0", "-156.428746 20.896753 0"]

    def section(whens, coords, airborne):
        head = (
            "<altitudeMode >absolute</altitudeMode>\n<extrude >1</extrude>\n"
            if airborne
            else "<extrude >0</extrude>\n"
        )
        body = "".join(f"<when >{w}</when>\n" for w in whens)
        body += "".join(f"<gx:coord >{c}</gx:coord>\n" for c in coords)
        return (
            f"<Placemark ><name >{reg}</name>\n<Style ><LineStyle ><color >ff1c1ae3"
            f"</color>\n</LineStyle>\n</Style>\n<gx:Track >{head}{body}</gx:Track>\n"
            "</Placemark>\n"
        )

    return (
        f"<Folder ><name >{reg} track</name>\n"
        + section(air_when, air_coord, True)
        + section(ground_when, ground_coord, False)
        + "</Folder>\n"
    )


def _tar1090(*regs: str) -> bytes:
    inner = "".join(_tar1090_aircraft(r) for r in regs)
    return (KML_OPEN.rstrip("\n") + "<Folder >" + inner + "</Folder>\n</kml>\n").encode()


GENERIC = (
    KML_OPEN + "<Document><Placemark><name>EGY1076</name><gx:Track>"
    "<altitudeMode>absolute</altitudeMode><when>2025-10-09T08:53:20Z</when>"
    "<gx:coord>31.2 30.1 0</gx:coord><when>2025-10-09T08:53:30Z</when>"
    "<gx:coord>31.21 30.11 365.76</gx:coord></gx:Track></Placemark>"
    "<Placemark><name>later</name><TimeStamp><when>2025-10-09T08:54:00Z</when>"
    "</TimeStamp><Point><coordinates>31.3,30.2</coordinates></Point></Placemark>"
    "</Document></kml>\n"
).encode()


def _read(tmp_path, data: bytes, name: str, **options):
    return read_one_bytes(tmp_path, data, name, **options)


def test_fr24_kml_feet_from_description_and_aircraft(tmp_path):
    table, record = _read(tmp_path, FR24_KML, "VB7083-32eca57a-1.kml")
    validate(table)
    assert record.format == "fr24-kml" and record.records == 3  # Trail folder ignored
    assert table["time"].tolist() == [
        pd.Timestamp("2023-11-22T02:13:45Z"),
        pd.Timestamp("2023-11-22T02:24:10Z"),
        pd.Timestamp("2023-11-22T02:41:00Z"),
    ]
    assert table["row"].tolist() == [1, 2, 3]
    assert table["lon"].tolist() == [-100.114502, -100.2, -100.9]  # lon first in KML
    assert table["lat"].tolist() == [25.777679, 25.8, 26.2]
    assert table["alt_ft"].tolist() == [0, 3300, 12375]  # "3,300 ft" == 1005.84 m
    assert table["on_ground"].tolist() == [True, False, False]
    assert table["gs_kt"].tolist() == [7, 190, 310]
    assert table["track_deg"].tolist() == [120, 299, 301]
    assert set(table["callsign"]) == {"VIV7083"}
    assert set(table["registration"]) == {"XA-VXB"} and set(table["typecode"]) == {"A21N"}
    assert set(table["icao24"]) == {pseudo_address("reg:XA-VXB")}
    assert any("pass --hex" in n for n in record.notes)
    assert not any("disagrees" in n for n in record.notes)


def test_fr24_kml_metres_without_description_and_disagreement_note(tmp_path):
    data = FR24_KML.replace(b"<span>12,375 ft</span>", b"<span>12,000 ft</span>")
    _, record = _read(tmp_path, data, "a.kml")
    assert any(n.startswith("1 fixes: the coordinate altitude disagrees") for n in record.notes)
    data = FR24_KML.replace(b"<b>Altitude:</b>", b"<b>Alt</b>")
    data = data.replace(b"<when>2023-11-22T02:24:10+00:00</when>", b"")  # time from the name
    table, _ = _read(tmp_path, data, "b.kml", icao24="0d0a3f")
    assert table["alt_ft"].round(6).tolist() == [0, 3300, 12375]  # metres / 0.3048
    assert table["time"].iloc[1] == pd.Timestamp("2023-11-22T02:24:10Z")
    assert set(table["icao24"]) == {"0d0a3f"}


def test_flightaware_pairs_whens_and_coords_by_index(tmp_path):
    table, record = _read(tmp_path, _flightaware(), "FlightAware_ITY621_KLAX_LIRF_20221014.kml")
    validate(table)
    assert record.format == "flightaware-kml" and record.records == 4  # airports are no fixes
    assert table["time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ").tolist() == FA_WHENS
    assert table["row"].tolist() == [1, 2, 3, 4]
    assert table["lon"].tolist() == [-118.408, -118.43, 12.28, 12.2508]
    assert table["lat"].tolist() == [33.9425, 33.95, 41.82, 41.8045]
    np.testing.assert_allclose(table["alt_ft"], [124.67, 498.69, 1499.34, -124.67], atol=0.01)
    assert table["alt_geom_ft"].isna().all() and table["on_ground"].isna().all()
    assert set(table["callsign"]) == {"ITY621"}
    assert "FlightAware planned route KLAX -> LIRF" in " ".join(record.notes)


@pytest.mark.parametrize(
    "title, route",
    [
        ("FlightAware \u2708 AFR179 07-Nov-2022 (MEX / MMMX-CDG / LFPG)", "MMMX -> LFPG"),
        ("FlightAware \u2708 ITY621 14-Oct-2022 (KLAX-FCO / LIRF)", "KLAX -> LIRF"),
        ("FlightAware UAL267 17-Oct-2021 (KBOS-KDEN)", "KBOS -> KDEN"),
        ("FlightAware N14AQ", None),
    ],
)
def test_flightaware_route_from_document_name(title, route):
    assert kml._flightaware_route(title) == route


def test_flightaware_mismatched_counts(tmp_path):
    data = _flightaware(coords=FA_COORDS[:3])
    with pytest.raises(InputError, match=r"FA\.kml: record 4: unmatched track point"):
        _read(tmp_path, data, "FA.kml")
    table, record = _read(tmp_path, data, "FA.kml", skip_bad=True)
    assert table["row"].tolist() == [1, 2, 3] and record.records == 4
    assert sum(record.dropped.values()) == 1


@pytest.mark.parametrize(
    "name, column, other",
    [
        ("N67WV-track-EGM96.kml", "alt_geom_ft", "alt_ft"),
        ("N67WV-track-EGM96_avg.kml", "alt_geom_ft", "alt_ft"),
        ("N67WV-track-press_alt_uncorrected.kml", "alt_ft", "alt_geom_ft"),
    ],
)
def test_tar1090_sections_repeats_and_datum_from_file_name(tmp_path, name, column, other):
    table, record = _read(tmp_path, _tar1090("N67WV"), name)
    validate(table)
    assert record.format == "tar1090-kml" and record.records == 8
    assert record.dropped == {"repeated section point": 3}
    assert table["row"].tolist() == [1, 3, 4, 6, 7]
    assert table["on_ground"].tolist() == [False, False, False, True, True]
    assert table["time"].iloc[0] == pd.Timestamp("2022-08-18T02:57:06.180Z")
    np.testing.assert_allclose(table[column].iloc[:3], [738.19, 862.86, 45.93], atol=0.01)
    assert table[column].iloc[3:].isna().all()  # ground: 0 is a placeholder, not a height
    assert table[other].isna().all()
    assert set(table["registration"]) == {"N67WV"}
    assert set(table["icao24"]) == {pseudo_address("reg:N67WV")}
    if "EGM96" in name:
        assert any("EGM96 geoid" in n for n in record.notes)


def test_tar1090_multi_aircraft_export(tmp_path):
    table, record = _read(tmp_path, _tar1090("86-0033", "82-0193"), "export.kml", icao24="ae0001")
    assert record.records == 16
    by_reg = table.groupby("registration")["icao24"].unique().to_dict()
    assert {k: list(v) for k, v in by_reg.items()} == {
        "86-0033": [pseudo_address("reg:86-0033")],
        "82-0193": [pseudo_address("reg:82-0193")],
    }
    assert table.loc[table["registration"] == "82-0193", "row"].min() == 9
    assert any("--hex ignored" in n for n in record.notes)
    assert any("datum unknown" in n for n in record.notes)


def test_generic_kml_tracks_and_timestamped_points(tmp_path):
    table, record = _read(tmp_path, GENERIC, "seed.kml")
    assert record.format == "kml" and record.records == 3
    assert table["row"].tolist() == [1, 2, 3]
    np.testing.assert_allclose(table["alt_geom_ft"].iloc[:2], [0, 1200])
    assert np.isnan(table["alt_geom_ft"].iloc[2])
    assert table["lat"].tolist() == [30.1, 30.11, 30.2]


def test_sniffing_picks_each_kml_reader_plain_gzip_and_kmz(tmp_path):
    (tmp_path / "VB7083-32eca57a-1.kml").write_bytes(FR24_KML)
    (tmp_path / "FlightAware_ITY621_KLAX_LIRF_20221014.kml.gz").write_bytes(
        gzip.compress(_flightaware())
    )
    (tmp_path / "N67WV-track-EGM96.kml.gz").write_bytes(gzip.compress(_tar1090("N67WV")))
    with zipfile.ZipFile(tmp_path / "flight.kmz", "w") as zf:
        zf.writestr("doc.kml", GENERIC)
    (tmp_path / "places.kml").write_bytes(
        (
            KML_OPEN + "<Document><Placemark><name>KOPF</name><Point><coordinates>-80.28,25.91"
            "</coordinates></Point></Placemark></Document></kml>"
        ).encode()
    )
    tracks = flightcheck.read(tmp_path)
    found = {i.path.rsplit("/", 1)[-1]: (i.format, i.compressed) for i in tracks.inputs}
    assert found == {
        "VB7083-32eca57a-1.kml": ("fr24-kml", ""),
        "FlightAware_ITY621_KLAX_LIRF_20221014.kml.gz": ("flightaware-kml", "gzip"),
        "N67WV-track-EGM96.kml.gz": ("tar1090-kml", "gzip"),
        "flight.kmz": ("kml", "zip"),
    }
    assert [p.rsplit("/", 1)[-1] for p, _ in tracks.skipped] == ["places.kml"]


def test_invalid_xml_names_the_line(tmp_path):
    truncated = _flightaware()[:-300]
    with pytest.raises(InputError, match=r"cut\.kml: invalid XML at line \d+"):
        _read(tmp_path, truncated, "cut.kml", format="flightaware-kml")
    with pytest.raises(InputError, match="no time-stamped positions"):
        _read(tmp_path, b"<kml></kml>", "empty.kml", format="kml")
    with pytest.raises(InputError, match="not a KML document"):
        _read(tmp_path, b"<gpx></gpx>", "x.kml", format="kml")


def test_bad_time_and_coordinates_are_bad_records(tmp_path):
    data = _flightaware(
        whens=[FA_WHENS[0], "yesterday", *FA_WHENS[2:]],
        coords=[*FA_COORDS[:2], "12.28", FA_COORDS[3]],
    )
    with pytest.raises(InputError, match="record 2: missing or unreadable <when>"):
        _read(tmp_path, data, "fa.kml")
    table, record = _read(tmp_path, data, "fa.kml", skip_bad=True)
    assert table["row"].tolist() == [1, 4]
    assert sum(record.dropped.values()) == 2


def test_time_going_back_is_rejected(tmp_path):
    data = _flightaware(whens=[FA_WHENS[0], FA_WHENS[2], FA_WHENS[1], FA_WHENS[3]])
    with pytest.raises(InputError, match="record 3: time goes backwards"):
        _read(tmp_path, data, "fa.kml")
