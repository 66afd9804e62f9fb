"""Plain CSV/TSV tracks: the fallback for any table with time, latitude and longitude columns.

Recognised when the header (delimiter ``,`` ``;`` tab or ``|``, sniffed from the header line)
names a time, a latitude and a longitude column, and the file is none of the more specific
formats (OpenSky, SBS; the other readers are sniffed first). Column names are matched
case-insensitively, ignoring a unit in brackets and a unit suffix (``altitude (m)``,
``alt_ft``, ``speed_kmh``), against :data:`ALIASES`. ``--column TRACK=INPUT``
(``ctx.options.columns``) maps a track-table column to an input column and overrides the
aliases; short keys work too (``alt=height_m``, ``gs=spd``). A file whose header matches no
aliases is not sniffed as CSV: pass ``--format csv`` with the mapping.

Units, decided from the input column's name:

* altitudes are feet unless the name says metres (``_m``, ``(m)``, ``[m]``, ``metres``,
  ``meters``);
* speeds are knots unless the name says m/s (``_ms``, ``m/s``, ``mps``) or km/h (``kmh``,
  ``km/h``, ``kph``); ``velocity`` is knots like any speed unless so marked;
* vertical rates are ft/min unless the name says m/s;
* track/heading degrees true, latitude/longitude decimal degrees WGS-84.

Numbers: with a ``;``, tab or ``|`` delimiter a comma in a number is a decimal comma
(``44,93``); a value like ``35,000`` is ambiguous there and is a bad record.

Times: Unix seconds (integer or decimal; milliseconds when values exceed 1e11), or ISO 8601
strings. Strings with ``Z``, ``UTC`` or an offset are exact; naive strings are read in
``--tz`` (default UTC).

Aircraft address: the ``icao24`` column (6 hex digits) when there is one; otherwise the
address given with ``--hex``; otherwise a ``~`` pseudo-address from the registration column,
or from the file name (:mod:`flightcheck.io.pseudo_address`), with a note.

``row`` is the line number in the file (header = line 1; no multi-line quoted fields).
"""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd

from flightcheck.errors import UsageError, names_excerpt
from flightcheck.io import opensky, sbs
from flightcheck.io.context import ReadContext
from flightcheck.io.lines import check_csv_header
from flightcheck.io.pseudo_address import aircraft_address, pseudo_address, user_address
from flightcheck.track.table import ns_utc
from flightcheck.units import FPM_PER_MS, FT_PER_M, KT_PER_KMH, KT_PER_MS

FORMATS = ("csv",)
TIME_ORDERED: frozenset[str] = frozenset()

DELIMITERS = (",", ";", "\t", "|")

ALIASES: dict[str, tuple[str, ...]] = {
    "time": (
        "time",
        "timestamp",
        "datetime",
        "utc",
        "date_time",
        "ts",
        "time_utc",
        "utc_time",
        "timestamp_utc",
        "unix_time",
        "epoch",
    ),
    "lat": ("lat", "latitude"),
    "lon": ("lon", "lng", "long", "longitude"),
    "icao24": ("icao24", "hex", "icao", "address", "modes", "mode_s", "icao_address", "hex_ident"),
    "callsign": ("callsign", "flight", "ident", "call_sign"),
    "alt_ft": (
        "alt",
        "altitude",
        "alt_ft",
        "alt_baro",
        "baroaltitude",
        "baro_altitude",
        "altitude_ft",
    ),
    "alt_geom_ft": (
        "alt_geom",
        "geoaltitude",
        "geo_altitude",
        "gnss_altitude",
        "geometric_altitude",
    ),
    "gs_kt": ("gs", "speed", "groundspeed", "ground_speed", "velocity", "gs_kt", "spd"),
    "track_deg": ("track", "heading", "course", "direction", "true_track", "hdg", "track_deg"),
    "vrate_fpm": ("vrate", "vertical_rate", "vertrate", "vert_rate", "baro_rate", "vrate_fpm"),
    "on_ground": ("on_ground", "onground", "ground", "gnd"),
    "registration": ("registration", "reg", "tail", "tail_number"),
    "typecode": ("typecode", "type", "aircraft_type", "icao_type", "actype"),
    "squawk": ("squawk",),
}
"""Track-table column -> accepted input column names (normalised, see :func:`base_name`)."""

REQUIRED = ("time", "lat", "lon")

