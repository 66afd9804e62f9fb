"""KML track exports: Flightradar24, FlightAware, tar1090 / ADS-B Exchange, and generic KML.

Every format: ``row`` is the N-th fix in document order (1-based), times are UTC, coordinates
are ``lon, lat, alt`` with the altitude in **metres**. None of them carries an ICAO address:
``--hex`` sets it, otherwise a ``~`` pseudo-address is used and noted (see
:mod:`flightcheck.io.pseudo_address`). Malformed XML makes the whole file unusable.

* ``fr24-kml``: one ``Placemark`` per fix in the ``Route`` folder (the ``Trail`` folder only
  repeats the fixes as line segments and is ignored). The description's ``Altitude: 3,300 ft``
  (barometric feet) is preferred over the coordinate altitude (the same value in metres);
  ``Speed`` -> ``gs_kt``, ``Heading`` -> ``track_deg``. The document name ``FLIGHT/CALLSIGN``
  gives the callsign, the document description the registration and type when present. FR24's
  ground rule applies: altitude 0 means on the ground (see :mod:`flightcheck.io.fr24`).
* ``flightaware-kml``: the flight is the ``Placemark`` with a ``gx:Track`` (its name is the
  ident -> ``callsign``); the two airport placemarks are not fixes. ``<when>`` and
  ``<gx:coord>`` are paired by index. Altitudes are barometric-derived metres -> ``alt_ft``.
  The planned route from the document name goes into the provenance notes.
* ``tar1090-kml``: ``Folder/Folder`` per aircraft named ``REG track`` (-> ``registration``),
  one ``Placemark`` per ground or air section. Airborne sections (``altitudeMode absolute``)
  have ``on_ground = False``; ground sections (no altitude mode, altitude 0) ``on_ground =
  True`` with the altitude unknown (0 is a placeholder, not a height). tar1090 repeats the
  end points of sections: a fix identical (time and coordinates) to the one before it is
  dropped as "repeated section point". The altitude's meaning is only in the file name:
  ``-track-press_alt_uncorrected`` is pressure altitude (-> ``alt_ft``); ``-track-EGM96`` and
  ``-track-EGM96_avg`` are heights above the EGM96 geoid (-> ``alt_geom_ft``, noted: not the
  WGS-84 ellipsoid heights readsb reports as geometric altitude). A renamed file is treated as
  EGM96 (2 of tar1090's 3 styles) with a note.
* ``kml``: any other KML with ``gx:Track`` elements or time-stamped ``Point`` placemarks, taken
  as one aircraft. ``absolute`` altitudes are metres above sea level (KML) -> ``alt_geom_ft``;
  other altitude modes carry no usable height.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import PurePath

import numpy as np
import pandas as pd

from flightcheck.io.context import ReadContext
from flightcheck.io.fr24 import ground_from_altitude
from flightcheck.io.pseudo_address import aircraft_address, user_address
from flightcheck.units import FT_PER_M

FORMATS = ("fr24-kml", "flightaware-kml", "tar1090-kml", "kml")
TIME_ORDERED = frozenset(FORMATS)

_BOM = b"\xef\xbb\xbf"
_KML_NAMESPACES = (b"opengis.net/kml", b"earth.google.com/kml")
_KML_ROOT = re.compile(rb"<kml[\s>]")
_FLIGHTAWARE = re.compile(rb"<Document\s*>\s*<name\s*>[^<]*FlightAware")
_FR24_ROUTE = re.compile(rb"<name\s*>\s*Route\s*</name\s*>")
_TAR1090 = re.compile(rb"<Folder\s*>\s*<Folder\s*>\s*<name\s*>[^<]*\btrack\s*</name\s*>")
_TIMED = re.compile(rb"<(?:\w+:)?(?:Track|when)[\s>]")

ALT_MISMATCH_FT = 1.0
"""FR24 description vs coordinate altitude: differences above this are noted."""


def sniff(head: bytes, name: str) -> str | None:
    """The KML flavour from the document's first bytes, None if not a KML with times."""
    text = head[len(_BOM) :] if head.startswith(_BOM) else head
    text = text.lstrip()
    if not text.startswith(b"<") or not _KML_ROOT.search(text):
        return None
    if not any(ns in text for ns in _KML_NAMESPACES):
        return None
    if _FLIGHTAWARE.search(text):
        return "flightaware-kml"
    if _FR24_ROUTE.search(text) and b"TimeStamp" in text:
        return "fr24-kml"
    if _TAR1090.search(text):
        return "tar1090-kml"
    if _TIMED.search(text):
        return "kml"
    return None


