"""Every reader module provides the Reader protocol, with the signatures it promises."""

from __future__ import annotations

import inspect

import pytest

from flightcheck import io


@pytest.mark.parametrize("module", io.readers(), ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_reader_modules_provide_the_protocol(module):
    assert isinstance(module, io.Reader)
    assert module.FORMATS and all(isinstance(f, str) for f in module.FORMATS)
    assert set(module.FORMATS) >= module.TIME_ORDERED
    assert list(inspect.signature(module.sniff).parameters) == ["head", "name"]
    assert list(inspect.signature(module.read).parameters) == ["data", "ctx", "fmt"]
    assert module.sniff(b"", "empty") is None  # nothing is not any format


def test_format_names_are_unique_across_readers():
    names = [f for m in io.readers() for f in m.FORMATS]
    assert len(names) == len(set(names)) == len(io.formats())
