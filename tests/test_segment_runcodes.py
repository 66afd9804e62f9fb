"""Codes by runs equal codes from encoding every row, however the column is chunked."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from flightcheck.segment.runcodes import run_codes

VALUES = ["010070", "4b1805", "", None, "/data/a/trace.json", "a"]


def chunked(rng: np.random.Generator) -> pa.ChunkedArray:
    rows: list[str | None] = []
    while len(rows) < 40:
        rows += [VALUES[rng.integers(len(VALUES))]] * int(rng.integers(1, 7))
    rows = rows[: int(rng.integers(1, 41))]
    cuts = sorted(rng.integers(0, len(rows) + 1, size=int(rng.integers(0, 4))).tolist())
    bounds = [0, *cuts, len(rows)]
    return pa.chunked_array(
        [
            pa.array(rows[a:b], type=pa.large_string())
            for a, b in zip(bounds[:-1], bounds[1:], strict=True)
        ],
        type=pa.large_string(),
    )


@pytest.mark.parametrize("seed", range(20))
def test_run_codes_equal_dictionary_encoding(seed):
    rng = np.random.default_rng(seed)
    for _ in range(20):
        arr = chunked(rng)
        column = pd.Series(pd.arrays.ArrowStringArray(arr))
        enc = pc.dictionary_encode(arr).combine_chunks()
        codes, values = run_codes(column)
        assert codes.tolist() == enc.indices.fill_null(-1).to_pylist()
        assert values == enc.dictionary.to_pylist()


def test_run_codes_of_plain_object_columns():
    codes, values = run_codes(pd.Series(["b", "b", None, "a", "b"], dtype=object))
    assert codes.tolist() == [0, 0, -1, 1, 0] and values == ["b", "a"]
    codes, values = run_codes(pd.Series([], dtype="str"))
    assert len(codes) == 0 and values == []
