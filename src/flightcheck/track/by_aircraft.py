"""Each aircraft's rows of a table, found with one pass over its address column.

``table[table["icao24"] == hex_]`` for every aircraft compares every row once per aircraft:
O(aircraft x rows), minutes on a day archive of 50,000 aircraft. :func:`rows_by_aircraft`
factorizes the column and sorts the codes once; each aircraft's rows are then a slice (a
table sorted by aircraft, as the track table is) or a position array, and
:func:`rows_of` takes them: the same rows, index, columns and dtypes as the filter.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def rows_by_aircraft(table: pd.DataFrame, column: str = "icao24") -> dict[str, slice | np.ndarray]:
    """Per value of ``column`` (missing values left out), the positions of its rows in table
    order: a ``slice`` where they are contiguous, else an int64 array."""
    if column not in table.columns or not len(table):
        return {}
    codes, uniques = pd.factorize(table[column])  # codes in order of first appearance
    if len(codes) < 2 or (codes[1:] >= codes[:-1]).all():  # sorted by aircraft already
        order = np.flatnonzero(codes >= 0)
    else:
        order = np.argsort(codes, kind="stable")
        order = order[codes[order] >= 0]
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    first, last = order[bounds[:-1]], order[np.maximum(bounds[1:] - 1, 0)]
    contiguous = (last - first + 1) == np.diff(bounds)
    out: dict[str, slice | np.ndarray] = {}
    for i, (key, a, b, together) in enumerate(
        zip(
            np.asarray(uniques, dtype=object).tolist(),
            first.tolist(),
            last.tolist(),
            contiguous.tolist(),
            strict=True,
        )
    ):
        out[key] = slice(a, b + 1) if together else order[bounds[i] : bounds[i + 1]]
    return out


def rows_of(table: pd.DataFrame, where: dict[str, slice | np.ndarray], icao24: str) -> pd.DataFrame:
    """The rows of ``table`` whose address is ``icao24`` (``where`` from
    :func:`rows_by_aircraft` of that table), as ``table[table["icao24"] == icao24]``
    gives them; none: the table's empty frame."""
    return table.iloc[where.get(icao24, slice(0, 0))]
