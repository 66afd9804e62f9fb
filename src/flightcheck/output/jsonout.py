"""JSON output: one object on stdout, times as ISO 8601 UTC with ``Z``, NaN as null."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, overload

import numpy as np
import orjson
import pandas as pd


@overload
def iso(value: datetime) -> str: ...


@overload
def iso(value: Any) -> str | None: ...


def iso(value: Any) -> str | None:
    """ISO 8601 UTC with a ``Z`` suffix (whole seconds unless the value has a fraction)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    if 1000 <= ts.year <= 9999:  # strftime's text, from the fields (strftime is ~20 us)
        text = (
            f"{ts.year}-{ts.month:02d}-{ts.day:02d}T{ts.hour:02d}:{ts.minute:02d}:{ts.second:02d}"
        )
    else:
        text = ts.strftime("%Y-%m-%dT%H:%M:%S")
    if ts.microsecond:
        text += f".{ts.microsecond // 1000:03d}"
    return text + "Z"


def plain(value: Any) -> Any:
    """Recursively turn pandas/numpy values into JSON-ready Python values."""
    kind = type(value)  # the usual exact types first: findings hold ~40 values each
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is float:
        return value if math.isfinite(value) else None
    if kind is dict:
        return {k if type(k) is str else str(k): plain(v) for k, v in value.items()}
    if kind is list:
        return [plain(v) for v in value]
    return _plain(value)


def _plain(value: Any) -> Any:
    """:func:`plain` of any other value."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, (pd.Timestamp, datetime, np.datetime64)):
        return iso(value)
    if isinstance(value, (pd.Timedelta, np.timedelta64)):
        return pd.Timedelta(value).total_seconds()
    if value is pd.NA or value is pd.NaT or value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def dumps(obj: Any, indent: bool = True) -> bytes:
    """Serialise ``obj`` (after :func:`plain`) with orjson; keys keep their order."""
    option = orjson.OPT_INDENT_2 if indent else 0
    return orjson.dumps(plain(obj), option=option)
