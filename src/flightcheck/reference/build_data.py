"""Build the packaged reference data in ``reference/data/`` from the shared public-domain sources.

Run from the repository:  ``python -m flightcheck.reference.build_data [SOURCE_DIR]``
(SOURCE_DIR defaults to ``$FLIGHTCHECK_REFERENCE_SOURCE`` or ``/work/shared/data``; it holds
``ourairports/``, ``naturalearth/`` and ``icao/``). The output is deterministic: the same
sources give byte-identical files, and ``VERSIONS.json`` records each source file's sha256,
each packaged file's sha256, the dataset version and its licence.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from flightcheck.reference.ourairports import read_airports_csv, read_runways_csv

DATA_DIR = Path(__file__).with_name("data")

OURAIRPORTS_VERSION = "2026-08-07 (davidmegginson/ourairports-data@fb351869b5e5)"
NATURALEARTH_VERSION = "5.1.1"
ICAO_VERSION = "tar1090 html/flags.js @9508b4e1 (2025-11-10)"
MILITARY_VERSION = "readsb aircraft.c isMilRange() @7086b20e (2024-09-17)"

MID_ISO_FIXES = {"UK": "GB"}
"""pyais writes ``UK`` for MID 740; the ISO 3166 code of the United Kingdom is GB."""

NO_ISO_CODE = {"Somaliland": "SO", "Northern Cyprus": "CY", "Siachen Glacier": "IN"}
"""Natural Earth polygons whose ISO_A2_EH is -99: the ISO 3166 state OurAirports files their
airports under (Hargeisa -> SO, Ercan -> CY); the Siachen Glacier is Indian-administered."""

LICENSES = {
    "ourairports": "Public domain (OurAirports; the Unlicense)",
    "naturalearth": "Public domain (Natural Earth terms of use; 'Made with Natural Earth')",
    "icao": "Facts from ICAO Annex 10 Vol. III Ch. 9 appendix, as tabulated in tar1090 "
    "(wiedehopf/tar1090 html/flags.js); no code copied",
    "military": "Facts (address ranges) as listed in readsb (wiedehopf/readsb aircraft.c "
    "isMilRange); no code copied",
    "mid": "MIT (pyais, Copyright (c) 2019 M0r13n); the allocations are facts from the ITU "
    "table of Maritime Identification Digits (ITU-R M.585)",
}


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    table = pa.Table.from_pandas(df, preserve_index=False)
    table = table.replace_schema_metadata(None)  # no pandas metadata: deterministic, small
    pq.write_table(
        table,
        path,
        compression="zstd",
        compression_level=19,
        use_dictionary=True,
        write_statistics=False,
    )


def build_airports(source: Path, out: Path) -> list[dict]:
    """airports.parquet and runways.parquet from OurAirports CSVs."""
    src = source / "ourairports"
    _write_parquet(read_airports_csv(src / "airports.csv"), out / "airports.parquet")
    _write_parquet(read_runways_csv(src / "runways.csv"), out / "runways.parquet")
    names = pd.read_csv(src / "countries.csv", dtype=str, keep_default_na=False)
    (out / "country_names.json").write_text(
        json.dumps(
            dict(zip(names["code"], names["name"], strict=True)),
            ensure_ascii=False,
            sort_keys=True,
            indent=0,
        )
        + "\n",
        encoding="utf-8",
    )
    return [
        _entry(
            "ourairports_airports",
            OURAIRPORTS_VERSION,
            src / "airports.csv",
            out / "airports.parquet",
            "ourairports",
            "https://ourairports.com/data/",
        ),
        _entry(
            "ourairports_runways",
            OURAIRPORTS_VERSION,
            src / "runways.csv",
            out / "runways.parquet",
            "ourairports",
            "https://ourairports.com/data/",
        ),
        _entry(
            "ourairports_countries",
            OURAIRPORTS_VERSION,
            src / "countries.csv",
            out / "country_names.json",
            "ourairports",
            "https://ourairports.com/data/",
        ),
    ]


def build_countries(source: Path, out: Path, scale: str) -> dict:
    """countries_<scale>.parquet: iso2 (ISO_A2_EH, -99 fixed), name, admin, WKB geometry."""
    src = source / "naturalearth" / f"ne_{scale}_admin_0_countries.geojson"
    features = json.loads(src.read_text(encoding="utf-8"))["features"]
    rows = []
    for feature in features:
        props = feature["properties"]
        iso2 = props["ISO_A2_EH"]
        if iso2 in (None, "", "-99"):
            iso2 = NO_ISO_CODE.get(props["ADMIN"])
        geom = shapely.geometry.shape(feature["geometry"])
        rows.append(
            {
                "iso2": iso2,
                "name": props["NAME_EN"],
                "admin": props["ADMIN"],
                "iso_a2_eh": props["ISO_A2_EH"],
                "geometry": shapely.to_wkb(geom, output_dimension=2),
            }
        )
    path = out / f"countries_{scale}.parquet"
    _write_parquet(pd.DataFrame(rows), path)
    return _entry(
        f"naturalearth_admin0_{scale}",
        NATURALEARTH_VERSION,
        src,
        path,
        "naturalearth",
        "https://www.naturalearthdata.com/",
    )


def build_icao(source: Path, out: Path) -> list[dict]:
    """The two small ICAO CSVs are copied unchanged."""
    entries = []
    for name, version, lic, url in (
        ("icao_address_blocks", ICAO_VERSION, "icao", "https://github.com/wiedehopf/tar1090"),
        (
            "military_address_ranges",
            MILITARY_VERSION,
            "military",
            "https://github.com/wiedehopf/readsb",
        ),
    ):
        src = source / "icao" / f"{name}.csv"
        shutil.copyfile(src, out / src.name)
        entries.append(_entry(name, version, src, out / src.name, lic, url))
    return entries


def build_mid(out: Path) -> dict:
    """``mid_flags.csv`` (mid, iso2, country) from pyais's MID table, sorted by MID."""
    import pyais
    import pyais.constants

    rows = sorted(
        (mid, MID_ISO_FIXES.get(iso2, iso2), name)
        for mid, (iso2, name) in pyais.constants.COUNTRY_MAPPING.items()
    )
    packaged = out / "mid_flags.csv"
    lines = ["mid,iso2,country"] + [f'{mid},{iso2},"{name}"' for mid, iso2, name in rows]
    packaged.write_text("\n".join(lines) + "\n", encoding="utf-8")
    src = Path(pyais.constants.__file__)
    version = f"pyais {pyais.__version__} pyais/constants.py COUNTRY_MAPPING"
    return _entry("itu_mid_flags", version, src, packaged, "mid", "https://github.com/M0r13n/pyais")


