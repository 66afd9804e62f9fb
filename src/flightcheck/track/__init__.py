"""The track table: its schema, validation and cleaning (``table``), the per-file column
blocks (``blocks``), honest cleaning (``flags``), provenance of inputs (``provenance``) and
``Tracks`` (``tracks``). Imports nothing from :mod:`flightcheck.io`."""
