"""SBS-1 / BaseStation "port 30003" logs (``nc host 30003 > file``), see FORMATS.md section 6.

Lines start ``MSG``, ``SEL``, ``ID``, ``AIR``, ``STA`` or ``CLK``; ``MSG`` lines have 22
comma-separated fields. Only MSG 2 (surface) and MSG 3 (airborne) carry a position, so a track
is merged per aircraft (hex, field 5) with carry-forward: one output row per MSG 2/3 line, with
the callsign (MSG 1) and squawk (MSG 6) of the latest earlier line of that aircraft, and the
ground speed, track (MSG 4, MSG 2) and vertical rate (MSG 4) of the latest earlier line *within
60 s* (older velocities are left empty rather than attached to a position they do not belong
to). Altitude is not carried: it comes with the position line.

Units: feet, knots, ft/min (as written). An altitude with an ``H`` suffix is GNSS (readsb
``--sbs-gnss``) and goes to ``alt_geom_ft``; otherwise it is barometric ``alt_ft``.
``on_ground`` is True on MSG 2, else from field 22 (``-1`` ground, ``0`` airborne).

Time: the *generated* date and time (fields 7, 8). The format has no time zone: readsb writes
UTC, dump1090 and most forks the receiver's local time. Times are read in ``--tz`` (default
UTC, with a note saying so). In a local zone, times in the repeated autumn hour are resolved
from the order of the log when possible; times that do not exist (spring gap) are bad records.

``position_source`` is "unknown": readsb's MLAT marking (fields 19-20 reused) cannot be told
apart from the alert/emergency flags reliably. Lines that are not SBS messages (tool banners,
summaries) are skipped and counted; exact duplicate MSG lines are dropped and counted.
``row`` is the line number (1-based).
"""

from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from flightcheck.errors import UsageError
from flightcheck.io.context import ReadContext
from flightcheck.track.table import ns_utc

FORMATS = ("sbs",)
TIME_ORDERED: frozenset[str] = frozenset()

MESSAGE_TYPES = ("MSG", "SEL", "ID", "AIR", "STA", "CLK")
FIELDS = (
    "type",
    "transmission",
    "session",
    "aircraft_id",
    "hex",
    "flight_id",
    "date",
    "time",
    "date_logged",
    "time_logged",
    "callsign",
    "altitude",
    "ground_speed",
    "track",
    "lat",
    "lon",
    "vertical_rate",
    "squawk",
    "alert",
    "emergency",
    "spi",
    "on_ground",
)
"""The 22 MSG fields, in order."""

KINEMATICS_MAX_AGE_S = 60.0
"""Ground speed, track and vertical rate are carried to a position at most this long."""

_PREFIXES = tuple(f"{t}," for t in MESSAGE_TYPES)
_HEX = r"~?[0-9a-f]{6}"
_SNIFF_LINES = 50


def sniff(head: bytes, name: str) -> str | None:
    """SBS if the first non-blank lines are mostly SBS messages, with 22-field MSG lines."""
    lines = head.decode("utf-8", "replace").split("\n")
    if len(head) >= 65536 and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut by the sniff window
    sample = [ln.strip() for ln in lines[: 4 * _SNIFF_LINES] if ln.strip()][:_SNIFF_LINES]
    msg = sum(ln.startswith("MSG,") and ln.count(",") == len(FIELDS) - 1 for ln in sample)
    known = sum(ln.startswith(_PREFIXES) for ln in sample)
    if msg >= 2 and 2 * known >= len(sample) or msg >= 1 and msg == len(sample):
        return "sbs"
    return None


def check_zone(tz: str) -> str:
    """``tz`` if it is a known IANA time zone name, else a :class:`UsageError`."""
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"unknown time zone {tz!r}; use an IANA name such as UTC or Europe/Belgrade"
        ) from None
    return tz


def _zone(ctx: ReadContext) -> str:
    tz = check_zone(ctx.options.tz or "UTC")
    if ctx.options.tz is None:
        ctx.notes.append(
            "SBS logs carry no time zone: times were read as UTC. readsb writes UTC, but "
            "dump1090 and most of its forks write the receiver's local time; if this log "
            "came from one of those, pass --tz (e.g. --tz Europe/Belgrade)"
        )
    return tz


def local_to_utc(naive: pd.Series, tz: str, ctx: ReadContext) -> pd.Series:
    """Naive local times in ``tz`` -> UTC (ns); nonexistent local times become NaT.

    Ambiguous times (the repeated autumn hour) are resolved from the order of the records
    when pandas can infer it, else read as summer time with a note in ``ctx``.
    """
    if tz == "UTC":
        return ns_utc(naive)
    try:
        local = naive.dt.tz_localize(tz, ambiguous="infer", nonexistent="NaT")
    except ValueError:
        local = naive.dt.tz_localize(
            tz, ambiguous=np.ones(len(naive), dtype=bool), nonexistent="NaT"
        )
        ctx.notes.append(
            f"times in the repeated autumn hour of {tz} could not be ordered; "
            "they were read as summer time (the first occurrence)"
        )
    return ns_utc(local)