def _entry(dataset: str, version: str, src: Path, packaged: Path, lic: str, url: str) -> dict:
    return {
        "dataset": dataset,
        "version": version,
        "source": url,
        "source_file": src.name,
        "source_sha256": sha256_of(src),
        "packaged_file": packaged.name,
        "packaged_sha256": sha256_of(packaged),
        "packaged_bytes": packaged.stat().st_size,
        "license": LICENSES[lic],
    }


def build(source: Path, out: Path = DATA_DIR) -> list[dict]:
    """Build every packaged file into ``out`` and write ``VERSIONS.json``; returns its entries."""
    out.mkdir(parents=True, exist_ok=True)
    entries = build_airports(source, out)
    entries += [build_countries(source, out, scale) for scale in ("50m", "110m")]
    entries += build_icao(source, out)
    entries.append(build_mid(out))
    (out / "VERSIONS.json").write_text(json.dumps(entries, indent=2) + "\n", encoding="utf-8")
    return entries


def main(argv: list[str] | None = None) -> None:
    """Command-line entry: build from SOURCE_DIR and print what was written."""
    argv = sys.argv[1:] if argv is None else argv
    default = os.environ.get("FLIGHTCHECK_REFERENCE_SOURCE", "/work/shared/data")
    source = Path(argv[0] if argv else default)
    for entry in build(source):
        print(
            f"{entry['packaged_file']:32s} {entry['packaged_bytes']:>10,d} B  "
            f"{entry['packaged_sha256'][:16]}  <- {entry['source_file']}"
        )


if __name__ == "__main__":
    main()
