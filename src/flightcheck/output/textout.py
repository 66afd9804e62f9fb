"""Values in text output (tables, reasons, evidence): a missing value reads as a word the
reader understands (``?`` or ``-``), never as ``nan``, ``NaT`` or ``None``."""

from __future__ import annotations

from typing import Any

import pandas as pd


def missing(value: Any) -> bool:
    """True for None, NaN, NaT, pd.NA and the empty string."""
    if value is None or (isinstance(value, str) and not value):
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists, arrays: not a single missing value
        return False


def shown(value: Any, when_missing: str = "?") -> str:
    """``value`` as text, or ``when_missing`` when it is missing (see :func:`missing`)."""
    return when_missing if missing(value) else str(value)
