"""Presence: addresses heard in raw Mode S, with or without positions.

A raw-message capture proves more than its positions: an address heard at a time was
transmitting then, in range of a receiver, even when no message gave a position (Comm-B
replies, surveillance replies, unpaired CPR frames). Raw Mode S readers put one row per
address in ``ReadContext.presence``; it travels in the input's provenance
(``InputRecord.presence``) and is collected by ``Tracks.presence``.

Columns (``flightcheck.track.provenance.PRESENCE_COLUMNS``):

* ``icao24``: the address (6 lowercase hex; ``~`` prefix for DF18 non-ICAO addresses);
* ``first``, ``last``: UTC times of the first and last message heard (``last`` uses the
  table's ``maxtime`` where a raw-message table gives one);
* ``messages``: messages heard (a raw-message table row counts ``msgcount`` times);
  ``adsb_messages``: of those, CRC-checked DF17/18 extended squitters; ``reply_messages``:
  DF0/4/5/11/16/20/21 replies, whose address is recovered from the parity;
* ``positions``: position reports the reader kept in the track table for this address;
* ``address_checked``: the address was seen in a CRC-checked DF17/18 message of this input.
  Otherwise it comes from reply parity (or the raw table's ``icao24``): one corrupted reply
  yields a random address, so trust unchecked rows only with several messages;
* ``callsign``: the last identification heard (ADS-B TC 1-4 or Comm-B BDS 2,0);
* ``alt_min_ft``, ``alt_max_ft``: range of the barometric altitudes heard (ADS-B positions,
  DF0/4/16/20 altitude codes), feet; ``selected_alt_ft``: the last selected altitude
  (Comm-B BDS 4,0, MCP/FCU, else FMS), feet;
* ``first_row``, ``last_row``: record numbers of the first and last message, for citation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from flightcheck.track.provenance import PRESENCE_COLUMNS, empty_presence


def presence_table(
    icao24: np.ndarray,
    t_first: np.ndarray,
    t_last: np.ndarray,
    rows: np.ndarray,
    counts: np.ndarray,
    adsb: np.ndarray,
    position: np.ndarray,
    callsign: np.ndarray,
    altitude: np.ndarray,
    selected: np.ndarray,
) -> pd.DataFrame:
    """One row per address from per-message arrays.

    ``t_first``/``t_last``: Unix seconds of each message (equal unless a raw table gives a
    ``maxtime``); ``counts``: times each message was heard; ``adsb``: CRC-checked DF17/18;
    ``position``: the message gave a kept position; ``callsign`` (object, None when absent),
    ``altitude`` and ``selected`` (feet, NaN when absent) as decoded.
    """
    if not len(icao24):
        return empty_presence()
    frame = pd.DataFrame(
        {
            "icao24": icao24,
            "t0": t_first,
            "t1": t_last,
            "row": rows,
            "n": counts.astype("int64"),
            "adsb": np.where(adsb, counts, 0).astype("int64"),
            "reply": np.where(adsb, 0, counts).astype("int64"),
            "pos": position.astype("int64"),
            "checked": adsb,
            "callsign": callsign,
            "alt": altitude,
            "sel": selected,
        }
    ).sort_values(["icao24", "t0", "row"], kind="stable")
    g = frame.groupby("icao24", sort=True)
    firsts = g.head(1).set_index("icao24")
    by_end = frame.sort_values(["icao24", "t1", "row"], kind="stable").groupby("icao24").tail(1)
    out = pd.DataFrame(
        {
            "first": _utc(g["t0"].min()),
            "last": _utc(g["t1"].max()),
            "messages": g["n"].sum(),
            "adsb_messages": g["adsb"].sum(),
            "reply_messages": g["reply"].sum(),
            "positions": g["pos"].sum(),
            "address_checked": g["checked"].any(),
            "callsign": g["callsign"].last(),
            "alt_min_ft": g["alt"].min(),
            "alt_max_ft": g["alt"].max(),
            "selected_alt_ft": g["sel"].last(),
            "first_row": firsts["row"],
            "last_row": by_end.set_index("icao24")["row"],
        }
    )
    out = out.reset_index()
    return out.astype(PRESENCE_COLUMNS)[list(PRESENCE_COLUMNS)]


def _utc(seconds: pd.Series) -> pd.Series:
    micros = np.round(seconds.to_numpy(dtype="float64") * 1e6)
    return pd.Series(pd.to_datetime(micros, unit="us", utc=True), index=seconds.index)
