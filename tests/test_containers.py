"""Sniffed, bounded decompression of inputs."""

import gzip
import io
import tarfile
import zipfile

import pytest

from flightcheck.errors import InputError
from flightcheck.io.containers import load

PAYLOAD = b'{"icao":"010070","timestamp":1760000000,"trace":[]}'


def test_plain_and_gzip_named_anything(tmp_path):
    plain = tmp_path / "trace_full_010070.json"
    plain.write_bytes(PAYLOAD)
    assert load(plain) == (PAYLOAD, "")
    gz = tmp_path / "looks_plain.json"
    gz.write_bytes(gzip.compress(PAYLOAD))
    assert load(gz) == (PAYLOAD, "gzip")


def test_concatenated_gzip_members(tmp_path):
    p = tmp_path / "a.gz"
    p.write_bytes(gzip.compress(b"MSG,1\n") + gzip.compress(b"MSG,2\n"))
    assert load(p)[0] == b"MSG,1\nMSG,2\n"


def test_kmz_and_tar_of_gzip(tmp_path):
    kmz = tmp_path / "flight.kmz"
    with zipfile.ZipFile(kmz, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("doc.kml", "<kml/>")
    assert load(kmz) == (b"<kml/>", "zip")
    tar = tmp_path / "states_2022-06-27-00.csv.tar"
    data = gzip.compress(b"time,icao24,lat,lon\n")
    with tarfile.open(tar, "w") as tf:
        info = tarfile.TarInfo("states.csv.gz")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    assert load(tar) == (b"time,icao24,lat,lon\n", "tar+gzip")


def test_empty_and_truncated(tmp_path):
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty.json: empty file"):
        load(empty)
    trunc = tmp_path / "trunc.json"
    trunc.write_bytes(gzip.compress(PAYLOAD * 50)[:-30])
    with pytest.raises(InputError, match="trunc.json: .*(truncated|corrupt) gzip"):
        load(trunc)


def test_gzip_bomb_is_refused_without_exhausting_memory(tmp_path):
    bomb = tmp_path / "bomb.json"
    with gzip.open(bomb, "wb", compresslevel=9) as fh:
        chunk = b"\0" * (1 << 20)
        for _ in range(64):  # 64 MiB of zeros -> ~64 KiB on disk
            fh.write(chunk)
    assert bomb.stat().st_size < 200_000
    with pytest.raises(InputError, match="gzip bomb"):
        load(bomb, max_bytes=8 << 20)