def read(data: bytes, ctx: ReadContext, fmt: str) -> pd.DataFrame:
    """Read a KML export of flavour ``fmt`` into track-table columns."""
    root = _parse(data, ctx)
    readers = {
        "fr24-kml": _read_fr24,
        "flightaware-kml": _read_flightaware,
        "tar1090-kml": _read_tar1090,
        "kml": _read_generic,
    }
    return readers[fmt](root, ctx)


# --- XML helpers ------------------------------------------------------------------------------


def _parse(data: bytes, ctx: ReadContext) -> ET.Element:
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line = exc.position[0]
        reason = str(exc).split(": line ")[0]
        raise ctx.fail(f"invalid XML at line {line}: {reason}") from None
    except (LookupError, ValueError) as exc:  # e.g. an unknown encoding declaration
        raise ctx.fail(f"invalid XML ({exc})") from None
    if _local(root.tag) != "kml":
        raise ctx.fail(f"not a KML document (the root element is <{_local(root.tag)}>)")
    return root


def _local(tag: object) -> str:
    """Element name without its namespace (``{...}Track`` -> ``Track``); "" for comments."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in element if _local(c.tag) == name]


def _child_text(element: ET.Element, name: str) -> str | None:
    for child in element:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return None


def _descendants(element: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in element.iter() if _local(e.tag) == name]


def _first_text(element: ET.Element, name: str) -> str | None:
    for e in element.iter():
        if _local(e.tag) == name:
            return (e.text or "").strip()
    return None


def _document(root: ET.Element) -> ET.Element:
    docs = _descendants(root, "Document")
    return docs[0] if docs else root


# --- fixes: lists of raw texts, converted in one vectorised pass ------------------------------


@dataclass
class _Fixes:
    """Raw per-fix texts collected in document order, plus per-fix extra columns."""

    when: list[str] = field(default_factory=list)
    coord: list[str] = field(default_factory=list)
    row: list[int] = field(default_factory=list)
    extra: dict[str, list] = field(default_factory=dict)

    def add(self, when: str, coord: str, row: int, **extra: object) -> None:
        self.when.append(when)
        self.coord.append(coord)
        self.row.append(row)
        for key, value in extra.items():
            self.extra.setdefault(key, []).append(value)


def _add_track(
    fixes: _Fixes, track: ET.Element, first_row: int, ctx: ReadContext, **extra: object
) -> int:
    """Pair a ``gx:Track``'s ``<when>`` and ``<gx:coord>`` by index; returns records used."""
    whens = [(e.text or "").strip() for e in track if _local(e.tag) == "when"]
    coords = [(e.text or "").strip() for e in track if _local(e.tag) == "coord"]
    paired = min(len(whens), len(coords))
    for i in range(paired):
        fixes.add(whens[i], coords[i], first_row + i, **extra)
    unmatched = abs(len(whens) - len(coords))
    if unmatched:
        rows = np.arange(first_row + paired, first_row + paired + unmatched)
        ctx.drop_bad(
            np.ones(unmatched, dtype=bool),
            rows,
            f"unmatched track point ({len(whens)} <when> but {len(coords)} "
            "<gx:coord>; only the first pairs are kept)",
        )
    return paired + unmatched


