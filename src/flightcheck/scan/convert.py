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

import json
from pathlib import Path

import numpy as np

from flightcheck import track
from flightcheck.io.archives import known
from flightcheck.io.context import ReadOptions
from flightcheck.io.sources import learn, prefetched
from flightcheck.scan import progress
from flightcheck.scan.partitions import BATCH_BYTES, MARKER, Partition, discover

ROW_GROUP_ROWS = 128 * 1024
"""Rows per parquet row group (without it each input file became a group of ~1,000 rows,
which made column reads slow). Rows stay in input order: a scan's results depend on it."""


def _write(part: Partition, n: int, out: str, options: ReadOptions) -> dict:
    import pyarrow as pa
    import pyarrow.dataset as ds

    from flightcheck.scan.tasks import PartitionResult, _read_files

    result = PartitionResult(part.key, [], [])
    learn(dict(part.secrets))
    with known(part.members), prefetched(part.paths):  # members in place, URLs at once
        df = _read_files(part, options, result)
    if len(df):
        df = df[list(track.SCHEMA)].copy()
        df["day"] = _days(track.time_ns(df))
        table = pa.Table.from_pandas(df, preserve_index=False).combine_chunks()
        ds.write_dataset(table, out, format="parquet", partitioning=["day"],
                         partitioning_flavor="hive",
                         basename_template=f"part-{n:06d}-{{i}}.parquet",
                         existing_data_behavior="overwrite_or_ignore",
                         min_rows_per_group=ROW_GROUP_ROWS, max_rows_per_group=ROW_GROUP_ROWS,
                         file_options=ds.ParquetFileFormat().make_write_options(
                             compression="zstd"))
    return {"files": result.files, "points": len(df), "bad": result.bad,
            "not_track": result.not_track, "unreadable": result.unreadable}


def _days(t_ns: np.ndarray) -> np.ndarray:
    """``YYYY-MM-DD`` (UTC) of int64 ns times, formatted once per distinct day."""
    day, codes = np.unique(t_ns // (86_400 * 10**9), return_inverse=True)
    return day.astype("datetime64[D]").astype(str).astype(object)[codes]


def convert(paths: list[str], out: str | Path, options: ReadOptions | None = None,
            workers: int | None = None, show_progress: bool | None = None,
            batch_bytes: int = BATCH_BYTES) -> dict:
    """Write ``paths`` as a dataset in ``out``; returns counts and the bad files."""
    import dask
    from dask import delayed

    from flightcheck.errors import UsageError
    from flightcheck.scan.run import PROCESS_SETTINGS, local_scheduler

    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise UsageError(f"{out}: folder exists and is not empty; choose a new one")
    parts = [p for p in discover(list(paths), batch_bytes=batch_bytes) if not p.dataset]
    if not parts:
        raise UsageError("no input files found")
    out.mkdir(parents=True, exist_ok=True)
    jobs = [delayed(_write, pure=True)(p, i, str(out), options or ReadOptions(skip_bad=True))
            for i, p in enumerate(parts)]
    shown = progress.wanted(show_progress)
    with progress.bar("converting", len(jobs), shown) as advance:
        cbs = {progress.local_callback(advance)} if shown else set()
        with dask.config.set({"callbacks": cbs, **PROCESS_SETTINGS}):
            (done,) = dask.compute(jobs, scheduler=local_scheduler(parts, workers),
                                   num_workers=workers)
    summary = {"format": "flightcheck track table, hive day partitions",
               "schema": dict(track.SCHEMA),
               "files": int(np.sum([d["files"] for d in done])),
               "points": int(np.sum([d["points"] for d in done])),
               "not_track": int(np.sum([d["not_track"] for d in done])),
               "bad": [{"path": p, "reason": r} for d in done for p, r in d["bad"]],
               "unreadable": [{"path": p, "reason": r}
                              for d in done for p, r in d["unreadable"]],
               "days": sorted(p.name[4:] for p in out.iterdir() if p.name.startswith("day="))}
    (out / MARKER).write_text(json.dumps(summary, indent=1) + "\n")
    return summary


__all__ = ["convert"]
