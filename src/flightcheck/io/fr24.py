"""Flightradar24 CSV exports: the playback-page "Download CSV" and the "granular" ADS-B CSV.

``fr24-csv`` (header ``Timestamp,UTC,Callsign,Position,Altitude,Speed,Direction``):

* ``time`` from ``Timestamp`` (Unix seconds, UTC); ``UTC`` (the same instant as text) is used
  only when ``Timestamp`` is unreadable.
* ``Position`` is one quoted ``"lat,lon"`` field, split after CSV parsing.
* ``Altitude`` is barometric feet; FR24 writes **0 on the ground**, so ``Altitude == 0`` gives
  ``on_ground = True`` (``alt_ft`` stays 0, FR24's value) and any other altitude ``False``. An
  export whose altitudes are *all* 0 although the aircraft flew faster than 150 kt (free-tier
  downloads) has no altitude information: ``alt_ft`` and ``on_ground`` are then unknown.
* ``Speed`` -> ``gs_kt`` (knots), ``Direction`` -> ``track_deg``, ``Callsign`` -> ``callsign``.
  FR24 does not mark estimated points: ``position_source`` is ``unknown``.
* There is no ICAO address in the file: ``--hex`` sets it, otherwise a ``~`` pseudo-address
  is used (see :mod:`flightcheck.io.pseudo_address`) and noted in the provenance.
* ``row`` is the line number (header = line 1). Blank lines are not records.

``fr24-granular`` (header ``network_time,receiver_time,hex,callsign,latitude,...``, then a
varying number of unnamed ``KEY:value`` columns, which are ignored):

* Times look like ``2024-01-02 07:41:03Z.515`` (milliseconds after the ``Z``). ``time`` is the
  ``receiver_time``: FR24 merges many receivers, so the same position arrives at FR24
  (``network_time``) up to seconds later and out of order, while the receiver times of one
  position agree. A receiver time more than 60 s before or 2 s after its ``network_time`` is a
  receiver clock fault: ``network_time`` is used for that row and counted in a note.
  **Because reception times legitimately step back by seconds, this format is not
  time-ordered.**
* ``hex`` ``0x8467d8`` -> ``8467d8``. ``no_position`` ``N`` (and lat = lon = 0) -> no position.
* ``altitude`` ft (barometric), ``speed`` kt, ``track`` deg, ``vspeed`` ft/min. FR24 writes
  ``speed`` 0 for "not in this message": a 0 kt speed of an airborne aircraft is unknown.
* ``on_ground``: ``A`` airborne, ``G``/``1``/``True`` ground, anything else (``N``) unknown.
* ``squawk`` 0 means none; others are zero-padded to 4 digits (``416`` -> ``0416``).
* ``position_class`` -> ``position_source`` (``ADS-B`` -> adsb, ``MLAT`` -> mlat, ...).
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd

from flightcheck.io.context import ReadContext
from flightcheck.io.pseudo_address import aircraft_address, user_address

FORMATS = ("fr24-csv", "fr24-granular")
TIME_ORDERED = frozenset({"fr24-csv"})

BOM = b"\xef\xbb\xbf"
CSV_COLUMNS = ("Timestamp", "UTC", "Callsign", "Position", "Altitude", "Speed", "Direction")
CSV_HEADER = ",".join(CSV_COLUMNS).encode()
GRANULAR_REQUIRED = (
    "network_time",
    "receiver_time",
    "hex",
    "callsign",
    "latitude",
    "longitude",
    "no_position",
    "altitude",
    "squawk",
    "speed",
    "track",
    "vspeed",
    "on_ground",
)
GRANULAR_PREFIX = ",".join(GRANULAR_REQUIRED).encode()
GRANULAR_TEXT = (
    "network_time",
    "receiver_time",
    "hex",
    "callsign",
    "no_position",
    "squawk",
    "on_ground",
    "flags",
    "position_class",
)

ALL_ZERO_MIN_KT = 150.0
"""Above this ground speed an all-zero altitude column cannot mean "on the ground"."""

RECEIVER_EARLY_S = 60.0
RECEIVER_LATE_S = 2.0
"""Plausible receiver_time window around network_time (seconds before / after)."""

_ON_GROUND = {"A": False, "G": True, "0": False, "1": True, "FALSE": False, "TRUE": True}
_SOURCES = {
    "ADSB": "adsb",
    "MLAT": "mlat",
    "ADSC": "adsc",
    "TISB": "tisb",
    "ADSR": "adsr",
    "UAT": "adsb",
    "ESTIMATED": "estimated",
    "ESTIMATE": "estimated",
}


def _first_line(data: bytes) -> bytes:
    start = len(BOM) if data.startswith(BOM) else 0
    end = data.find(b"\n", start)
    return data[start : end if end >= 0 else len(data)].rstrip(b"\r")


def sniff(head: bytes, name: str) -> str | None:
    """``fr24-csv`` or ``fr24-granular`` from the header line, else None."""
    line = _first_line(head)
    if line == CSV_HEADER:
        return "fr24-csv"
    if line.startswith(GRANULAR_PREFIX):
        return "fr24-granular"
    return None


def read(data: bytes, ctx: ReadContext, fmt: str) -> pd.DataFrame:
    """Read an FR24 CSV (``fmt`` ``fr24-csv`` or ``fr24-granular``) into track-table columns."""
    if data.startswith(BOM):
        data = data[len(BOM) :]
    if fmt == "fr24-granular":
        return _read_granular(data, ctx)
    return _read_csv(data, ctx)


# --- shared helpers -------------------------------------------------------------------------


def _text(values: pd.Series) -> pd.Series:
    """Stripped strings, missing as ""."""
    return values.astype(object).where(values.notna(), "").astype(str).str.strip()


def _number(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Float values and the mask of non-empty cells that are not numbers."""
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.to_numpy(dtype="float64", copy=True), np.zeros(len(values), dtype=bool)
    text = _text(values)
    number = pd.to_numeric(text.where(text != ""), errors="coerce").to_numpy(
        dtype="float64", copy=True
    )
    return number, np.isnan(number) & (text != "").to_numpy()