def _positions(fixes: _Fixes, ctx: ReadContext) -> tuple[pd.DataFrame, np.ndarray]:
    """time, lon, lat, alt_m for every fix, and the mask of fixes that are readable."""
    if not fixes.row:
        raise ctx.fail("no time-stamped positions found in this KML")
    rows = np.asarray(fixes.row, dtype="int64")
    when = pd.Series(fixes.when, dtype=object)
    time = pd.to_datetime(when.where(when != ""), format="ISO8601", utc=True, errors="coerce")
    keep = ctx.drop_bad(time.isna().to_numpy(), rows, "missing or unreadable <when> time")
    parts = (
        pd.Series(fixes.coord, dtype=object)
        .str.replace(",", " ", regex=False)
        .str.split(expand=True)
        .reindex(columns=range(4))
    )
    numbers = parts.apply(pd.to_numeric, errors="coerce")
    lon, lat, alt = (numbers[i].to_numpy(dtype="float64") for i in range(3))
    bad = (
        np.isnan(lon)
        | np.isnan(lat)
        | parts[3].notna().to_numpy()
        | (np.isnan(alt) & parts[2].notna().to_numpy())
    )
    keep &= ctx.drop_bad(bad & keep, rows, "unreadable coordinates (expected lon,lat[,alt])")
    frame = pd.DataFrame({"time": time, "lon": lon, "lat": lat, "alt_m": alt, "row": rows})
    for key, values in fixes.extra.items():
        frame[key] = values
    return frame, keep


# --- Flightradar24 ----------------------------------------------------------------------------

_TAGS = re.compile(r"<[^>]+>")


def _html_text(html: str | None) -> str:
    return re.sub(r"\s+", " ", _TAGS.sub(" ", html or "")).strip()


def _fr24_aircraft(description: str | None) -> tuple[str | None, str | None]:
    """(registration, ICAO type) from an FR24 KML document description, when present."""
    text = _html_text(description)
    reg = re.search(r"Registration\s+([A-Z0-9][A-Z0-9-]{1,11})\b", text)
    typ = re.search(r"Aircraft\s*\(\s*([A-Z0-9]{2,4})\s*\)", text)
    return (reg.group(1) if reg else None), (typ.group(1) if typ else None)


def _fr24_number(texts: pd.Series, label: str, unit: str) -> np.ndarray:
    pattern = rf"{label}:\s*(-?[\d,]+(?:\.\d+)?)\s*{unit}"
    found = texts.str.extract(pattern, expand=False).str.replace(",", "", regex=False)
    return pd.to_numeric(found, errors="coerce").to_numpy(dtype="float64")


def _fr24_name_time(name: str | None) -> str:
    """A fix's name ``2023-11-22 02:13:45 UTC`` as ISO time ("" when it is not one)."""
    match = re.fullmatch(r"(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) UTC", name or "")
    return f"{match.group(1)}T{match.group(2)}Z" if match else ""


def _read_fr24(root: ET.Element, ctx: ReadContext) -> pd.DataFrame:
    doc = _document(root)
    title = _child_text(doc, "name") or ""
    callsign = title.split("/", 1)[1].strip() if "/" in title else None
    registration, typecode = _fr24_aircraft(_child_text(doc, "description"))
    routes = [
        f for f in _descendants(root, "Folder") if (_child_text(f, "name") or "").lower() == "route"
    ]
    placemarks = (
        _descendants(routes[0], "Placemark")
        if routes
        else [p for p in _descendants(root, "Placemark") if _descendants(p, "Point")]
    )
    fixes = _Fixes()
    for number, placemark in enumerate(placemarks, start=1):
        when = _first_text(placemark, "when") or _fr24_name_time(_child_text(placemark, "name"))
        fixes.add(
            when,
            _first_text(placemark, "coordinates") or "",
            number,
            description=_html_text(_child_text(placemark, "description")),
            heading=_first_text(placemark, "heading"),
        )
    ctx.records = len(placemarks)
    frame, keep = _positions(fixes, ctx)
    texts = frame["description"].astype(str)
    alt_desc = _fr24_number(texts, "Altitude", "ft")
    alt_coord = frame["alt_m"].to_numpy() * FT_PER_M
    differ = np.abs(alt_desc - alt_coord) > ALT_MISMATCH_FT
    if differ.any():
        ctx.notes.append(
            f"{int(differ.sum())} fixes: the coordinate altitude disagrees with "
            "the description's; the description (feet) is used"
        )
    gs_kt = _fr24_number(texts, "Speed", "kt")
    heading = _fr24_number(texts, "Heading", "")
    icon = pd.to_numeric(frame["heading"], errors="coerce").to_numpy(dtype="float64")
    heading = np.where(np.isnan(heading), icon, heading)
    alt_ft = np.where(np.isnan(alt_desc), alt_coord, alt_desc)
    frame = frame.assign(gs_kt=gs_kt, track_deg=heading, alt_ft=alt_ft)[keep]
    alt_ft, on_ground = ground_from_altitude(
        frame["alt_ft"].to_numpy(), frame["gs_kt"].to_numpy(), ctx
    )
    return frame.assign(
        alt_ft=alt_ft,
        on_ground=on_ground,
        callsign=callsign,
        registration=registration,
        typecode=typecode,
        position_source="unknown",
        icao24=aircraft_address(ctx, "FR24 KML", registration),
    ).drop(columns=["alt_m", "description", "heading"])


