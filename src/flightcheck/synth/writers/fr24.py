"""Flightradar24 exports (FORMATS.md section 3): CSV, granular CSV and KML."""

from __future__ import annotations

from html import escape

import pandas as pd

from flightcheck.synth.writers._util import intish, ms, thousands, utc

FT = 0.3048


def _one(points: pd.DataFrame) -> pd.DataFrame:
    return points.sort_values("time", kind="stable").reset_index(drop=True)


def fr24_csv(points: pd.DataFrame) -> bytes:
    """``Timestamp,UTC,Callsign,Position,Altitude,Speed,Direction``; Position is one quoted
    ``"lat,lon"`` field, Altitude barometric ft (0 on the ground), Speed kt, Direction deg."""
    pts = _one(points)
    lines = ["Timestamp,UTC,Callsign,Position,Altitude,Speed,Direction"]
    for p in pts.itertuples(index=False):
        ts = int(round(p.time))
        alt = 0 if p.on_ground else int(round(p.alt_ft))
        lines.append(
            f'{ts},{utc(ts)},{p.callsign},"{p.lat:.6f},{p.lon:.6f}",{alt},'
            f"{intish(p.gs_kt)},{int(round(p.track_deg)) % 360}"
        )
    return ("\n".join(lines) + "\n").encode()


GRANULAR_HEADER = (
    "network_time,receiver_time,hex,callsign,latitude,longitude,no_position,"
    "altitude,squawk,speed,track,vspeed,on_ground,flags,position_class" + "," * 16
)
"""15 named columns, then 16 unnamed ones for the ``KEY:value`` pairs."""


def fr24_granular(points: pd.DataFrame) -> bytes:
    """The granular ADS-B CSV: times ``YYYY-MM-DD HH:MM:SSZ.mmm`` (milliseconds after the
    Z; ``receiver_time`` is the reception, ``network_time`` 0.2-0.5 s later), hex
    ``0x``-prefixed, on_ground ``A`` (air) or ``G`` (ground), trailing ``KEY:value`` columns
    padded to a fixed count."""
    pts = _one(points)
    lines = [GRANULAR_HEADER]
    for i, p in enumerate(pts.itertuples(index=False)):
        net_t = p.time + 0.2 + (i % 7) * 0.05  # forwarded to FR24 a little later
        net = f"{utc(net_t, '%Y-%m-%d %H:%M:%S')}Z.{ms(net_t)}"
        rec = f"{utc(p.time, '%Y-%m-%d %H:%M:%S')}Z.{ms(p.time)}"
        ground = bool(p.on_ground)
        alt = 0 if ground else int(round(p.alt_ft))
        extra = ["P:8", "S:ADS-B" if p.position_source != "mlat" else "S:MLAT", "C:25", "ES:0"]
        if not ground:
            extra += [
                f"GPSA:{int(round(p.alt_geom_ft))}",
                f"TAS:{intish(p.gs_kt)}",
                f"HDG:{int(round(p.track_deg)) % 360}",
                "ROLL:0.0",
            ]
        extra += [""] * (16 - len(extra))
        cells = [
            net,
            rec,
            f"0x{p.icao24}",
            p.callsign,
            f"{p.lat:.5f}",
            f"{p.lon:.5f}",
            "P",
            str(alt),
            str(int(p.squawk)),
            intish(p.gs_kt),
            str(int(round(p.track_deg)) % 360),
            intish(0 if ground else p.vrate_fpm),
            "G" if ground else "A",
            "0",
            "ADS-B",
            *extra,
        ]
        lines.append(",".join(cells))
    return ("\n".join(lines) + "\n").encode()


def fr24_kml(
    points: pd.DataFrame,
    flight: str,
    origin: str = "",
    destination: str = "",
    registration: str = "",
    type_name: str = "",
) -> bytes:
    """The "Download KML" export: ``<Document><name>FLIGHT/CALLSIGN`` and a Route folder with
    one Placemark per fix (``coordinates`` lon,lat,alt in metres; ``Altitude: 3,300 ft``)."""
    pts = _one(points)
    callsign = pts["callsign"].iloc[0]
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<kml xmlns="http://www.opengis.net/kml/2.2">',
        "  <Document>",
        f"    <name>{escape(flight)}/{escape(callsign)}</name>",
        f"    <description><![CDATA[<div>{escape(flight)} / {escape(callsign)}<br/>"
        f"{escape(origin)} - {escape(destination)}<br/>Aircraft: {escape(type_name)}<br/>"
        f"Registration: {escape(registration)}</div>]]></description>",
        "    <Folder>",
        "      <name>Route</name>",
    ]
    for p in pts.itertuples(index=False):
        ts = int(round(p.time))
        alt_ft = 0 if p.on_ground else int(round(p.alt_ft))
        hdg = int(round(p.track_deg)) % 360
        alt_m = round(alt_ft * FT, 2)
        alt_txt = f"{alt_m:g}" if alt_m else "0"
        out += [
            "      <Placemark>",
            f"        <name>{utc(ts, '%Y-%m-%d %H:%M:%S')} UTC</name>",
            "        <description><![CDATA[<div><div><span><b>Altitude:</b></span> "
            f"<span>{thousands(alt_ft)} ft</span></div>",
            f"<div><span><b>Speed:</b></span> <span>{intish(p.gs_kt)} kt</span></div>",
            f"<div><span><b>Heading:</b></span> <span>{hdg}&deg;</span></div>",
            "</div>]]></description>",
            "        <TimeStamp>",
            f"          <when>{utc(ts, '%Y-%m-%dT%H:%M:%S')}+00:00</when>",
            "        </TimeStamp>",
            "        <Style>",
            "          <IconStyle>",
            f"            <heading>{hdg}</heading>",
            "            <Icon>",
            "              <href>http://maps.google.com/mapfiles/kml/shapes/airports.png</href>",
            "            </Icon>",
            "          </IconStyle>",
            "        </Style>",
            "        <Point>",
            "          <altitudeMode>absolute</altitudeMode>",
            f"          <coordinates>{p.lon:.6f},{p.lat:.6f},{alt_txt}</coordinates>",
            "        </Point>",
            "      </Placemark>",
        ]
    out += ["    </Folder>", "  </Document>", "</kml>"]
    return ("\n".join(out) + "\n").encode()


__all__ = ["fr24_csv", "fr24_granular", "fr24_kml"]
