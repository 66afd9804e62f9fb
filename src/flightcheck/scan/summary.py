"""Summary of a visits table: visits and distinct aircraft by registered country, type and
month of arrival (of departure when the arrival is outside the data)."""

from __future__ import annotations

import pandas as pd

SUMMARY_COLUMNS = ["registered_country", "typecode", "month", "visits", "aircraft"]


def summarise(visits: pd.DataFrame) -> pd.DataFrame:
    """One row per (registered_country, typecode, month ``YYYY-MM``), most visits first."""
    if not len(visits):
        return pd.DataFrame(
            {c: pd.Series(dtype="str" if i < 3 else "int64") for i, c in enumerate(SUMMARY_COLUMNS)}
        )
    when = visits["arrival"].fillna(visits["departure"])
    keys = pd.DataFrame(
        {
            "registered_country": visits["registered_country"].fillna("??"),
            "typecode": visits["typecode"].fillna("?"),
            "month": when.dt.strftime("%Y-%m").fillna("?"),
            "icao24": visits["icao24"],
        }
    )
    out = (
        keys.groupby(["registered_country", "typecode", "month"], sort=True)
        .agg(visits=("icao24", "size"), aircraft=("icao24", "nunique"))
        .reset_index()
    )
    out = out.sort_values(
        ["visits", "registered_country", "typecode", "month"],
        ascending=[False, True, True, True],
        kind="stable",
    )
    return out.reset_index(drop=True)