_UNIT_IN_BRACKETS = re.compile(r"\s*[(\[][^)\]]*[)\]]\s*")
_UNIT_SUFFIX = re.compile(
    r"_(?:ft|feet|m|metres|meters|kt|kts|knots|ms|mps|kmh|kph|fpm|deg|degrees)$"
)
_METRES = re.compile(r"_m(?![a-z])|\(m\)|\[m\]|metre|meter")
_MS = re.compile(r"_ms(?![a-z])|m/s|mps|\(ms\)|\[ms\]")
_KMH = re.compile(r"kmh|km/h|kph|km_h")
_OFFSET = r"\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$"
_THOUSANDS = r"[+-]?\d{1,3}(?:,\d{3})+"
_HEX = r"~?[0-9a-f]{6}"
_TRUTH = {
    "true": True,
    "t": True,
    "yes": True,
    "y": True,
    "1": True,
    "ground": True,
    "false": False,
    "f": False,
    "no": False,
    "n": False,
    "0": False,
    "air": False,
    "airborne": False,
}


def base_name(column: str) -> str:
    """``'Altitude (m)'`` -> ``'altitude'``, ``'speed_kmh'`` -> ``'speed'``: for alias matching."""
    name = _UNIT_IN_BRACKETS.sub("", str(column).strip().lower()).strip()
    name = re.sub(r"[\s\-]+", "_", name)
    return _UNIT_SUFFIX.sub("", name) or name


def _target(key: str) -> str | None:
    """A ``--column`` key (track column or one of its aliases) -> track-table column."""
    key = key.strip().lower()
    if key in ALIASES:
        return key
    return next((t for t, names in ALIASES.items() if key in names), None)


def match_columns(names: list[str], mapping: dict[str, str] | None = None) -> dict[str, str]:
    """Track-table column -> input column, from the aliases then the explicit ``mapping``.

    Raises :class:`UsageError` for a mapping key that is no track-table column and
    ``KeyError`` (with the mapped name) for a mapped input column that does not exist.
    """
    bases = [base_name(n) for n in names]
    found: dict[str, str] = {}
    used: set[str] = set()
    for target, aliases in ALIASES.items():
        for alias in aliases:
            hit = next(
                (n for n, b in zip(names, bases, strict=True) if b == alias and n not in used), None
            )
            if hit is not None:
                found[target] = hit
                used.add(hit)
                break
    for key, column in (mapping or {}).items():
        wanted = _target(key)
        if wanted is None:
            raise UsageError(
                f"--column {key}={column}: {key!r} is not a track column; "
                f"known: {', '.join(ALIASES)}"
            )
        exact = [n for n in names if n == column]
        loose = [n for n in names if n.strip().lower() == column.strip().lower()]
        if not exact and not loose:
            raise KeyError(column)
        found[wanted] = (exact or loose)[0]
    return found


MAX_HEADER_CHARS = 16_384
"""Longest header line read (real exports have a few hundred characters)."""

MAX_COLUMNS = 1_000
"""Most columns a table may have (a 2**20-comma header took 165 s and 3.9 GB before)."""


def _split_header(line: str) -> tuple[str, list[str]] | None:
    """(delimiter, column names) of a header line; None when it is not one, or is longer
    or wider than :data:`MAX_HEADER_CHARS` / :data:`MAX_COLUMNS`."""
    if len(line) > MAX_HEADER_CHARS:
        return None
    counts = {d: line.count(d) for d in DELIMITERS}
    delimiter = max(counts, key=counts.__getitem__)
    if counts[delimiter] == 0 or counts[delimiter] >= MAX_COLUMNS:
        return None
    return delimiter, [n.strip().strip('"').strip() for n in line.split(delimiter)]


def _header_line(head: bytes) -> str:
    return head.split(b"\n", 1)[0].decode("utf-8", "replace").lstrip("\ufeff").strip()


def sniff(head: bytes, name: str) -> str | None:
    """``"csv"`` if the header names time, latitude and longitude columns (see module doc)."""
    split = _split_header(_header_line(head))
    if split is None:
        return None
    found = match_columns(split[1])
    if not all(c in found for c in REQUIRED):
        return None
    if opensky.sniff(head, name) or sbs.sniff(head, name):
        return None
    return "csv"


NUMERIC = ("lat", "lon", "alt_ft", "alt_geom_ft", "gs_kt", "track_deg", "vrate_fpm")
"""Track columns read as numbers (the C parser infers them; text means a bad value)."""


