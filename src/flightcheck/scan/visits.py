"""The visits table: one row per stop at a requested airport, with who the aircraft is.

Columns (declared in :data:`flightcheck.findings.VISITS`): icao24, registration and
typecode (latest seen in the fixes), registered_country (ISO-2 of the ICAO address block)
and military (address in a military range), then the stop's airport, arrival, departure
(UTC; NaT when outside the data), dwell_s, kind (observed/inferred), confidence, evidence,
and ``sources``: the input files holding the stop's fixes and the fix either side of it
(``; ``-separated).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from flightcheck import findings
from flightcheck.track import table as track

VISIT_COLUMNS = findings.names(findings.VISITS)
"""The visits table's columns (with dtypes and units in :data:`flightcheck.findings.VISITS`)."""


def empty() -> pd.DataFrame:
    """A visits table without rows (the same dtypes as a full one)."""
    return findings.frame([], findings.VISITS)


def normalise(df: pd.DataFrame) -> pd.DataFrame:
    """The declared schema (:data:`flightcheck.findings.VISITS`) and a deterministic order
    (icao24, arrival/departure, airport, sources)."""
    df = findings.cast(df, findings.VISITS)
    key = df["arrival"].fillna(df["departure"])
    order = np.lexsort(
        (
            df["sources"].to_numpy(),
            df["airport"].to_numpy(),
            key.fillna(pd.Timestamp(0, tz="UTC")).to_numpy(dtype="datetime64[ns]").astype(np.int64),
            df["icao24"].to_numpy(),
        )
    )
    return df.iloc[order].reset_index(drop=True)


def _latest(fixes: pd.DataFrame, col: str) -> pd.Series:
    known = fixes[["icao24", col]].dropna()
    return known.groupby("icao24", sort=False)[col].last()


def _bound(values: pd.Series, windows: pd.Series, side: int) -> np.ndarray:
    out = []
    for v, w in zip(values, windows, strict=True):
        if v is not None and not pd.isna(v):
            out.append(pd.Timestamp(v).value)
        elif isinstance(w, (list, tuple)) and len(w) == 2 and w[side] is not None:
            out.append(pd.Timestamp(w[side]).value)
        else:
            out.append(np.iinfo(np.int64).min if side == 0 else np.iinfo(np.int64).max)
    return np.array(out, dtype=np.int64)


def _sources(stops: pd.DataFrame, fixes: pd.DataFrame) -> list[str]:
    hexes = fixes["icao24"].to_numpy(dtype=object)
    t = track.time_ns(fixes)
    src = fixes["source"].to_numpy(dtype=object)
    bounds = np.flatnonzero(np.r_[True, hexes[1:] != hexes[:-1], True])
    where = {hexes[s]: (s, e) for s, e in zip(bounds[:-1], bounds[1:], strict=True)}
    lo = _bound(stops["arrival"], stops["arrival_window"], 0)
    hi = _bound(stops["departure"], stops["departure_window"], 1)
    out = []
    for hexid, a, b in zip(stops["icao24"], lo, hi, strict=True):
        s, e = where.get(hexid, (0, 0))
        i = max(s, s + int(np.searchsorted(t[s:e], a, side="left")) - 1)
        j = min(e, s + int(np.searchsorted(t[s:e], b, side="right")) + 1)
        out.append("; ".join(sorted({str(x) for x in src[i:j]})))
    return out


def from_stops(stops: pd.DataFrame, fixes: pd.DataFrame) -> pd.DataFrame:
    """Visits from the stop engine's ``stops`` and the fixes it ran on."""
    from flightcheck.reference.icao import lookup_many

    if not len(stops):
        return empty()
    who = lookup_many(stops["icao24"].astype(str).str.lstrip("~"))
    out = pd.DataFrame(
        {
            "icao24": stops["icao24"].astype(str).to_numpy(),
            "registration": stops["icao24"].map(_latest(fixes, "registration")).to_numpy(),
            "typecode": stops["icao24"].map(_latest(fixes, "typecode")).to_numpy(),
            "registered_country": who["iso2"].to_numpy(),
            "military": who["military"].to_numpy(),
            "airport": stops["airport"].to_numpy(),
            "arrival": stops["arrival"].to_numpy(),
            "departure": stops["departure"].to_numpy(),
            "dwell_s": stops["dwell_s"].to_numpy(),
            "kind": stops["kind"].to_numpy(),
            "confidence": stops["confidence"].to_numpy(),
            "evidence": [
                e if isinstance(e, str) else " ".join(map(str, e)) if e is not None else None
                for e in stops["evidence"]
            ],
            "sources": _sources(stops, fixes),
        }
    )
    return normalise(out)