def _numbers(
    values: pd.Series, rows: np.ndarray, keep: np.ndarray, ctx: ReadContext, field: str
) -> np.ndarray:
    """Float values of a field (NaN when empty); unreadable values are bad records."""
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.astype("float64").to_numpy()
    text = values.str.strip()
    numbers = pd.to_numeric(text, errors="coerce").astype("float64").to_numpy()
    unreadable = keep & np.isnan(numbers) & text.notna().to_numpy() & (text != "").to_numpy()
    keep &= ctx.drop_bad(unreadable, rows, f"unreadable number in field {field}")
    return numbers


_USED = (
    "transmission",
    "hex",
    "date",
    "time",
    "callsign",
    "altitude",
    "ground_speed",
    "track",
    "lat",
    "lon",
    "vertical_rate",
    "squawk",
    "on_ground",
)
_TEXT = ("hex", "date", "time", "callsign", "altitude", "vertical_rate", "squawk", "on_ground")


def _parse(lines: list[bytes], ctx: ReadContext) -> pd.DataFrame:
    """MSG lines (all with 22 fields) -> the used fields; text fields are str (NaN when empty).

    Numeric fields are left to the C parser's inference: float when every value reads,
    text otherwise (then :func:`_numbers` finds the bad lines).
    """
    frame = pd.read_csv(
        io.BytesIO(b"\n".join(lines)),
        header=None,
        names=list(FIELDS),
        usecols=list(_USED),
        dtype=dict.fromkeys(_TEXT, "str"),
        keep_default_na=False,
        na_values=[""],
        quoting=csv.QUOTE_NONE,
        lineterminator="\n",
        encoding="utf-8",
        encoding_errors="replace",
        low_memory=False,
    )
    if len(frame) != len(lines):
        raise ctx.fail(
            "could not split the log into lines consistently (stray control characters?)"
        )
    return frame


def _split_lines(data: bytes) -> tuple[list[bytes], np.ndarray, np.ndarray]:
    """Lines, and per line: is it blank, and its first four bytes (``S4``)."""
    lines = data.split(b"\n")
    if lines and not lines[-1].strip():
        lines.pop()
    lengths = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
    blank = np.zeros(len(lines), dtype=bool)
    short = np.flatnonzero(lengths <= 8)
    blank[short] = [not lines[i].strip() for i in short]
    prefix = np.array([ln[:4] for ln in lines], dtype="S4")
    return lines, blank, prefix


def read(data: bytes, ctx: ReadContext, fmt: str) -> pd.DataFrame:
    """Read an SBS log into track-table columns (one row per MSG 2/3 line)."""
    tz = _zone(ctx)
    lines, blank, prefix = _split_lines(data)
    line_no = np.arange(1, len(lines) + 1, dtype="int64")
    known = np.isin(prefix.astype("S3"), [b"ID,"]) | np.isin(
        prefix, [t.encode() for t in _PREFIXES]
    )
    ctx.records = int((~blank).sum())
    if not known.any():
        raise ctx.fail("no SBS messages found (lines starting MSG, SEL, ID, AIR, STA, CLK)")
    ctx.drop("not an SBS message", int((~blank & ~known).sum()))
    index = np.flatnonzero(prefix == b"MSG,")
    rows = line_no[index]
    msg = [lines[i] for i in index]
    commas = np.fromiter((ln.count(b",") for ln in msg), dtype=np.int64, count=len(msg))
    keep = ctx.drop_bad(
        commas != len(FIELDS) - 1,
        rows,
        f"MSG line does not have {len(FIELDS)} comma-separated fields",
    )
    duplicate = keep & pd.Series(msg, dtype=object).duplicated().to_numpy()
    ctx.drop("duplicate line", int(duplicate.sum()))
    keep &= ~duplicate
    msg, rows = [ln for ln, k in zip(msg, keep, strict=True) if k], rows[keep]
    if not msg:
        return pd.DataFrame(
            {
                "time": pd.Series(dtype="datetime64[ns, UTC]"),
                "icao24": pd.Series(dtype="str"),
                "lat": pd.Series(dtype="float64"),
                "lon": pd.Series(dtype="float64"),
                "row": pd.Series(dtype="int64"),
            }
        )
    return _track(_parse(msg, ctx), rows, tz, ctx)


