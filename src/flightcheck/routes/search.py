"""Route search: which aircraft went through these countries or airports, in this order?

``via`` is an ordered list of tokens; a two-letter token is a country (ISO-2), anything else
an airport code (matched against the stop's airport ident/ICAO code). The stops matched must
appear in that order, not necessarily consecutively (an ordered subsequence), and the whole
match must fit within ``within`` (first matched stop's arrival — or departure when the
arrival is outside the data — to the last matched stop's arrival).
"""

from __future__ import annotations

import pandas as pd


def _token_matches(token: str, stop: dict) -> bool:
    token = token.strip().upper()
    if len(token) == 2:
        return (stop.get("country") or "").upper() == token
    return token in {(stop.get("airport") or "").upper(), (stop.get("icao") or "").upper()}


def _when(stop: dict) -> pd.Timestamp | None:
    """The stop's arrival, or its departure when the arrival is outside the data."""
    for k in ("arrival", "departure"):
        v = stop.get(k)
        if v is not None and not (not isinstance(v, str) and pd.isna(v)):
            return pd.Timestamp(v)
    return None


def find_matches(
    stops: pd.DataFrame, via: list[str], within: pd.Timedelta | None = None
) -> list[dict]:
    """Matches of ``via`` in one or many aircraft's ``stops`` (time-sorted per aircraft).

    Returns ``[{"icao24", "stops": [airport...], "start", "end"}]``; for each starting stop
    the earliest completion is taken (greedy), so overlapping matches are not repeated.
    """
    if not via or stops.empty:
        return []
    out: list[dict] = []
    for icao24, group in stops.groupby("icao24", sort=True):
        seq = group.to_dict("records")
        used_end = -1
        for i, stop in enumerate(seq):
            if i <= used_end or not _token_matches(via[0], stop):
                continue
            chain = [i]
            k = 1
            j = i + 1
            while k < len(via) and j < len(seq):
                if _token_matches(via[k], seq[j]):
                    chain.append(j)
                    k += 1
                j += 1
            if k < len(via):
                break
            start, end = _when(seq[chain[0]]), _when(seq[chain[-1]])
            too_long = (
                within is not None
                and start is not None
                and end is not None
                and (end - start > within)
            )
            if too_long:
                continue
            used_end = chain[-1] - 1 if len(via) > 1 else chain[-1]
            out.append(
                {
                    "icao24": icao24,
                    "stops": [seq[c]["airport"] for c in chain],
                    "countries": [seq[c]["country"] for c in chain],
                    "start": start,
                    "end": end,
                }
            )
    return out


def parse_within(text: str | None) -> pd.Timedelta | None:
    """``10d``, ``36h``, ``90min`` -> Timedelta (None passes through)."""
    if not text:
        return None
    import re

    try:
        return pd.Timedelta(re.sub(r"(?<=\d)\s*d(ays?)?$", "D", text.strip()))
    except ValueError:
        from flightcheck.errors import UsageError

        raise UsageError(f"--within {text!r}: expected a duration like 10d, 36h or 90min") from None
