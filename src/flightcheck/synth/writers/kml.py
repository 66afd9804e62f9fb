"""FlightAware and tar1090 KML track exports (FORMATS.md sections 4 and 1)."""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd

from flightcheck.synth.airfields import airfield
from flightcheck.synth.writers._util import utc

FT = 0.3048


def flightaware_kml(
    points: pd.DataFrame, ident: str, origin: str, destination: str, title_date: str
) -> bytes:
    """FlightAware "Google Earth" KML: origin and destination airport Placemarks, then the
    flight's ``gx:Track`` with all ``<when>`` first and all ``<gx:coord>`` (lon lat alt_m,
    space-separated) after. ``title_date`` e.g. ``16-Oct-2025`` (origin local date)."""
    pts = points.sort_values("time", kind="stable").reset_index(drop=True)
    o, d = airfield(origin), airfield(destination)

    def label(a) -> str:
        from flightcheck.reference import airports

        iata = getattr(airports.get(a.ident), "iata", "") or ""
        return f"{iata} / {a.ident}" if isinstance(iata, str) and iata else a.ident

    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<kml xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="http://www.google.com/kml/ext/2.2">',
        "<Document>",
        f"    <name>FlightAware \u2708 {escape(ident)} {title_date} ({label(o)}-{label(d)})</name>",
    ]
    for a in (o, d):
        out += [
            "    <Placemark>",
            f"        <name>{a.ident} Airport</name>",
            f"        <description><![CDATA[{escape(a.name)}]]></description>",
            "        <Point>",
            f"            <coordinates>{a.lon:.6f},{a.lat:.6f},0</coordinates>",
            "        </Point>",
            "    </Placemark>",
        ]
    out += [
        "    <Placemark>",
        f"        <name>{escape(ident)}</name>",
        f"        <description>{o.ident} - {d.ident}</description>",
        "        <gx:Track>",
        "            <extrude>1</extrude>",
        "            <tessellate>1</tessellate>",
        "            <altitudeMode>absolute</altitudeMode>",
    ]
    out += [f"            <when>{utc(round(t))}</when>" for t in pts["time"]]
    for p in pts.itertuples(index=False):
        alt_m = 0.0 if p.on_ground else round(p.alt_ft * FT)
        out.append(f"            <gx:coord>{p.lon:.6f} {p.lat:.6f} {alt_m:.0f}</gx:coord>")
    out += ["        </gx:Track>", "    </Placemark>", "</Document>", "</kml>"]
    return ("\n".join(out) + "\n").encode()


def tar1090_kml(points: pd.DataFrame, registration: str) -> bytes:
    """tar1090 "Export KML" (``REG-track-press_alt_uncorrected.kml``): one Placemark per
    ground/air section, ``<when >`` then ``<gx:coord >`` with trailing-space tags, air
    sections with ``altitudeMode absolute`` and baro ft x 0.3048, ground sections without
    altitudeMode and alt 0; the last coordinate of each section is repeated."""
    pts = points.sort_values("time", kind="stable").reset_index(drop=True)
    ground = pts["on_ground"].to_numpy(bool)
    cut = np.flatnonzero(np.diff(ground.astype(int))) + 1
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<kml xmlns="http://www.opengis.net/kml/2.2" '
        'xmlns:gx="http://www.google.com/kml/ext/2.2"><Folder ><Folder >'
        f"<name >{escape(registration)} track</name>",
    ]
    for sec in np.split(np.arange(len(pts)), cut):
        if len(sec) == 0:
            continue
        sec = np.r_[sec, sec[-1]]
        on_ground = bool(ground[sec[0]])
        out += [
            f"<Placemark ><name >{escape(registration)}</name>",
            "<Style ><LineStyle ><color >ff1c1ae3</color>",
            "<width >4</width>",
            "</LineStyle>",
            "</Style>",
        ]
        out.append(
            "<gx:Track >"
            if on_ground
            else "<gx:Track ><altitudeMode >absolute</altitudeMode>\n<extrude >1</extrude>"
        )
        t = pts["time"].to_numpy(float)[sec]
        out += [f"<when >{utc(x, '%Y-%m-%dT%H:%M:%S.%f')[:-3]}Z</when>" for x in t]
        for i in sec:
            p = pts.iloc[i]
            alt = 0 if on_ground else int(round(p.alt_ft * FT))
            out.append(f"<gx:coord >{p.lon:.6f} {p.lat:.6f} {alt}</gx:coord>")
        out += ["</gx:Track>", "</Placemark>"]
    out += ["</Folder>", "</Folder>", "</kml>"]
    return ("\n".join(out) + "\n").encode()
