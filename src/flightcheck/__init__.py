"""flightcheck: verify claims about aircraft movements from ADS-B, Mode-S and AIS exports.

>>> import flightcheck
>>> tracks = flightcheck.read("sample_tracks/")        # doctest: +SKIP
>>> tracks.summary()                                    # doctest: +SKIP
>>> routes = tracks.match_sources().detect().routes()  # doctest: +SKIP
>>> routes.map("map.html")                              # doctest: +SKIP
>>> routes.verify("sample_tracks/case.toml").table()    # doctest: +SKIP

``read`` returns the fluent :class:`Tracks` (:mod:`flightcheck.fluent`): the track table with
the next steps as methods, each a thin call of the library function it names.
"""

from flightcheck.errors import FlightcheckError, InputError, ReferenceDataError, UsageError
from flightcheck.fluent import Findings, Routes, Tracks, Verdicts, read
from flightcheck.settings import EngineSettings

__version__ = "0.1.0"

__all__ = [
    "EngineSettings",
    "Findings",
    "FlightcheckError",
    "InputError",
    "ReferenceDataError",
    "Routes",
    "Tracks",
    "UsageError",
    "Verdicts",
    "__version__",
    "read",
]
