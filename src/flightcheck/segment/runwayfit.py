"""Whether an airport's runways suit an aircraft: by its type when known, else by its speed.

An aircraft's need is a minimum runway length (ft) and whether the runway must be paved:

* its ICAO type code is in the packaged table of types that use short or unpaved strips
  (:mod:`flightcheck.reference.runway_needs`: C-130 3,000 ft unpaved, Il-76 4,500 ft
  unpaved ...): that figure;
* otherwise, seen faster than ``jet_kt``: a jet, ``jet_runway_ft`` paved (a C-130 cruising
  at 310 kt with no type code is judged so, which is why the type comes first);
* otherwise none (turboprops and light aircraft land almost anywhere).

Each (aircraft, airport) pair falls in one :data:`FIT_NAMES` class. Suitability only *ranks*:
gap candidates lose :func:`gap_score` and inferred stops gain :func:`cost_km` (a runway too
short costs more the larger the shortfall), and the evidence says why (:func:`describe`).
No airport is removed, so a strip that a low, aligned track points at stays the answer even
when the reference data lack its runways. A medium or large airport without runway records
counts as suitable (such airports have long paved runways); a small one is "length unknown"
and judged on its reference point and the track.

Runway surfaces are OurAirports' free text (``ASP``, ``CONC``, ``TURF-G``, ``GRVL``,
``Asphalt`` ...): :func:`surface_class` reads the first word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from flightcheck.reference.runway_needs import need_of
from flightcheck.settings import DEFAULT, EngineSettings

if TYPE_CHECKING:
    from flightcheck.segment.airportindex import AirportIndex

FITS, LENGTH_UNKNOWN, SURFACE_UNKNOWN, UNPAVED, SHORT = range(5)
FIT_NAMES = ("fits", "length unknown", "surface unknown", "unpaved", "short")
GAP_SCORE = np.array([0.0, -1.0, -0.5, -1.5, -0.5])
"""Score term of a gap candidate per fit class (log-likelihood-like, as in ``gaps``): an
unknown length costs about as much as the jet's "runway under 6,000 ft" term. A runway too
short costs this plus up to ``SHORT_GAP_SCORE`` more as the shortfall grows to
``SHORTFALL_FULL``: 139 ft short of a C-130's 3,000 ft is a nuance, half the need is not."""
SHORT_GAP_SCORE = -2.5
COST_KM = np.array([0.0, 2.0, 1.0, 3.0, 1.0])
"""Extra cost (km) of an inferred stop's airport per fit class (a runway too short: this plus
up to ``SHORT_COST_KM`` more with the shortfall): a suitable airport about that much nearer
to the track wins; an airport whose runway centreline the track is on still wins."""
SHORT_COST_KM = 5.0
SHORTFALL_FULL = 0.5
"""Shortfall (share of the need missing) at which a short runway costs the most."""

PAVED = 1
UNPAVED_SURFACE = 2
_PAVED_WORDS = ("ASP", "ASF", "CON", "PEM", "BIT", "PAV", "TAR", "MAC", "HARD", "BET", "SEAL")
"""Prefixes of the first word of a paved surface (asphalt, concrete, bitumen, tarmac ...)."""
_UNPAVED_WORDS = (
    "TURF",
    "GRS",
    "GRA",
    "GRE",
    "GVL",
    "GRV",
    "DIRT",
    "EAR",
    "SAN",
    "CLA",
    "COR",
    "TER",
    "GROUND",
    "SOIL",
    "LAT",
    "PI",
    "UNPAVED",
    "MAT",
    "PSP",
    "ICE",
    "SNOW",
    "SOD",
    "ROCK",
    "CRUSH",
    "LIME",
    "SHALE",
    "SILT",
    "MUR",
    "TRTD",
    "TREATED",
    "NATURAL",
)
"""Prefixes of an unpaved one (turf, grass, gravel, dirt, earth, sand, clay, coral, laterite,
piçarra, steel matting ...); anything else (``UNK``, ``X``, ``WATER``) is unknown."""
_WORD = re.compile(r"[A-Z]+")


def surface_class(surface: pd.Series) -> np.ndarray:
    """Per runway: ``PAVED`` (1), ``UNPAVED_SURFACE`` (2) or 0 unknown, from the first word of
    OurAirports' surface text (``ASPH-G`` paved, ``TURF-DIRT`` unpaved, ``UNK``/``X`` unknown).
    """
    codes, uniques = pd.factorize(surface.fillna("").astype(str).str.upper())
    per = np.zeros(len(uniques), dtype=np.int8)
    for k, text in enumerate(uniques):
        m = _WORD.search(text)
        word = m.group(0) if m else ""
        if len(word) < 2:
            continue
        if word.startswith(_PAVED_WORDS):
            per[k] = PAVED
        elif word.startswith(_UNPAVED_WORDS):
            per[k] = UNPAVED_SURFACE
    out = np.zeros(len(codes), dtype=np.int8)
    ok = codes >= 0
    out[ok] = per[codes[ok]]
    return out


@dataclass
class Needs:
    """Per aircraft code: ``min_ft`` (0 none), ``paved`` (must be paved), ``by_type`` (the
    figure comes from the type table) and ``basis`` (plain text: where the need comes from)."""

    min_ft: np.ndarray
    paved: np.ndarray
    by_type: np.ndarray
    basis: list[str]

    @property
    def jet_by_speed(self) -> np.ndarray:
        """Aircraft judged as jets by their speed (no type figure)."""
        return ~self.by_type & (self.min_ft > 0)