def read(data: bytes, ctx: ReadContext, fmt: str) -> pd.DataFrame:
    """Read a delimited text table into track-table columns (units per the module doc)."""
    split = _split_header(_header_line(data[:65536]))
    if split is None:
        raise ctx.fail(
            "no delimited header line (expected columns separated by , ; tab or |, "
            f"at most {MAX_COLUMNS:,} columns in {MAX_HEADER_CHARS:,} characters)",
            1,
        )
    delimiter = split[0]
    check_csv_header(data, ctx, "a delimited table", delimiter)
    options = {"sep": delimiter, "encoding": "utf-8-sig", "encoding_errors": "replace"}
    try:
        names = [str(c) for c in pd.read_csv(io.BytesIO(data), nrows=0, **options).columns]
        columns = match_columns(names, ctx.options.columns)
        inferred = {columns[t] for t in (*NUMERIC, "time") if t in columns}
        frame = pd.read_csv(
            io.BytesIO(data),
            dtype={n: "str" for n in names if n not in inferred},
            skip_blank_lines=False,
            low_memory=False,
            **options,
        )
    except KeyError as exc:
        raise ctx.fail(
            f"--column maps to {exc.args[0]!r}, which is not in the header "
            f"(columns: {names_excerpt(names)})",
            1,
        ) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ctx.fail(f"unreadable CSV ({msg})") from None
    for need, what in (("time", "time"), ("lat", "latitude"), ("lon", "longitude")):
        if need not in columns:
            raise ctx.fail(
                f"no {what} column found; map one with --column {need}=NAME "
                f"(columns: {names_excerpt(names)})",
                1,
            )
    rows = np.arange(2, len(frame) + 2, dtype="int64")
    filled = ~frame.isna().all(axis=1).to_numpy()
    frame, rows = frame[filled].reset_index(drop=True), rows[filled]
    ctx.records = len(frame)
    return to_track(frame, rows, columns, delimiter, ctx)


def _numbers(
    text: pd.Series,
    target: str,
    delimiter: str,
    rows: np.ndarray,
    keep: np.ndarray,
    ctx: ReadContext,
) -> np.ndarray:
    """Float values of a column; unreadable or ambiguous values are bad records."""
    if pd.api.types.is_numeric_dtype(text.dtype) and not pd.api.types.is_bool_dtype(text.dtype):
        return text.astype("float64").to_numpy()
    text = text.astype("str").str.strip().where(text.notna())
    if delimiter != ",":
        if target not in ("lat", "lon", "track_deg"):
            ambiguous = keep & text.str.fullmatch(_THOUSANDS).fillna(False).to_numpy(dtype=bool)
            keep &= ctx.drop_bad(
                ambiguous,
                rows,
                f"ambiguous number in the {target} column (decimal comma or thousands separator?)",
            )
        text = text.str.replace(",", ".", regex=False)
    values = pd.to_numeric(text, errors="coerce").astype("float64").to_numpy()
    unreadable = keep & np.isnan(values) & text.notna().to_numpy()
    keep &= ctx.drop_bad(unreadable, rows, f"unreadable number in the {target} column")
    return values


def _unit_factor(target: str, column: str) -> float:
    name = column.lower()
    if target in ("alt_ft", "alt_geom_ft"):
        return FT_PER_M if _METRES.search(name) else 1.0
    if target == "gs_kt":
        if _MS.search(name):
            return KT_PER_MS
        return KT_PER_KMH if _KMH.search(name) else 1.0
    if target == "vrate_fpm":
        return FPM_PER_MS if _MS.search(name) else 1.0
    return 1.0


_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"


def _times(values: pd.Series, rows: np.ndarray, keep: np.ndarray, ctx: ReadContext) -> pd.Series:
    """Unix seconds / milliseconds or ISO 8601 strings -> UTC datetimes."""
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        return _unix_times(values.astype("float64").to_numpy(), ctx)
    text = values.astype("str").str.strip().where(values.notna())
    present = text.notna() & (text != "")
    numeric_like = text.str.fullmatch(_NUMBER).fillna(False)
    if numeric_like.sum() > (present & ~numeric_like).sum():
        seconds = pd.to_numeric(text, errors="coerce").astype("float64").to_numpy()
        out = _unix_times(seconds, ctx)
    else:
        utc_suffix = text.str.upper().str.endswith("UTC").fillna(False)
        if utc_suffix.any():
            text = text.where(~utc_suffix, text.str.slice(0, -3).str.rstrip() + "Z")
        aware = present & text.str.contains(_OFFSET).fillna(False)
        out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns, UTC]")
        if aware.any():
            parsed = pd.to_datetime(text[aware], utc=True, format="ISO8601", errors="coerce")
            out[aware] = ns_utc(parsed)
        naive = present & ~aware
        if naive.any():
            tz = sbs.check_zone(ctx.options.tz or "UTC")
            try:
                parsed = pd.to_datetime(text[naive], format="ISO8601", errors="coerce")
            except (ValueError, TypeError):  # offsets the pattern missed, mixed
                parsed = pd.to_datetime(text[naive], format="ISO8601", errors="coerce", utc=True)
            if isinstance(parsed.dtype, pd.DatetimeTZDtype):
                out[naive] = ns_utc(parsed)
            else:
                out[naive] = sbs.local_to_utc(parsed, tz, ctx)
                if ctx.options.tz is None:
                    ctx.notes.append(
                        f"{int(naive.sum())} times carry no time zone and were "
                        "read as UTC; pass --tz if they are local times"
                    )
    unreadable = keep & out.isna().to_numpy() & present.to_numpy()
    keep &= ctx.drop_bad(
        unreadable,
        rows,
        "unreadable time (expected Unix seconds or ISO 8601 such as 2025-10-09T08:53:20Z)",
    )
    return out


