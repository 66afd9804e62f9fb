"""Every use of a private pandas or numpy API, in one place, each with its reason.

Each private path is kept only where a measurement justifies it, has a public fallback that
gives the same result, and is checked by ``tests/test_compat.py``: a pandas or numpy upgrade
that removes or changes one fails that test loudly instead of slowing or breaking the engine.
The numbers are from pandas 3.1, numpy 2.4, 10 million values, one core.

Public APIs that look private are used directly elsewhere: ``ArrowStringArray.
__arrow_array__`` (the arrow protocol; zero-copy, the same object pandas holds) and pyarrow's
``LargeStringArray.from_buffers``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
import pandas as pd

UTC_NS = "datetime64[ns, UTC]"


def utc_datetimes(ns: np.ndarray) -> pd.arrays.DatetimeArray:
    """A UTC datetime array over int64 nanoseconds (or ``M8[ns]``) without a copy.

    ``DatetimeArray._from_sequence``: 13 ms per 10M values against 26 ms for the public
    ``pd.array(values, dtype=...)``, which validates and copies; it runs once per column of
    every table read."""
    values = np.asarray(ns).view("M8[ns]")
    build = getattr(pd.arrays.DatetimeArray, "_from_sequence", None)
    if build is None:  # pragma: no cover - the public path, for other pandas versions
        return pd.array(values, dtype=UTC_NS)
    return build(values, dtype=UTC_NS)


def boolean_parts(arr: pd.arrays.BooleanArray) -> tuple[np.ndarray, np.ndarray]:
    """(values, missing) of a nullable boolean array as numpy bool arrays, without a copy.

    ``BooleanArray._data`` / ``._mask``: free, against 16 ms per 10M values for the public
    ``to_numpy(na_value=False)`` plus ``isna()``; the engine reads every ground flag so."""
    data, mask = getattr(arr, "_data", None), getattr(arr, "_mask", None)
    if isinstance(data, np.ndarray) and isinstance(mask, np.ndarray):
        return data, mask
    return (
        arr.to_numpy(dtype=bool, na_value=False),  # pragma: no cover - public path
        np.asarray(arr.isna(), dtype=bool),
    )


@contextlib.contextmanager
def no_hugepage_advice() -> Iterator[None]:
    """numpy's ``madvise(MADV_HUGEPAGE)`` on new large arrays off, restored after (the switch
    behind ``NUMPY_MADVISE_HUGEPAGE``, ``numpy._core.multiarray._set_madvise_hugepage``).

    With the kernel's usual ``defrag=madvise`` setting each fresh array may wait for memory
    compaction, which cost a third of the kernel time of a 10-million-fix ``detect`` (results
    do not change). A no-op where numpy lacks the switch: the environment variable is the
    public way, but it is read once, at import."""
    try:
        from numpy._core.multiarray import _set_madvise_hugepage  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - other numpy versions
        yield
        return
    previous = _set_madvise_hugepage(False)
    try:
        yield
    finally:
        _set_madvise_hugepage(previous)
