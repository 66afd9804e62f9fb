"""The private pandas/numpy paths in flightcheck.runtime.compat still exist and agree with their
public fallbacks: an upgrade that breaks one fails here, loudly, not as a slow or wrong run."""

from __future__ import annotations

import numpy as np
import pandas as pd

from flightcheck.runtime import compat


def test_utc_datetimes_uses_the_fast_path_and_equals_the_public_one():
    assert callable(getattr(pd.arrays.DatetimeArray, "_from_sequence", None))
    ns = np.array([0, 1_760_616_000_123_456_789, np.iinfo(np.int64).min], dtype=np.int64)
    fast = compat.utc_datetimes(ns)
    public = pd.array(ns.view("M8[ns]"), dtype=compat.UTC_NS)
    assert str(fast.dtype) == compat.UTC_NS
    pd.testing.assert_extension_array_equal(fast, public)
    assert pd.isna(fast[2]) and fast[1] == pd.Timestamp("2025-10-16T12:00:00.123456789Z")


def test_boolean_parts_are_the_arrays_pandas_holds():
    arr = pd.array([True, False, None, True], dtype="boolean")
    data, missing = compat.boolean_parts(arr)
    assert data.dtype == bool and missing.dtype == bool
    assert missing.tolist() == [False, False, True, False]
    assert (data & ~missing).tolist() == arr.to_numpy(dtype=bool, na_value=False).tolist()
    assert np.shares_memory(data, arr._data)  # no copy: the reason for the private path


def test_hugepage_switch_exists_and_is_restored():
    from numpy._core import multiarray

    switch = multiarray._set_madvise_hugepage  # sets the advice, returns the previous one
    switch(True)
    with compat.no_hugepage_advice():
        assert switch(False) is False  # it was off inside
    assert switch(True) is True  # and is on again after


def test_arrow_protocol_gives_the_held_strings_without_a_copy():
    s = pd.Series(["a", None, "b"], dtype="str")
    assert s.dtype.storage == "pyarrow"
    arrow = s.array.__arrow_array__()
    assert arrow.to_pylist() == ["a", None, "b"]
    assert arrow is s.array.__arrow_array__()  # the held object, not a conversion
