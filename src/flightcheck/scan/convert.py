"""``flightcheck convert``: an archive as a day-partitioned parquet dataset of the track
table (hive layout ``day=YYYY-MM-DD/``, zstd), re-scanned much faster than JSON traces.

Inputs are whatever ``scan`` reads: files, folders, globs, URLs and day archives (an
adsb.lol release's split ``.tar.aa``/``.tar.ab`` parts, read member by member in place).
Rows keep their ``source`` (original input path, URL or ``ARCHIVE::MEMBER``) and ``row``,
so findings from a re-scan still cite the original files. Bad and unreadable inputs are
skipped and counted apart. The folder gets a
``_flightcheck_dataset.json`` marker with the counts.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pandas as pd

from flightcheck.errors import InputError, UnreadableInput
from flightcheck.io.archives import known
from flightcheck.io.context import ReadOptions
from flightcheck.io.sources import learn, prefetched
from flightcheck.runtime import parallel
from flightcheck.scan import progress
from flightcheck.scan.partitions import BATCH_BYTES, MARKER, Partition, discover
from flightcheck.track import table as track

ROW_GROUP_ROWS = 128 * 1024
"""Rows per parquet row group (without it each input file became a group of ~1,000 rows,
which made column reads slow). Rows stay in input order: a scan's results depend on it."""


@functools.cache
def _in_order() -> dict:
    """write_dataset's arguments that keep rows in input order: its threads otherwise
    interleave batches (seen: 5,008 runs of 5,000 sources in one file of 1M rows)."""
    import inspect

    import pyarrow.dataset as ds

    if "preserve_order" in inspect.signature(ds.write_dataset).parameters:
        return {"preserve_order": True}
    return {"use_threads": False}  # pyarrow < 18


def _write(part: Partition, n: int, out: str, options: ReadOptions) -> dict:
    import pyarrow as pa
    import pyarrow.dataset as ds

    from flightcheck.scan.tasks import PartitionResult

    result = PartitionResult(part.key, [], [])
    learn(dict(part.secrets))
    with known(part.members), prefetched(part.paths):  # members in place, URLs at once
        df = _read_batch(part, options, result)
    if len(df):
        df["day"] = _days(track.time_ns(df))
        table = pa.Table.from_pandas(df, preserve_index=False).combine_chunks()
        ds.write_dataset(
            table,
            out,
            format="parquet",
            partitioning=["day"],
            partitioning_flavor="hive",
            basename_template=f"part-{n:06d}-{{i}}.parquet",
            existing_data_behavior="overwrite_or_ignore",
            min_rows_per_group=ROW_GROUP_ROWS,
            max_rows_per_group=ROW_GROUP_ROWS,
            **_in_order(),
            file_options=ds.ParquetFileFormat().make_write_options(compression="zstd"),
        )
    return {
        "files": result.files,
        "points": len(df),
        "bad": result.bad,
        "not_track": result.not_track,
        "unreadable": result.unreadable,
    }


def _read_batch(part: Partition, options: ReadOptions, result) -> pd.DataFrame:
    """The track table of a batch's files, in input order: each file read as a block of
    plain arrays and one DataFrame built for the batch (a DataFrame per file, then a concat,
    took two thirds of convert's time). Bad and unreadable files are counted in
    ``result`` (a :class:`.tasks.PartitionResult`)."""
    from flightcheck.io.read import read_block
    from flightcheck.track.blocks import block_frame, concat_blocks

    blocks = []
    explicit = part.explicit or (False,) * len(part.paths)
    for path, expl in zip(part.paths, explicit, strict=True):
        try:
            got = read_block(path, options, expl)
        except UnreadableInput as exc:
            result.unreadable.append((path, exc.message))
            continue
        except InputError as exc:
            msg = exc.message if exc.record is None else f"record {exc.record}: {exc.message}"
            result.bad.append((path, msg))
            continue
        except OSError as exc:
            result.unreadable.append((path, f"cannot read: {exc.strerror or exc}"))
            continue
        if got is None:
            result.not_track += 1
        elif got[0].n:
            blocks.append(got[0])
    result.files = len(part.paths)
    return block_frame(concat_blocks(blocks)) if blocks else track.empty()


def _days(t_ns: np.ndarray) -> pd.Categorical:
    """``YYYY-MM-DD`` (UTC) of int64 ns times, formatted once per distinct day (a
    categorical: the writer splits on its codes instead of hashing a million strings)."""
    day, codes = np.unique(t_ns // (86_400 * 10**9), return_inverse=True)
    labels = day.astype("datetime64[D]").astype(str).astype(object)
    return pd.Categorical.from_codes(codes.reshape(-1), categories=labels)


def convert(
    paths: list[str],
    out: str | Path,
    options: ReadOptions | None = None,
    workers: parallel.Workers = 1,
    show_progress: bool | None = None,
    batch_bytes: int = BATCH_BYTES,
) -> dict:
    """Write ``paths`` as a dataset in ``out``; returns counts and the bad files.
    ``workers``: 1 (this thread), n or "auto" (threads, or forked processes for large file
    archives: :func:`flightcheck.scan.run.local_scheduler`)."""
    import dask
    from dask import delayed

    from flightcheck.errors import UsageError
    from flightcheck.scan.run import local_scheduler

    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise UsageError(f"{out}: folder exists and is not empty; choose a new one")
    parts = [p for p in discover(list(paths), batch_bytes=batch_bytes) if not p.dataset]
    if not parts:
        raise UsageError("no input files found")
    out.mkdir(parents=True, exist_ok=True)
    jobs = [
        delayed(_write, pure=True)(p, i, str(out), options or ReadOptions(skip_bad=True))
        for i, p in enumerate(parts)
    ]
    shown = progress.wanted(show_progress)
    with progress.bar("converting", len(jobs), shown) as advance:
        cbs = {progress.local_callback(advance)} if shown else set()
        with (
            parallel.dask_local(workers, local_scheduler(parts, workers)) as how,
            dask.config.set({"callbacks": cbs}),
        ):
            (done,) = dask.compute(jobs, **how)
    summary = {
        "format": "flightcheck track table, hive day partitions",
        "schema": dict(track.SCHEMA),
        "files": int(np.sum([d["files"] for d in done])),
        "points": int(np.sum([d["points"] for d in done])),
        "not_track": int(np.sum([d["not_track"] for d in done])),
        "bad": [{"path": p, "reason": r} for d in done for p, r in d["bad"]],
        "unreadable": [{"path": p, "reason": r} for d in done for p, r in d["unreadable"]],
        "days": sorted(p.name[4:] for p in out.iterdir() if p.name.startswith("day=")),
    }
    (out / MARKER).write_text(json.dumps(summary, indent=1) + "\n")
    return summary


__all__ = ["convert"]
