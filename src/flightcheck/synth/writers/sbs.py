"""SBS-1 / BaseStation port-30003 logs (FORMATS.md section 6).

Each fix becomes an ``MSG,3`` (airborne position) or ``MSG,2`` (surface position) line, an
``MSG,4`` velocity line, and every 10th fix an ``MSG,1`` identification line (callsign);
22 fields, hex uppercase, CRLF line ends. Times are UTC as readsb writes them, or the local
time of ``tz`` as dump1090 forks do.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pandas as pd

from flightcheck.synth.writers._util import intish


def sbs_log(points: pd.DataFrame, tz: str = "UTC") -> bytes:
    """The fixes of all aircraft, interleaved in time order, as an SBS log."""
    pts = points.sort_values(["time", "icao24"], kind="stable").reset_index(drop=True)
    zone = ZoneInfo(tz)
    times = pd.to_datetime(pts["time"], unit="s", utc=True).dt.tz_convert(zone)
    lines = []
    for i, (p, ts) in enumerate(zip(pts.itertuples(index=False), times, strict=True)):
        date, clock = f"{ts:%Y/%m/%d}", f"{ts:%H:%M:%S}.{ts.microsecond // 1000:03d}"
        stamp = f"{date},{clock},{date},{clock}"
        hexid = p.icao24.upper()
        head = f"1,1,{hexid},1,{stamp}"
        ground = bool(p.on_ground)
        if i % 10 == 0:
            lines.append(f"MSG,1,{head},{p.callsign},,,,,,,,,,,0")
        if ground:
            lines.append(
                f"MSG,2,{head},,{int(round(p.alt_ft))},{intish(p.gs_kt)},"
                f"{intish(p.track_deg)},{p.lat:.5f},{p.lon:.5f},,,,,,-1"
            )
        else:
            lines.append(
                f"MSG,3,{head},,{int(round(p.alt_ft))},,,{p.lat:.5f},{p.lon:.5f},,,0,0,0,0"
            )
            lines.append(
                f"MSG,4,{head},,,{intish(p.gs_kt)},{intish(p.track_deg)},,,"
                f"{intish(p.vrate_fpm)},,0,0,0,0"
            )
    return ("\r\n".join(lines) + "\r\n").encode()
