"""AIS NMEA logs (``!AIVDM`` / ``!AIVDO`` / ``!BSVDM``...) decoded with pyais (FORMATS.md s. 8).

Format ``ais-nmea``: one NMEA 0183 sentence per line, any two-character talker (``AI``,
``AB``, ``BS``, and receivers' own such as ``B1``, ``B2``), each optionally wrapped by

* an NMEA 4.0 tag block ``\\s:2573238,c:1733782034*0A\\!BSVDM,...`` (``c:`` = Unix seconds at
  the receiver; 13-digit values are read as milliseconds),
* a logger prefix: ISO 8601 time or Unix seconds, then a space, comma, semicolon or tab,
* a preceding ``$PGHP,1,<year>,<month>,<day>,<hour>,<minute>,<second>,<ms>,...`` Gatehouse line
  (time of the next sentence).

Comments (``#``) and blank lines are skipped.

Time: AIS position reports carry only the second of the minute, so each sentence takes its
time from its own wrapper. A multipart message takes the time of its first fragment (often
the only one tagged). A sentence without a time source of its own takes the last time seen
on an earlier line (counted in a note). Sentences before the first time source are dropped
and counted. A log with no time source at all is an error.

Multipart messages are reassembled by (talker, channel, sequential id, fragment count).
Malformed sentences, bad checksums, missing or out-of-order fragments and undecodable
payloads are counted in ``ctx.dropped`` and skipped, **never fatal** (radio feeds always have
some). Only a file with no AIS sentence, or no time source, is rejected.

Output, one row per position report (types 1, 2, 3 Class A; 18, 19 Class B; 27 long range):
``kind`` ``"vessel"``, ``icao24`` the MMSI as 9 digits, ``gs_kt`` = SOG, ``track_deg`` = COG,
``alt_ft``/``on_ground`` missing, ``position_source`` ``"other"`` (self-reported GNSS over AIS).
Not-available values are removed: lat 91, lon 181, SOG 102.3 (type 27: 63), COG 360 (type 27:
511). Heading (511 = n/a) and navigational status have no track-table column.

Static data (type 5, type 19, type 24 parts A/B) is carried onto the positions of the same
MMSI (forward in time, and back to the positions before the first static message):
``callsign`` = the radio call sign, ``registration`` = ship name and IMO number
(``"EVER DIADEM (IMO 9134270)"``; the IMO number identifies the hull for life, the MMSI
changes with the flag), ``typecode`` = the ship type code and name (``"70 Cargo"``).
``row``: line number of the (first fragment's) sentence.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from flightcheck.io.context import ReadContext
from flightcheck.io.lines import content_lines

if TYPE_CHECKING:
    from pyais.messages import AISSentence

FORMATS = ("ais-nmea",)
TIME_ORDERED: frozenset[str] = frozenset()

POSITION_TYPES = frozenset((1, 2, 3, 18, 19, 27))
STATIC_TYPES = frozenset((5, 19, 24))

_LINE = re.compile(
    r"^(?:(?P<iso>\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?)"
    r"|(?P<unix>\d{9,10}(?:\.\d+)?))?[ ,;\t]*"
    r"(?:\\(?P<tag>[^\\]*)\\)?(?P<sentence>[!$][A-Z0-9]{4,5},.*)$"
)
_TAG_TIME = re.compile(r"(?:^|,)c:(\d+(?:\.\d+)?)")
_VDM = re.compile(r"^!\w{2}VD[MO],")


def sniff(head: bytes, name: str) -> str | None:
    """``ais-nmea`` when the first non-blank lines are (wrapped) NMEA with a ``!..VDM/VDO``."""
    try:
        text = head[:8192].decode("ascii")
    except UnicodeDecodeError:
        return None
    lines = [ln.strip() for ln in text.splitlines()]
    lines = lines[:-1] if len(lines) > 1 else lines  # the last may be cut
    lines = [ln for ln in lines if ln and not ln.startswith("#")][:20]
    if not lines:
        return None
    matches = [_LINE.match(ln) for ln in lines]
    if not all(matches):
        return None
    if any(_VDM.match(m.group("sentence")) for m in matches if m):
        return "ais-nmea"
    return None


def _prefix_time(m: re.Match) -> float:
    if m.group("unix"):
        return float(m.group("unix"))
    iso = m.group("iso")
    if iso:
        stamp = pd.Timestamp(iso)
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
        return stamp.timestamp()
    tag = m.group("tag")
    if tag:
        c = _TAG_TIME.search(tag.split("*")[0])
        if c:
            value = float(c.group(1))
            return value / 1000.0 if value > 1e11 else value
    return np.nan


def _gatehouse_time(sentence: str) -> float:
    """Time of a ``$PGHP,1,year,month,day,hour,minute,second,ms,...`` line (NaN if not one)."""
    parts = sentence.split("*")[0].split(",")
    if len(parts) < 9 or parts[0] != "$PGHP" or parts[1] != "1":
        return np.nan
    try:
        y, mo, d, h, mi, s, ms = (int(p) for p in parts[2:9])
        return datetime(y, mo, d, h, mi, s, ms * 1000, tzinfo=UTC).timestamp()
    except ValueError:
        return np.nan


class _Assembler:
    """Collects sentences, reassembles multipart messages, counts what is skipped."""

    def __init__(self, ctx: ReadContext) -> None:
        self.ctx = ctx
        self.pending: dict[tuple, tuple[list[AISSentence], int, float]] = {}
        self.messages: list[tuple[AISSentence, int, float]] = []

    def add(self, s: AISSentence, row: int, t: float) -> None:
        if s.frag_cnt == 1:
            self.messages.append((s, row, t))
            return
        key = (s.talker_id, s.channel, s.seq_id, s.frag_cnt)
        if s.frag_num == 1:
            if key in self.pending:
                self.ctx.drop("AIS multipart message with a missing fragment")
            self.pending[key] = ([s], row, t)
            return
        parts = self.pending.get(key)
        if parts is None or len(parts[0]) != s.frag_num - 1:
            self.ctx.drop("AIS fragment without its earlier fragments")
            return
        parts[0].append(s)
        if len(parts[0]) == s.frag_cnt:
            from pyais.messages import AISSentence

            del self.pending[key]
            self.messages.append((AISSentence.assemble_from_iterable(parts[0]), parts[1], parts[2]))

    def finish(self) -> None:
        self.ctx.drop("AIS multipart message with a missing fragment", len(self.pending))
        self.pending.clear()


def _sentences(text: str, ctx: ReadContext) -> tuple[_Assembler, int, int]:
    """Parse lines into assembled messages; returns (assembler, sentences, carried times)."""
    from pyais.exceptions import AISBaseException
    from pyais.messages import AISSentence, NMEASentenceFactory

    asm = _Assembler(ctx)
    last_time = np.nan
    gatehouse = np.nan
    n_ais = carried = 0
    for lineno, line in content_lines(text):
        m = _LINE.match(line)
        if not m:
            ctx.drop("not an NMEA line")
            continue
        sentence = m.group("sentence")
        if sentence.startswith("$"):
            gatehouse = _gatehouse_time(sentence)
            if not np.isnan(gatehouse):
                last_time = gatehouse
            continue
        if not _VDM.match(sentence):
            ctx.drop("NMEA sentence other than AIS VDM/VDO")
            continue
        n_ais += 1
        t = _prefix_time(m)
        if np.isnan(t):
            t, gatehouse = gatehouse, np.nan
        try:
            raw_bytes = (f"\\{m.group('tag')}\\" if m.group("tag") else "") + sentence
            parsed = NMEASentenceFactory.produce(raw_bytes.encode("ascii"))
        except (AISBaseException, ValueError, IndexError):
            ctx.drop("malformed AIS sentence")
            continue
        if not isinstance(parsed, AISSentence):
            ctx.drop("NMEA sentence other than AIS VDM/VDO")
            continue
        if not parsed.is_valid:
            ctx.drop("AIS sentence with a bad checksum")
            continue
        if np.isnan(t):
            if parsed.frag_num == 1 and not np.isnan(last_time):
                carried += 1
            t = last_time if parsed.frag_num == 1 else np.nan
        else:
            last_time = t
        asm.add(parsed, lineno, t)
    asm.finish()
    return asm, n_ais, carried


def _ship_type(value: int | None) -> str | None:
    code = int(value) if value is not None else 0
    if not code:
        return None
    name = getattr(value, "name", None)
    return f"{code} {name.replace('_', ' ')}" if name else str(code)


def _decode(messages: list[tuple[AISSentence, int, float]], ctx: ReadContext) -> pd.DataFrame:
    """Decode assembled messages into one record per position or static report."""
    from pyais.exceptions import AISBaseException

    recs: list[tuple] = []
    other = 0
    for msg, row, t in messages:
        try:
            # Any: pyais returns a union of ~60 message classes; POSITION_TYPES checks the kind.
            d: Any = msg.decode()
        except (AISBaseException, ValueError, IndexError, KeyError):
            ctx.drop("undecodable AIS payload (empty, unknown or truncated)")
            continue
        kind = d.msg_type
        if kind not in POSITION_TYPES and kind not in STATIC_TYPES:
            other += 1
            continue
        lat = lon = sog = cog = np.nan
        if kind in POSITION_TYPES:
            lat, lon, sog, cog = d.lat, d.lon, d.speed, d.course
            if kind == 27:
                sog = np.nan if sog == 63 else sog
                cog = np.nan if cog == 511 else cog
        name = callsign = ship_type = imo = None
        if kind in STATIC_TYPES:
            part = getattr(d, "partno", None)
            name = getattr(d, "shipname", None) if part in (None, 0) else None
            callsign = getattr(d, "callsign", None)
            ship_type = _ship_type(getattr(d, "ship_type", None)) if part != 0 else None
            imo = getattr(d, "imo", None) or None
        recs.append(
            (
                t,
                row,
                kind,
                d.mmsi,
                lat,
                lon,
                sog,
                cog,
                name or None,
                callsign or None,
                ship_type,
                imo,
            )
        )
    ctx.drop("AIS message of another type (base station, aid to navigation, ...)", other)
    return pd.DataFrame(
        recs,
        columns=[
            "time",
            "row",
            "type",
            "mmsi",
            "lat",
            "lon",
            "sog",
            "cog",
            "name",
            "callsign",
            "ship_type",
            "imo",
        ],
    )


def _vessel_rows(frame: pd.DataFrame, ctx: ReadContext) -> pd.DataFrame:
    """Position records with sentinels removed and static data carried by MMSI."""
    for col in ("lat", "lon", "sog", "cog"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    frame["lat"] = frame["lat"].where(frame["lat"] != 91.0)
    frame["lon"] = frame["lon"].where(frame["lon"] != 181.0)
    frame["sog"] = frame["sog"].where(~np.isclose(frame["sog"], 102.3))
    frame["cog"] = frame["cog"].where(frame["cog"] < 360.0)
    imo = pd.to_numeric(frame["imo"], errors="coerce")
    imo_text = ("IMO " + imo.astype("Int64").astype("str")).where(imo.notna())
    static = pd.DataFrame(
        {
            "callsign": frame["callsign"],
            "name": frame["name"],
            "imo": imo_text,
            "typecode": frame["ship_type"],
        },
        dtype="str",
    )
    static["mmsi"] = frame["mmsi"]
    by_mmsi = static.groupby("mmsi", sort=False)
    carried = by_mmsi.ffill()
    carried = carried.fillna(carried.assign(mmsi=frame["mmsi"]).groupby("mmsi").bfill())
    name, imo_c = carried["name"], carried["imo"]
    registration = name.where(imo_c.isna(), name + " (" + imo_c + ")").fillna(imo_c)
    position = frame["type"].isin(POSITION_TYPES).to_numpy()
    ctx.drop("AIS static/voyage data (merged into position rows)", int((~position).sum()))
    out = pd.DataFrame(
        {
            "time": frame["time"],
            "icao24": frame["mmsi"].astype("int64").astype("str").str.zfill(9),
            "kind": "vessel",
            "callsign": carried["callsign"],
            "registration": registration,
            "typecode": carried["typecode"],
            "lat": frame["lat"],
            "lon": frame["lon"],
            "gs_kt": frame["sog"],
            "track_deg": frame["cog"],
            "position_source": "other",
            "row": frame["row"].astype("int64"),
        }
    )
    return out[position].reset_index(drop=True)


def read(data: bytes, ctx: ReadContext, fmt: str) -> pd.DataFrame:
    """Decode an AIS NMEA log into vessel track rows (see the module docstring)."""
    text = data.decode("ascii", "replace")
    asm, n_ais, carried = _sentences(text, ctx)
    ctx.records = n_ais
    if not n_ais:
        raise ctx.fail("no AIS sentence (!AIVDM / !AIVDO) found")
    times = np.array([t for _, _, t in asm.messages], dtype="float64")
    if len(times) and np.isnan(times).all():
        raise ctx.fail(
            "AIS position reports carry only the second of the minute; this log has "
            "no timestamps (tag block c:, logger prefix); use a log written with "
            "receiver timestamps"
        )
    if carried:
        ctx.notes.append(
            f"{carried} AIS sentences had no time of their own and took the time of an earlier line"
        )
    no_time = np.isnan(times)
    ctx.drop("AIS message before the first timestamp in the log", int(no_time.sum()))
    messages = [m for m, bad in zip(asm.messages, no_time, strict=True) if not bad]
    frame = _decode(messages, ctx)
    return _vessel_rows(frame, ctx)