def _generated_times(
    f: pd.DataFrame, rows: np.ndarray, keep: np.ndarray, tz: str, ctx: ReadContext
) -> pd.Series:
    """Fields 7-8 (generated date and time, local to ``tz``) -> UTC datetimes."""
    stamp = f["date"].str.strip() + " " + f["time"].str.strip()
    naive = pd.to_datetime(stamp, format="%Y/%m/%d %H:%M:%S.%f", errors="coerce")
    retry = naive.isna() & stamp.notna()
    if retry.any():
        naive = naive.where(
            ~retry, pd.to_datetime(stamp.where(retry), errors="coerce", format="%Y/%m/%d %H:%M:%S")
        )
    keep &= ctx.drop_bad(
        keep & naive.isna().to_numpy(),
        rows,
        "unreadable generated date/time (fields 7-8; expected YYYY/MM/DD HH:MM:SS.mmm)",
    )
    when = local_to_utc(naive, tz, ctx)
    keep &= ctx.drop_bad(
        keep & when.isna().to_numpy() & naive.notna().to_numpy(),
        rows,
        f"local time does not exist in time zone {tz} (wrong --tz?)",
    )
    return when


def _carry_forward(work: pd.DataFrame) -> pd.DataFrame:
    """Forward-fill every column per ``hex``; kinematics only from the last 60 s."""
    kinematics = ("gs", "track", "vrate")
    for col in kinematics:
        work[f"t_{col}"] = work["t"].where(work[col].notna())
    carried = work.groupby("hex", sort=False).ffill()
    for col in kinematics:
        stale = (carried["t"] - carried[f"t_{col}"]).abs() > KINEMATICS_MAX_AGE_S
        carried[col] = carried[col].mask(stale.to_numpy())
    return carried


def _track(f: pd.DataFrame, rows: np.ndarray, tz: str, ctx: ReadContext) -> pd.DataFrame:
    """Parsed MSG fields -> one row per position message, with carry-forward per aircraft."""
    keep = np.ones(len(f), dtype=bool)
    transmission = pd.to_numeric(f["transmission"], errors="coerce").to_numpy(dtype="float64")
    keep &= ctx.drop_bad(
        ~np.isin(transmission, np.arange(1, 9)), rows, "transmission type (field 2) is not 1-8"
    )
    hexes = f["hex"].str.strip().str.lower()
    keep &= ctx.drop_bad(
        keep & ~hexes.fillna("").str.fullmatch(_HEX).to_numpy(dtype=bool),
        rows,
        "hex ident (field 5) is not a 6-digit hex address",
    )
    when = _generated_times(f, rows, keep, tz, ctx)
    altitude = f["altitude"].astype("str").str.strip().where(f["altitude"].notna())
    gnss = altitude.str.upper().str.endswith("H").fillna(False).to_numpy(dtype=bool)
    alt = _numbers(altitude.str.rstrip("Hh"), rows, keep, ctx, "12 (altitude)")
    work = pd.DataFrame(
        {
            "hex": hexes,
            "t": when.array.asi8 / 1e9,
            "callsign": f["callsign"].str.strip().replace("", None),
            "squawk": f["squawk"].str.strip().replace("", None),
            "gs": _numbers(f["ground_speed"], rows, keep, ctx, "13 (ground speed)"),
            "track": _numbers(f["track"], rows, keep, ctx, "14 (track)"),
            "vrate": _numbers(
                f["vertical_rate"].str.rstrip(" Hh"), rows, keep, ctx, "17 (vertical rate)"
            ),
        }
    )
    lat = _numbers(f["lat"], rows, keep, ctx, "15 (latitude)")
    lon = _numbers(f["lon"], rows, keep, ctx, "16 (longitude)")
    hexes_kept = work["hex"][keep].reset_index(drop=True)
    carried = _carry_forward(work[keep].reset_index(drop=True))
    position = np.isin(transmission[keep], (2, 3))
    surface = transmission[keep] == 2
    ground_flag = (
        f["on_ground"].str.strip()[keep].reset_index(drop=True).map({"-1": True, "0": False})
    )
    on_ground = ground_flag.astype("boolean").to_numpy()
    on_ground[surface] = True
    out = pd.DataFrame(
        {
            "time": when[keep].reset_index(drop=True),
            "icao24": hexes_kept,
            "lat": lat[keep],
            "lon": lon[keep],
            "alt_ft": np.where(gnss[keep], np.nan, alt[keep]),
            "alt_geom_ft": np.where(gnss[keep], alt[keep], np.nan),
            "on_ground": pd.array(on_ground, dtype="boolean"),
            "gs_kt": carried["gs"],
            "track_deg": carried["track"],
            "vrate_fpm": carried["vrate"],
            "callsign": carried["callsign"],
            "squawk": carried["squawk"],
            "position_source": "unknown",
            "row": rows[keep],
        }
    )
    return out[position].reset_index(drop=True)
