"""Read OurAirports ``airports.csv`` / ``runways.csv`` dumps into flightcheck's column names.

Used by ``build_data.py`` (to make the packaged parquet files) and at run time when a user
points at a newer dump (``--airports-csv`` / ``FLIGHTCHECK_AIRPORTS_CSV``), so both paths give
identical tables. Empty fields become missing values; the text "NA" stays text (Namibia).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from flightcheck.errors import ReferenceDataError

AIRPORT_COLUMNS = {
    "ident": "ident",
    "icao_code": "icao",
    "iata_code": "iata",
    "gps_code": "gps_code",
    "name": "name",
    "type": "type",
    "latitude_deg": "lat",
    "longitude_deg": "lon",
    "elevation_ft": "elevation_ft",
    "iso_country": "country",
    "municipality": "municipality",
    "keywords": "keywords",
}
"""OurAirports airports.csv column -> flightcheck column (the ones flightcheck keeps)."""

RUNWAY_COLUMNS = {
    "airport_ident": "airport_ident",
    "le_ident": "le_ident",
    "he_ident": "he_ident",
    "le_latitude_deg": "le_lat",
    "le_longitude_deg": "le_lon",
    "he_latitude_deg": "he_lat",
    "he_longitude_deg": "he_lon",
    "le_heading_degT": "le_heading_deg",
    "he_heading_degT": "he_heading_deg",
    "le_elevation_ft": "le_elevation_ft",
    "he_elevation_ft": "he_elevation_ft",
    "length_ft": "length_ft",
    "width_ft": "width_ft",
    "surface": "surface",
    "lighted": "lighted",
    "closed": "closed",
}
"""OurAirports runways.csv column -> flightcheck column."""

_AIRPORT_TEXT = (
    "ident",
    "icao",
    "iata",
    "gps_code",
    "name",
    "type",
    "country",
    "municipality",
    "keywords",
)
_AIRPORT_FLOAT = ("lat", "lon", "elevation_ft")
_RUNWAY_TEXT = ("airport_ident", "le_ident", "he_ident", "surface")
_RUNWAY_FLOAT = (
    "le_lat",
    "le_lon",
    "he_lat",
    "he_lon",
    "le_heading_deg",
    "he_heading_deg",
    "le_elevation_ft",
    "he_elevation_ft",
    "length_ft",
    "width_ft",
)


def _read(path: str | Path, columns: dict[str, str], what: str) -> pd.DataFrame:
    try:
        head = pd.read_csv(path, nrows=0)
    except (OSError, ValueError) as exc:
        raise ReferenceDataError(f"{path}: cannot read OurAirports {what}: {exc}") from exc
    missing = sorted(set(columns) - set(head.columns))
    if missing:
        raise ReferenceDataError(
            f"{path}: not an OurAirports {what}: missing column(s) {', '.join(missing)} "
            f"(download it from https://ourairports.com/data/)"
        )
    df = pd.read_csv(
        path,
        usecols=list(columns),
        dtype=str,
        keep_default_na=False,
        na_values=[""],
        encoding="utf-8",
    )
    return df.rename(columns=columns)[list(columns.values())]


def _numbers(df: pd.DataFrame, names: tuple[str, ...]) -> None:
    for name in names:
        df[name] = pd.to_numeric(df[name], errors="coerce").astype("float64")


def _texts(df: pd.DataFrame, names: tuple[str, ...]) -> None:
    for name in names:
        df[name] = df[name].astype("str").str.strip().replace("", None)


def read_airports_csv(path: str | Path) -> pd.DataFrame:
    """OurAirports ``airports.csv`` as flightcheck's airports table, sorted by ident."""
    df = _read(path, AIRPORT_COLUMNS, "airports.csv")
    _texts(df, _AIRPORT_TEXT)
    _numbers(df, _AIRPORT_FLOAT)
    for code in ("ident", "icao", "iata", "gps_code"):
        df[code] = df[code].str.upper()
    df = df[df["ident"].notna()]
    return df.sort_values("ident", kind="stable").reset_index(drop=True)


def read_runways_csv(path: str | Path) -> pd.DataFrame:
    """OurAirports ``runways.csv`` as flightcheck's runways table, sorted by airport ident.

    ``closed`` and ``lighted`` become booleans (missing counts as False).
    """
    df = _read(path, RUNWAY_COLUMNS, "runways.csv")
    _texts(df, _RUNWAY_TEXT)
    _numbers(df, _RUNWAY_FLOAT)
    for flag in ("closed", "lighted"):
        df[flag] = pd.to_numeric(df[flag], errors="coerce").fillna(0).to_numpy() != 0
    df["airport_ident"] = df["airport_ident"].str.upper()
    df = df[df["airport_ident"].notna()]
    df = df.sort_values("airport_ident", kind="stable").reset_index(drop=True)
    df["closed"] = df["closed"].astype(bool)
    df["lighted"] = df["lighted"].astype(bool)
    return df