# --- FlightAware ------------------------------------------------------------------------------


def _flightaware_route(title: str) -> str | None:
    """``... (MEX / MMMX-CDG / LFPG)`` -> ``MMMX -> LFPG``."""
    match = re.search(r"\(([^()]*)\)\s*$", title)
    if not match:
        return None
    ends = match.group(1).split("-")
    if len(ends) != 2:
        return None
    codes = [end.split("/")[-1].strip() for end in ends]
    return " -> ".join(codes) if all(codes) else None


def _read_flightaware(root: ET.Element, ctx: ReadContext) -> pd.DataFrame:
    title = _child_text(_document(root), "name") or ""
    route = _flightaware_route(title)
    if route:
        ctx.notes.append(
            f"FlightAware planned route {route} (a diverted flight keeps its planned destination)"
        )
    fixes = _Fixes()
    records = 0
    for placemark in _descendants(root, "Placemark"):
        ident = _child_text(placemark, "name")
        for track in _descendants(placemark, "Track"):
            records += _add_track(fixes, track, records + 1, ctx, callsign=ident)
    ctx.records = records
    frame, keep = _positions(fixes, ctx)
    frame = frame[keep]
    return frame.assign(
        alt_ft=frame["alt_m"] * FT_PER_M,
        position_source="unknown",
        icao24=aircraft_address(ctx, "FlightAware KML"),
    ).drop(columns=["alt_m"])


# --- tar1090 / ADS-B Exchange -----------------------------------------------------------------


def _tar1090_datum(path: str, ctx: ReadContext) -> str:
    """``alt_ft`` or ``alt_geom_ft``: where the file name says the altitudes belong."""
    name = PurePath(path).name.lower()
    if "press_alt_uncorrected" in name:
        return "alt_ft"
    if "egm96_avg" in name:
        ctx.notes.append(
            "tar1090 EGM96_avg altitudes: pressure altitude plus a smoothed "
            "GNSS offset, height above the EGM96 geoid (not the WGS-84 ellipsoid) "
            "-> alt_geom_ft"
        )
    elif "egm96" in name:
        ctx.notes.append(
            "tar1090 EGM96 altitudes: GNSS height above the EGM96 geoid (not the "
            "WGS-84 ellipsoid) -> alt_geom_ft"
        )
    else:
        ctx.notes.append(
            "tar1090 KML altitude datum unknown (the file name lacks "
            "-track-press_alt_uncorrected / -track-EGM96): treated as EGM96 "
            "heights -> alt_geom_ft"
        )
    return "alt_geom_ft"


def _aircraft_folders(root: ET.Element) -> list[tuple[str, ET.Element]]:
    """(name, folder) for each folder that holds track placemarks itself."""
    found = []
    for folder in _descendants(root, "Folder"):
        if any(_descendants(p, "Track") for p in _children(folder, "Placemark")):
            name = re.sub(r"\s+track$", "", _child_text(folder, "name") or "").strip()
            found.append((name, folder))
    return found


