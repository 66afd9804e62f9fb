"""OpenSky raw-message tables: Mode S messages with their reception times (parquet or CSV).

Format ``opensky-rawmsg``: the columns of OpenSky's raw tables (``rollcall_replies_data4``,
``acas_data4``, ``identification_data4``, ``position_data4``... as saved from Trino or
pyopensky): ``mintime`` (first reception; Unix seconds, milliseconds or datetimes, as in the
state-vector reader), ``rawmsg`` (14 or 28 hex digits) and usually ``icao24``; optionally
``maxtime`` (last reception of the same message) and ``msgcount`` (how many times it was
received, by all ``serials``). Other columns are ignored.

Decoding is the raw Mode S reader's (:func:`flightcheck.io.modes.decode_messages`, pyModeS
``PipeDecoder``), in ``mintime`` order: positions from DF17/18 CPR pairs, callsigns from
ADS-B identification and Comm-B BDS 2,0. Every message with an address, positions or not,
goes into the presence table (``ctx.presence``, :mod:`flightcheck.io.presence`), counted
``msgcount`` times and heard until ``maxtime``: a Comm-B-only capture gives no positions
but still says which addresses were heard, when, and how often.

Addresses: ``icao24`` is OpenSky's attribution. For DF17/18 the decoded plain-text address
is used and a disagreement is counted in a note; for replies (address in the parity,
possibly overlaid with a BDS code) ``icao24`` is used when present.

``row``: the line number in the CSV (header = line 1), the 1-based data row in parquet.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from flightcheck.io import modes, opensky
from flightcheck.io.context import ReadContext

FORMATS = ("opensky-rawmsg",)
TIME_ORDERED: frozenset[str] = frozenset()

COLUMNS = frozenset({"mintime", "maxtime", "rawmsg", "icao24", "msgcount"})
"""The columns the reader uses."""

_HEX_MESSAGE = r"(?:[0-9A-F]{14}|[0-9A-F]{28})"


def sniff(head: bytes, name: str) -> str | None:
    """``opensky-rawmsg`` for a CSV whose header names ``rawmsg`` and ``mintime``.

    A parquet raw table is recognised by the state-vector reader, which reads the footer
    (the head of a parquet file does not name its columns) and hands it over.
    """
    if head[:4] == opensky.PARQUET_MAGIC:
        return None
    line = head.split(b"\n", 1)[0].decode("utf-8", "replace").lstrip("\ufeff")
    columns = {c.strip().strip('"').strip().lower() for c in line.split(",")}
    return "opensky-rawmsg" if columns >= opensky.RAW_COLUMNS else None


def read(data: bytes, ctx: ReadContext, fmt: str) -> pd.DataFrame:
    """Decode an OpenSky raw-message table into track rows (see the module docstring)."""
    if data[:4] == opensky.PARQUET_MAGIC:
        frame, rows = opensky.read_parquet(data, ctx, set(COLUMNS))
    else:
        frame, rows = opensky.read_csv(data, ctx, frozenset({"rawmsg", "icao24"}))
    ctx.records = len(frame)
    missing = sorted(opensky.RAW_COLUMNS - set(frame.columns))
    if missing:
        found = ", ".join(sorted(frame.columns)) or "none"
        raise ctx.fail(
            f"not an OpenSky raw-message table: no {', '.join(missing)} column (columns: {found})"
        )
    frame = frame.reset_index(drop=True)
    keep = np.ones(len(frame), dtype=bool)
    raw = frame["rawmsg"]
    msgs = raw.astype("str").str.strip().str.upper().where(raw.notna(), "")
    bad_msg = ~msgs.str.fullmatch(_HEX_MESSAGE).to_numpy(dtype=bool)
    keep &= ctx.drop_bad(bad_msg, rows, "rawmsg is not a 14- or 28-digit hex Mode S message")
    t_min = opensky.unix_seconds(frame, "mintime", rows, ctx, keep)
    keep &= ctx.drop_bad(keep & np.isnan(t_min), rows, "missing mintime")
    t_max = opensky.unix_seconds(frame, "maxtime", rows, ctx, keep)
    t_max = np.where(np.isnan(t_max) | (t_max < t_min), t_min, t_max)
    counts = _counts(frame, rows, ctx, keep)
    addresses = _addresses(frame, rows, ctx, keep)
    order = np.flatnonzero(keep)
    order = order[np.argsort(t_min[order], kind="stable")]
    msg_list = msgs.to_numpy()[order].tolist()
    out = modes.decode_messages(
        msg_list,
        t_min[order],
        t_min[order],
        rows[order],
        ctx,
        addresses=None if addresses is None else addresses[order],
        heard=(t_max[order], counts[order]),
    )
    if addresses is not None:
        _note_disagreements(msg_list, addresses[order], ctx)
    return out


def _counts(
    frame: pd.DataFrame, rows: np.ndarray, ctx: ReadContext, keep: np.ndarray
) -> np.ndarray:
    """``msgcount`` as int64 (1 when absent or empty); below 1 is a bad record."""
    if "msgcount" not in frame.columns:
        return np.ones(len(frame), dtype="int64")
    values = opensky.numeric(frame, "msgcount", rows, ctx, keep)
    keep &= ctx.drop_bad(keep & (values < 1), rows, "msgcount below 1")
    return np.where(np.isfinite(values) & (values >= 1), values, 1).astype("int64")


def _addresses(
    frame: pd.DataFrame, rows: np.ndarray, ctx: ReadContext, keep: np.ndarray
) -> np.ndarray | None:
    """``icao24`` as lower-case hex (empty where missing); a malformed address is bad."""
    if "icao24" not in frame.columns:
        return None
    raw = frame["icao24"]
    text = raw.astype("str").str.strip().str.lower().where(raw.notna(), "")
    bad = (text != "").to_numpy() & ~text.str.fullmatch(r"[0-9a-f]{6}").to_numpy(dtype=bool)
    keep &= ctx.drop_bad(keep & bad, rows, "icao24 is not a 6-digit hex address")
    return text.to_numpy(dtype=object)


_ES = re.compile(r"^(?:8[8-9A-F]|9[0-7])")
"""First byte of a 112-bit DF17 or DF18 message (DF in the top five bits)."""


def _note_disagreements(msgs: list[str], addresses: np.ndarray, ctx: ReadContext) -> None:
    """Count DF17/18 messages whose plain-text address is not the table's ``icao24``."""
    differ = sum(
        1
        for m, a in zip(msgs, addresses, strict=True)
        if a and len(m) == 28 and _ES.match(m) and m[2:8].lower() != a
    )
    if differ:
        ctx.notes.append(
            f"{differ} DF17/18 messages carry an address other than their "
            "icao24 column; the message's own (CRC-checked) address was used"
        )
