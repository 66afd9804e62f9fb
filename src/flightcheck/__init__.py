"""flightcheck: verify claims about aircraft movements from ADS-B, Mode-S and AIS exports.

>>> import flightcheck
>>> tracks = flightcheck.read("sample_tracks/")        # doctest: +SKIP
>>> tracks.summary()                                    # doctest: +SKIP
"""

from flightcheck.errors import FlightcheckError, InputError, ReferenceDataError, UsageError
from flightcheck.io.read import read
from flightcheck.track.tracks import Tracks

__version__ = "0.1.0"

__all__ = [
    "FlightcheckError",
    "InputError",
    "ReferenceDataError",
    "Tracks",
    "UsageError",
    "__version__",
    "read",
]