def _check_numbers(
    frame: pd.DataFrame,
    columns: dict[str, str],
    rows: np.ndarray,
    keep: np.ndarray,
    ctx: ReadContext,
) -> dict[str, np.ndarray]:
    """Parse numeric ``columns`` (input name -> output name); bad cells are bad records."""
    out = {}
    for name, target in columns.items():
        number, bad = _number(frame[name])
        keep &= ctx.drop_bad(bad & keep, rows, f"unreadable {name} (not a number)")
        out[target] = number
    return out


def ground_from_altitude(
    alt_ft: np.ndarray, gs_kt: np.ndarray, ctx: ReadContext
) -> tuple[np.ndarray, pd.arrays.BooleanArray]:
    """FR24's ground rule: altitude 0 means on the ground, unless every altitude is 0.

    Returns (alt_ft, on_ground). When all known altitudes are 0 but the aircraft flew faster
    than :data:`ALL_ZERO_MIN_KT`, the export carries no altitudes (FR24 free tier): both are
    returned unknown and a note says so.
    """
    known = ~np.isnan(alt_ft)
    fast = np.nan_to_num(gs_kt, nan=0.0)
    if known.sum() > 1 and not alt_ft[known].any() and fast.max(initial=0.0) > ALL_ZERO_MIN_KT:
        ctx.notes.append(
            f"every altitude is 0 although the aircraft flew at up to {fast.max():.0f} kt "
            "(FR24 free-tier export?): altitudes and on-ground state treated as unknown"
        )
        unknown = pd.array(np.zeros(len(alt_ft), dtype=bool), dtype="boolean")
        unknown[:] = pd.NA
        return np.full(len(alt_ft), np.nan), unknown
    on_ground = pd.array(alt_ft == 0, dtype="boolean")
    on_ground[~known] = pd.NA
    return alt_ft, on_ground


