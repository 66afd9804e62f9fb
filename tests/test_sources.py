"""Input refs (io.sources) and split archives (io.archives): invariants."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flightcheck.errors import UsageError
from flightcheck.io import archives, sources

_word = st.text(string.ascii_lowercase + string.digits, min_size=4, max_size=12)


@given(
    user=_word,
    password=_word,
    secret=_word,
    plain=_word,
    key=st.sampled_from(
        [
            "X-Amz-Signature",
            "token",
            "sig",
            "api_key",
            "X-Goog-Credential",
            "sv",
            "se",
            "password",
            "access_token",
        ]
    ),
    scheme=st.sampled_from(["https", "http", "s3", "gs", "az"]),
)
def test_redacted_urls_keep_no_credentials(user, password, secret, plain, key, scheme):
    user, password, secret, plain = f"U{user}", f"P{password}", f"S{secret}", f"L{plain}"
    url = f"{scheme}://{user}:{password}@host.example/data/x.json?{key}={secret}&v={plain}"
    shown = sources.redact(url)
    assert password not in shown and secret not in shown and f"{user}:" not in shown
    assert shown == f"{scheme}://host.example/data/x.json?v={plain}"
    assert sources.redact(shown) == shown
    assert sources.real(sources.remember(url)) == url  # this process can still open it


@given(st.text(string.printable.replace("\x0b", "").replace("\x0c", ""), max_size=40))
def test_local_paths_are_never_redacted_or_taken_for_members(path):
    if "://" in path:
        return
    assert sources.redact(path) == path
    assert sources.is_member(path) == (
        "::" in path
        and all(
            p.lower().split("?")[0].endswith((".tar", ".zip")) or archives.SPLIT_PART.match(p)
            for p in path.split("::", 1)[0].split(" + ")
        )
    )


@settings(max_examples=60, deadline=None)
@given(
    data=st.binary(min_size=1, max_size=3000),
    cuts=st.lists(st.integers(0, 3000), max_size=5),
    reads=st.data(),
)
def test_split_parts_read_as_the_whole(tmp_path_factory, data, cuts, reads):
    folder = tmp_path_factory.mktemp("parts")
    edges = sorted({0, len(data), *[c for c in cuts if c < len(data)]})
    parts = []
    for k, (a, b) in enumerate(zip(edges[:-1], edges[1:], strict=True)):
        p = folder / f"d.tar.a{string.ascii_lowercase[k]}"
        p.write_bytes(data[a:b])
        parts.append(str(p))
    with archives.Concat(parts) as stream:
        for _ in range(5):
            off = reads.draw(st.integers(0, len(data)))
            n = reads.draw(st.integers(0, len(data)))
            assert stream.read_at(off, n) == data[off : off + n]


def test_split_parts_are_grouped_in_order_and_gaps_refused():
    groups, rest = archives.group_parts(["b.tar.ab", "x.json", "b.tar.aa", "c.tar.aa"])
    assert sorted(groups) == [["b.tar.aa", "b.tar.ab"], ["c.tar.aa"]] and rest == ["x.json"]
    with pytest.raises(UsageError, match="complete sequence"):
        archives.group_parts(["b.tar.ab", "b.tar.ac"])  # .aa missing


@pytest.mark.parametrize(
    "name,day",
    [
        ("v2024.01.31-planes-readsb-prod-0.tar.aa", "2024-01-31"),
        ("globe_2025-10-15.zip", "2025-10-15"),
        ("v2024.13.01-x.tar", None),
        ("traces.tar", None),
    ],
)
def test_release_day_from_its_name(name, day):
    assert archives.day_in_name(name) == day