def _read_tar1090(root: ET.Element, ctx: ReadContext) -> pd.DataFrame:
    datum = _tar1090_datum(ctx.path, ctx)
    folders = _aircraft_folders(root)
    use_hex = len(folders) <= 1
    if not use_hex and user_address(ctx):
        ctx.notes.append(f"--hex ignored: this file holds {len(folders)} aircraft")
    fixes = _Fixes()
    records = 0
    for index, (_name, folder) in enumerate(folders):
        for placemark in _children(folder, "Placemark"):
            for track in _descendants(placemark, "Track"):
                mode = _child_text(track, "altitudeMode") or _child_text(placemark, "altitudeMode")
                records += _add_track(
                    fixes, track, records + 1, ctx, aircraft=index, on_ground=mode != "absolute"
                )
    ctx.records = records
    frame, keep = _positions(fixes, ctx)
    repeated = _repeats(fixes) & keep
    ctx.drop("repeated section point", int(repeated.sum()))
    frame = frame[keep & ~repeated]
    on_ground = frame["on_ground"].to_numpy(dtype=bool)
    addresses = [aircraft_address(ctx, "tar1090 KML", name or None, use_hex) for name, _ in folders]
    names = [name or None for name, _ in folders]
    aircraft = frame["aircraft"].to_numpy(dtype="int64")
    frame = frame.assign(
        icao24=[addresses[i] for i in aircraft],
        registration=[names[i] for i in aircraft],
        on_ground=pd.array(on_ground, dtype="boolean"),
        position_source="unknown",
    )
    frame[datum] = np.where(on_ground, np.nan, frame["alt_m"].to_numpy() * FT_PER_M)
    return frame.drop(columns=["alt_m", "aircraft"])


def _repeats(fixes: _Fixes) -> np.ndarray:
    """Fixes identical (time and coordinates) to the previous fix of the same aircraft."""
    when = np.asarray(fixes.when, dtype=object)
    coord = np.asarray([" ".join(c.replace(",", " ").split()) for c in fixes.coord], dtype=object)
    aircraft = np.asarray(fixes.extra.get("aircraft", [0] * len(when)))
    same = np.zeros(len(when), dtype=bool)
    if len(when) > 1:
        same[1:] = (
            (when[1:] == when[:-1]) & (coord[1:] == coord[:-1]) & (aircraft[1:] == aircraft[:-1])
        )
    return same


# --- generic KML ------------------------------------------------------------------------------


def _read_generic(root: ET.Element, ctx: ReadContext) -> pd.DataFrame:
    fixes = _Fixes()
    records = 0
    for placemark in _descendants(root, "Placemark"):
        tracks = _descendants(placemark, "Track")
        for track in tracks:
            mode = _child_text(track, "altitudeMode") or _first_text(placemark, "altitudeMode")
            records += _add_track(fixes, track, records + 1, ctx, mode=mode)
        if not tracks and _descendants(placemark, "Point"):
            when = _first_text(placemark, "when")
            if when is not None:
                records += 1
                fixes.add(
                    when,
                    _first_text(placemark, "coordinates") or "",
                    records,
                    mode=_first_text(placemark, "altitudeMode"),
                )
    ctx.records = records
    frame, keep = _positions(fixes, ctx)
    frame = frame[keep]
    absolute = (frame["mode"] == "absolute").to_numpy(dtype=bool)
    if absolute.any():
        ctx.notes.append(
            "generic KML: absolute altitudes are metres above sea level "
            "-> alt_geom_ft; the source's altitude datum is not stated"
        )
    return frame.assign(
        alt_geom_ft=np.where(absolute, frame["alt_m"].to_numpy() * FT_PER_M, np.nan),
        position_source="unknown",
        icao24=aircraft_address(ctx, "KML"),
    ).drop(columns=["alt_m", "mode"])
