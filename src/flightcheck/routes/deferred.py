"""Route tables made on first use: a day archive has 50,000 aircraft, and four small
DataFrames per route (its stops, legs, events and gaps) cost ~1 ms each to cut out of the
tables of all aircraft. The ``route`` command's JSON needs only their records, which come
from the tables of all aircraft, converted once (:func:`records`); a frame is made when a
caller asks a :class:`~flightcheck.routes.Route` for it, and is then kept.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pandas as pd


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """``frame.to_dict("records")`` from one object array (the same values once through
    :func:`~flightcheck.output.jsonout.plain`): pandas' own indexes every column of every call,
    ~0.6 ms for a route's small frame, so four frames per aircraft were 27 of 71 s of
    ``route`` on 10,000 aircraft (2,000 routes' JSON: 4.75 -> 1.99 s)."""
    cols = list(frame.columns)
    if not cols:
        return [{} for _ in range(len(frame))]
    return [dict(zip(cols, row, strict=True)) for row in frame.to_numpy(dtype=object).tolist()]


class Deferred:
    """A DataFrame to make on first use (``make``), and, when known without making it, its
    :func:`records` (``rows``, a function)."""

    __slots__ = ("make", "rows")

    def __init__(
        self,
        make: Callable[[], pd.DataFrame],
        rows: Callable[[], list[dict[str, Any]]] | None = None,
    ) -> None:
        self.make = make
        self.rows = rows


class DeferredFrame:
    """A dataclass field holding a DataFrame or a :class:`Deferred` one, read as the frame
    (made once, then kept). No default: reading it on the class raises AttributeError."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.slot = name  # the instance dict holds it under its own name (a data descriptor
        # is looked up first), so vars(route) lists the fields

    def __get__(self, obj: Any, owner: type | None = None) -> pd.DataFrame:
        if obj is None:
            raise AttributeError(self.name)
        value = obj.__dict__[self.slot]
        if isinstance(value, Deferred):
            value = obj.__dict__[self.slot] = value.make()
        return value

    def __set__(self, obj: Any, value: pd.DataFrame | Deferred) -> None:
        obj.__dict__[self.slot] = value


def field_records(obj: Any, name: str) -> list[dict[str, Any]]:
    """:func:`records` of the frame field ``name`` of ``obj``, without making the frame
    when its records are known."""
    value = obj.__dict__[name]
    if isinstance(value, Deferred) and value.rows is not None:
        return value.rows()
    return records(getattr(obj, name))


class SharedRecords:
    """:func:`records` of one frame, made once for all the slices cut from it."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    @functools.cached_property
    def all(self) -> list[dict[str, Any]]:
        return records(self.frame)

    def slice(self, a: int, b: int) -> list[dict[str, Any]]:
        return self.all[a:b]