# --- fr24-csv ---------------------------------------------------------------------------------


def _read_csv(data: bytes, ctx: ReadContext) -> pd.DataFrame:
    header = _first_line(data)
    if header != CSV_HEADER:
        shown = header[:80].decode("utf-8", "replace")
        raise ctx.fail(f"not an FR24 CSV: header is {shown!r}, expected {CSV_HEADER.decode()!r}", 1)
    data = _cut_truncated_last_line(data, ctx)
    cells, rows = _csv_cells(data, ctx)
    blank = _blank_rows(cells)
    if blank.any():
        cells, rows = cells[~blank].reset_index(drop=True), rows[~blank]
    ctx.records = len(cells)
    keep = np.ones(len(cells), dtype=bool)

    seconds, bad_time = _number(cells["Timestamp"])
    missing = np.isnan(seconds)
    if missing.any():  # fall back to the UTC column for those rows only
        utc = pd.to_datetime(
            _text(cells["UTC"][missing]), format="%Y-%m-%dT%H:%M:%SZ", errors="coerce", utc=True
        )
        seconds[missing] = (utc - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy()
    keep &= ctx.drop_bad(
        np.isnan(seconds) & keep, rows, "unreadable Timestamp (expected Unix seconds) and UTC"
    )

    lat, lon, bad_pos = split_position(cells["Position"])
    keep &= ctx.drop_bad(bad_pos & keep, rows, 'unreadable Position (expected "lat,lon")')
    num = _check_numbers(
        cells, {"Altitude": "alt_ft", "Speed": "gs_kt", "Direction": "track_deg"}, rows, keep, ctx
    )
    alt_ft, on_ground = ground_from_altitude(num["alt_ft"][keep], num["gs_kt"][keep], ctx)
    return pd.DataFrame(
        {
            "time": seconds[keep],
            "icao24": aircraft_address(ctx, "FR24 CSV"),
            "callsign": cells["Callsign"].to_numpy()[keep],
            "lat": lat[keep],
            "lon": lon[keep],
            "alt_ft": alt_ft,
            "on_ground": on_ground,
            "gs_kt": num["gs_kt"][keep],
            "track_deg": num["track_deg"][keep],
            "position_source": "unknown",
            "row": rows[keep],
        }
    )


def _blank_rows(cells: pd.DataFrame) -> np.ndarray:
    """Rows whose every cell is empty (blank lines); only rows without a Timestamp can be."""
    blank = np.zeros(len(cells), dtype=bool)
    if pd.api.types.is_numeric_dtype(cells["Timestamp"].dtype):
        return blank
    candidates = (_text(cells["Timestamp"]) == "").to_numpy()
    if candidates.any():
        subset = cells[candidates]
        blank[candidates] = np.logical_and.reduce(
            [(_text(subset[c]) == "").to_numpy() for c in CSV_COLUMNS]
        )
    return blank


def _cut_truncated_last_line(data: bytes, ctx: ReadContext) -> bytes:
    """A download cut mid-line (no final newline, wrong field count) loses its last line."""
    if not data or data.endswith(b"\n"):
        return data
    start = data.rfind(b"\n") + 1
    if start == 0:
        return data  # header only
    last = data[start:].rstrip(b"\r").decode("utf-8", "replace")
    fields = _split_line(last)
    if fields is not None and len(fields) == len(CSV_COLUMNS):
        return data
    ctx.bad("truncated last line (the download was cut off)", data.count(b"\n") + 1)
    return data[:start]


def _split_line(line: str) -> list[str] | None:
    try:
        return next(csv.reader([line]), [])
    except csv.Error:
        return None


def _csv_cells(data: bytes, ctx: ReadContext) -> tuple[pd.DataFrame, np.ndarray]:
    """The 7 columns as parsed cells and their line numbers (C parser; slow path if ragged)."""
    try:
        cells = pd.read_csv(
            io.BytesIO(data),
            engine="c",
            header=None,
            skiprows=1,
            names=list(CSV_COLUMNS),
            dtype={"UTC": object, "Callsign": object, "Position": object},
            na_filter=False,
            skip_blank_lines=False,
            encoding_errors="replace",
        )
        return cells, np.arange(2, len(cells) + 2, dtype="int64")
    except pd.errors.ParserError:
        return _csv_cells_by_line(data, ctx)


def _csv_cells_by_line(data: bytes, ctx: ReadContext) -> tuple[pd.DataFrame, np.ndarray]:
    """Line-by-line parse of a ragged file, so each bad line is reported by its number."""
    records, rows = [], []
    lines = data.decode("utf-8", "replace").split("\n")
    for number, line in enumerate(lines[1:], start=2):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        fields = _split_line(line)
        if fields is None or len(fields) != len(CSV_COLUMNS):
            found = "unparsable" if fields is None else str(len(fields))
            ctx.bad(f"wrong number of fields: expected {len(CSV_COLUMNS)}, found {found}", number)
            continue
        records.append(fields)
        rows.append(number)
    cells = pd.DataFrame(records, columns=list(CSV_COLUMNS), dtype=object)
    return cells, np.asarray(rows, dtype="int64")


def split_position(position: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split ``"lat,lon"`` cells into float arrays; returns (lat, lon, bad).

    Empty cells are "no position" (NaN, not bad). Vectorised: the cells are joined into one
    text and parsed again by pandas' C parser, with a pandas ``str.split`` fallback.
    """
    text = _text(position)
    n = len(text)
    if n == 0:
        return np.zeros(0), np.zeros(0), np.zeros(0, dtype=bool)
    try:
        parsed = pd.read_csv(
            io.StringIO("\n".join(text.tolist()) + "\n"),
            header=None,
            names=["lat", "lon", "extra"],
            engine="c",
            skipinitialspace=True,
            skip_blank_lines=False,
            keep_default_na=False,
            na_values=[""],
        )
    except (pd.errors.ParserError, ValueError):
        parsed = None
    if parsed is None or len(parsed) != n:
        parts = text.str.split(",", n=2, expand=True).reindex(columns=range(3))
        parsed = pd.DataFrame({"lat": parts[0], "lon": parts[1], "extra": parts[2]})
    lat, bad_lat = _number(parsed["lat"])
    lon, bad_lon = _number(parsed["lon"])
    extra = parsed["extra"].notna().to_numpy()
    filled = (text != "").to_numpy()
    bad = filled & (bad_lat | bad_lon | np.isnan(lat) | np.isnan(lon) | extra)
    lat[bad] = np.nan
    lon[bad] = np.nan
    return lat, lon, bad


# --- fr24-granular ----------------------------------------------------------------------------


def _read_granular(data: bytes, ctx: ReadContext) -> pd.DataFrame:
    header = _first_line(data).decode("utf-8", "replace").split(",")
    named = []
    for name in header:
        if not name.strip():
            break
        named.append(name.strip())
    if tuple(named[: len(GRANULAR_REQUIRED)]) != GRANULAR_REQUIRED:
        raise ctx.fail(
            f"not an FR24 granular CSV: the header must start with {GRANULAR_PREFIX.decode()!r}", 1
        )
    if len(set(named)) != len(named):
        raise ctx.fail("FR24 granular CSV header repeats a column name", 1)
    try:
        cells = pd.read_csv(
            io.BytesIO(data),
            engine="c",
            header=None,
            skiprows=1,
            names=named,
            usecols=range(len(named)),
            dtype={c: object for c in GRANULAR_TEXT if c in named},
            na_filter=False,
            skip_blank_lines=False,
            encoding_errors="replace",
        )
    except pd.errors.ParserError as exc:
        raise ctx.fail(f"unreadable CSV ({str(exc).strip().splitlines()[-1]})") from None
    rows = np.arange(2, len(cells) + 2, dtype="int64")
    blank = (_text(cells["network_time"]) == "").to_numpy() & (_text(cells["hex"]) == "").to_numpy()
    if blank.any():
        cells, rows = cells[~blank].reset_index(drop=True), rows[~blank]
    ctx.records = len(cells)
    keep = np.ones(len(cells), dtype=bool)

    time = _granular_time(cells, rows, keep, ctx)
    icao24 = _granular_hex(cells["hex"], rows, keep, ctx)
    num = _check_numbers(
        cells,
        {
            "latitude": "lat",
            "longitude": "lon",
            "altitude": "alt_ft",
            "speed": "gs_kt",
            "track": "track_deg",
            "vspeed": "vrate_fpm",
        },
        rows,
        keep,
        ctx,
    )
    no_position = (_text(cells["no_position"]).str.upper() == "N").to_numpy() | (
        (num["lat"] == 0) & (num["lon"] == 0)
    )
    num["lat"][no_position] = np.nan
    num["lon"][no_position] = np.nan
    ground = _text(cells["on_ground"]).str.upper().map(_ON_GROUND).astype("boolean")
    airborne_zero = (num["gs_kt"] == 0) & (ground == False).to_numpy(dtype=bool, na_value=False)  # noqa: E712
    num["gs_kt"][airborne_zero] = np.nan
    squawk = _text(cells["squawk"])
    squawk = squawk.where(~squawk.isin(["", "0"])).str.zfill(4)
    frame = pd.DataFrame(
        {
            "time": time,
            "icao24": icao24,
            "callsign": _text(cells["callsign"]),
            **num,
            "on_ground": ground,
            "squawk": squawk,
            "position_source": _granular_source(cells),
            "row": rows,
        }
    )
    return frame[keep].reset_index(drop=True)


def _parse_fr24_time(values: pd.Series) -> pd.Series:
    """``2024-01-02 07:41:03Z.515`` -> UTC datetimes (NaT when unreadable)."""
    text = _text(values).str.replace("Z", "", regex=False)
    return pd.to_datetime(text.where(text != ""), format="ISO8601", utc=True, errors="coerce")


def _granular_time(
    cells: pd.DataFrame, rows: np.ndarray, keep: np.ndarray, ctx: ReadContext
) -> pd.Series:
    received = _parse_fr24_time(cells["receiver_time"])
    arrived = _parse_fr24_time(cells["network_time"])
    delay = (arrived - received).dt.total_seconds().to_numpy()
    implausible = (delay > RECEIVER_EARLY_S) | (delay < -RECEIVER_LATE_S)
    use_network = received.isna().to_numpy() | implausible
    time = received.where(~use_network, arrived)
    if implausible.any():
        ctx.notes.append(
            f"{int(implausible.sum())} rows: receiver_time more than {RECEIVER_EARLY_S:.0f} s "
            f"before or {RECEIVER_LATE_S:.0f} s after network_time (receiver clock fault); "
            "used network_time"
        )
    keep &= ctx.drop_bad(
        time.isna().to_numpy() & keep, rows, "unreadable receiver_time and network_time"
    )
    return time


def _granular_hex(
    values: pd.Series, rows: np.ndarray, keep: np.ndarray, ctx: ReadContext
) -> pd.Series:
    text = _text(values).str.lower().str.removeprefix("0x")
    filled = text != ""
    text = text.where(~filled, text.str.zfill(6))
    bad = filled & ~text.str.fullmatch(r"[0-9a-f]{6}")
    keep &= ctx.drop_bad(bad.to_numpy() & keep, rows, "unreadable hex (expected 0x + 6 hex)")
    given = user_address(ctx)
    return text.where(filled, given)


def _granular_source(cells: pd.DataFrame) -> pd.Series:
    if "position_class" not in cells.columns:
        return pd.Series("unknown", index=cells.index)
    key = _text(cells["position_class"]).str.upper().str.replace("-", "", regex=False)
    source = key.map(_SOURCES)
    return source.where(source.notna(), np.where(key == "", "unknown", "other"))
