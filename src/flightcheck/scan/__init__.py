"""Scan archives at scale: every aircraft that stopped at given airports, with Dask.

``scan(paths, airports, since, until, scheduler)`` runs the stop engine of ``flightcheck
stops`` (``flightcheck.segment.detect``, no second implementation) over archives too big for
memory: readsb ``globe_history`` folders, adsb.lol day release tars (split ``.tar.aa``
parts too) and tar/zip day archives read in place (:mod:`flightcheck.io.archives`),
``s3://``/``gs://``/``az://``/``https://`` URLs (:mod:`flightcheck.io.sources`), datasets
from :func:`convert`, or anything ``flightcheck inspect`` reads. In-process (threads) by
default; ``scheduler="tcp://host:8786"`` runs the same graph on an existing Dask cluster
(local paths are made absolute first). Inputs that cannot be read at all are counted apart
from bad files and fail the scan past a stated share; ``checkpoint=DIR`` keeps finished
partitions (:mod:`.checkpoint`).

Design (two phases; a task's memory is bounded by its partition, not by the archive):

1. **Partitions** (:mod:`.partitions`): batches of files of one day (``globe_history/Y/M/D``)
   of about ``BATCH_BYTES``, or one day folder of a converted dataset.
2. **Phase 1** per partition (:func:`.tasks.scan_partition`): read (a bad file is skipped and
   counted), keep since..until, then the cheap pre-filter (:mod:`.prefilter`): aircraft with
   any fix within 100 km of a requested airport and low enough to be in the inferred-stop
   approach envelope. All of the partition's fixes of those candidates are kept; every other
   aircraft leaves only a *span* (its first and last time in the partition). Both are split
   into buckets by a stable hash of the icao24. The pre-filter runs before the expensive
   part of reading: a dataset day is read column-wise (only the pre-filter's columns, then
   only the candidates' rows, :mod:`.dataset_read`), and a file gets a full track table only
   when its raw positions come near an airport (:mod:`.files_read`).
3. **Phase 2** per bucket (:func:`.tasks.detect_bucket`): the bucket's candidate fixes of all
   partitions are joined, so each aircraft's fixes from adjacent days meet again: a stop that
   crosses midnight (or a file edge) is found once, by the same engine, exactly as
   ``flightcheck stops`` would find it on the whole data. Where a span shows the aircraft had
   fixes that were dropped (a day on which it never came near), its timeline is cut and the
   pieces are run separately, so the engine never invents a stop across data it did not see.
   A stop next to such a cut has its open end as at the edge of the data.
4. The stops at the requested airports become visits (:mod:`.visits`: who the aircraft is
   from the ICAO address blocks, registration/type from the fixes, source files), sorted
   deterministically, and a summary by registered country, type and month (:mod:`.summary`).

Phase-2 input is the candidates only (a few aircraft per airport and day), plus the spans
(three values per aircraft and partition). The result does not depend on where tasks run:
in-process and cluster scans give identical visits.
"""

from __future__ import annotations

from flightcheck.scan.convert import convert
from flightcheck.scan.run import ScanResult, scan

__all__ = ["ScanResult", "convert", "scan"]