def _unix_times(seconds: np.ndarray, ctx: ReadContext) -> pd.Series:
    if np.isfinite(seconds).any() and np.nanmax(np.abs(seconds)) > 1e11:
        seconds = seconds / 1000.0
        ctx.notes.append("times are Unix milliseconds (values above 1e11)")
    return opensky.seconds_to_time(seconds)


def _texts(frame: pd.DataFrame, column: str) -> pd.Series:
    values = frame[column].astype("str").str.strip().where(frame[column].notna())
    return values.where(values != "")


def _addresses(
    frame: pd.DataFrame,
    columns: dict[str, str],
    rows: np.ndarray,
    keep: np.ndarray,
    ctx: ReadContext,
) -> pd.Series:
    given = user_address(ctx)
    if "icao24" in columns:
        icao = _texts(frame, columns["icao24"]).str.lower()
        if given:
            icao = icao.fillna(given)
        bad = (
            keep
            & icao.notna().to_numpy()
            & ~icao.fillna("").str.fullmatch(_HEX).to_numpy(dtype=bool)
        )
        keep &= ctx.drop_bad(
            bad, rows, "icao24 is not a 6-digit hex address (leading zeros lost in a spreadsheet?)"
        )
        return icao
    if given:
        return pd.Series(given, index=frame.index, dtype="str")
    if "registration" in columns:
        regs = _texts(frame, columns["registration"]).str.upper()
        if regs.notna().any():
            unique = regs.dropna().unique()
            lookup = {r: pseudo_address("reg:" + r) for r in unique}
            ctx.notes.append(
                f"no ICAO address column: using pseudo-addresses from the registration column "
                f"for {len(unique)} aircraft; map the address with --column icao24=NAME or "
                "pass --hex"
            )
            icao = regs.map(lookup).astype("str")
            if icao.isna().any():
                icao = icao.fillna(aircraft_address(ctx, "plain CSV"))
            return icao
    return pd.Series(aircraft_address(ctx, "plain CSV"), index=frame.index, dtype="str")


def to_track(
    frame: pd.DataFrame, rows: np.ndarray, columns: dict[str, str], delimiter: str, ctx: ReadContext
) -> pd.DataFrame:
    """Named input columns -> track-table columns (units and times per the module doc).

    ``columns`` is :func:`match_columns`' mapping, ``rows`` the record numbers; shared with
    the JSON-records reader, whose keys follow the same rules.
    """
    keep = np.ones(len(frame), dtype=bool)
    out = pd.DataFrame({"row": rows})
    out["time"] = _times(frame[columns["time"]], rows, keep, ctx).reset_index(drop=True)
    out["icao24"] = _addresses(frame, columns, rows, keep, ctx).to_numpy()
    numeric = ("lat", "lon", "alt_ft", "alt_geom_ft", "gs_kt", "track_deg", "vrate_fpm")
    for target in numeric:
        if target in columns:
            source = columns[target]
            values = _numbers(frame[source], target, delimiter, rows, keep, ctx)
            out[target] = values * _unit_factor(target, source)
    for target in ("callsign", "registration", "typecode", "squawk"):
        if target in columns:
            out[target] = _texts(frame, columns[target]).to_numpy()
    if "on_ground" in columns:
        flags = _texts(frame, columns["on_ground"]).str.lower().map(_TRUTH)
        out["on_ground"] = flags.astype("boolean").to_numpy()
    out["position_source"] = "unknown"
    return out[keep].reset_index(drop=True)