def needs(typecodes: np.ndarray, seen_kt: np.ndarray, s: EngineSettings = DEFAULT) -> Needs:
    """The :class:`Needs` of aircraft with ICAO type codes ``typecodes`` (None unknown) and
    fastest airborne ground speeds ``seen_kt`` (kt, NaN unknown), under the settings ``s``."""
    n = len(seen_kt)
    min_ft, paved = np.zeros(n), np.zeros(n, dtype=bool)
    by_type = np.zeros(n, dtype=bool)
    basis: list[str] = []
    for c in range(n):
        tc = typecodes[c] if c < len(typecodes) else None
        need = need_of(tc)
        if need is not None:
            min_ft[c], paved[c], by_type[c] = need.min_runway_ft, not need.unpaved_ok, True
            surface = "unpaved strips too" if need.unpaved_ok else "paved runways"
            basis.append(
                f"type {need.typecode} ({need.family}) uses {need.min_runway_ft:,.0f}"
                f" ft, {surface}: {need.source}"
            )
        elif seen_kt[c] > s.jet_kt:
            min_ft[c], paved[c] = s.jet_runway_ft, True
            what = f"type {tc}" if isinstance(tc, str) and tc else "type unknown"
            basis.append(
                f"{what}, seen at {seen_kt[c]:.0f} kt: a jet, needs {s.jet_runway_ft:,.0f} ft paved"
            )
        else:
            basis.append("no runway need known")
    return Needs(min_ft, paved, by_type, basis)


def fit(ix: AirportIndex, airport: np.ndarray, min_ft: np.ndarray, paved: np.ndarray) -> np.ndarray:
    """Fit class (``FITS`` ... ``SHORT``) of each (airport, need) pair, vectorised; ``min_ft``
    and ``paved`` are per pair."""
    airport = np.asarray(airport, dtype=np.int64)
    longest = ix.longest_ft[airport]
    with np.errstate(invalid="ignore"):
        enough = longest >= min_ft
        paved_enough = ix.longest_paved_ft[airport] >= min_ft
        unknown_enough = ix.longest_surface_unknown_ft[airport] >= min_ft
    need = min_ft > 0
    out = np.full(len(airport), FITS, dtype=np.int8)
    not_paved = need & paved & enough & ~paved_enough
    out[not_paved] = np.where(unknown_enough[not_paved], SURFACE_UNKNOWN, UNPAVED)
    out[need & ~np.isnan(longest) & ~enough] = SHORT
    out[need & np.isnan(longest) & (ix.type_rank[airport] < 2)] = LENGTH_UNKNOWN
    return out


def _shortfall(
    ix: AirportIndex, airport: np.ndarray, klass: np.ndarray, min_ft: np.ndarray
) -> np.ndarray:
    """Per pair, 0..1: how much of the full short-runway cost applies (0 unless ``SHORT``)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        missing = 1.0 - ix.longest_ft[airport] / np.maximum(min_ft, 1.0)
    return np.where(klass == SHORT, np.clip(missing / SHORTFALL_FULL, 0.0, 1.0), 0.0)


def gap_score(
    ix: AirportIndex, airport: np.ndarray, klass: np.ndarray, min_ft: np.ndarray
) -> np.ndarray:
    """Score term (<= 0) of gap candidates ``airport`` of fit classes ``klass`` for aircraft
    needing ``min_ft`` (per pair)."""
    return GAP_SCORE[klass] + SHORT_GAP_SCORE * _shortfall(ix, airport, klass, min_ft)


def cost_km(
    ix: AirportIndex, airport: np.ndarray, klass: np.ndarray, min_ft: np.ndarray
) -> np.ndarray:
    """Extra cost (km, >= 0) of inferred-stop airports of fit classes ``klass``."""
    return COST_KM[klass] + SHORT_COST_KM * _shortfall(ix, airport, klass, min_ft)


def describe(klass: int, ix: AirportIndex, airport: int, min_ft: float) -> str:
    """Why a fit class lowers an airport's ranking, in words (empty when it fits)."""
    longest = ix.longest_ft[airport]
    if klass == LENGTH_UNKNOWN:
        return (
            "no runway length in the reference data (small airport): judged on its "
            "reference point and the track"
        )
    if klass == SHORT:
        return f"longest runway {longest:,.0f} ft, shorter than the {min_ft:,.0f} ft needed"
    if klass == UNPAVED:
        return f"runways of {min_ft:,.0f} ft or more are unpaved; a paved one is needed"
    if klass == SURFACE_UNKNOWN:
        return f"surface of the runways of {min_ft:,.0f} ft or more unknown; paved needed"
    return ""


def stop_note(ix: AirportIndex, airport: int, need: Needs, aircraft: int) -> str:
    """``"; runway: ... ranked as if 1.5 km further away"`` for an inferred stop's evidence
    when ``airport`` does not suit ``aircraft`` (an index into ``need``), else empty."""
    ap = np.array([airport])
    min_ft = need.min_ft[aircraft : aircraft + 1]
    klass = fit(ix, ap, min_ft, need.paved[aircraft : aircraft + 1])
    if klass[0] == FITS:
        return ""
    extra = float(cost_km(ix, ap, klass, min_ft)[0])
    return (
        f"; runway: {describe(int(klass[0]), ix, airport, float(min_ft[0]))} "
        f"({need.basis[aircraft]}); ranked as if {extra:.1f} km further away"
    )
