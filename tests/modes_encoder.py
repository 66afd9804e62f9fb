"""A small Mode S encoder (CRC, CPR, altitude code) for generated raw-message fixtures.

Layouts from ICAO Annex 10 Vol IV and "The 1090 Megahertz Riddle" (Junzi Sun); every
encoder is checked against pyModeS's decoder in the tests.
"""

from __future__ import annotations

import math

from pyModeS.util import cprNL

_GENERATOR = 0x1FFF409
_CHARS = "#ABCDEFGHIJKLMNOPQRSTUVWXYZ##### ###############0123456789######"


def crc(bits: int, nbits: int) -> int:
    """Mode S parity of the first ``nbits`` bits (24-bit remainder, generator 0x1FFF409)."""
    value = bits << 24
    for shift in range(nbits + 23, 23, -1):
        if value >> shift & 1:
            value ^= _GENERATOR << (shift - 24)
    return value & 0xFFFFFF


def frame(icao: int, me: int, df: int = 17, ca: int = 5) -> str:
    """A 112-bit DF17/18 extended squitter with ``me`` (56 bits) as its payload."""
    head = (df << 83) | (ca << 80) | (icao << 56) | me
    return f"{(head << 24) | crc(head, 88):028X}"


def callsign_bits(text: str) -> int:
    """8 six-bit characters (AIS/Mode S character set), 48 bits."""
    bits = 0
    for ch in text.ljust(8):
        bits = (bits << 6) | _CHARS.index(ch)
    return bits


def altitude_code(alt_ft: float) -> int:
    """13-bit AC field, 25 ft steps (Q bit set, M bit clear)."""
    n = int(round((alt_ft + 1000) / 25))
    return ((n >> 5) << 7) | (((n >> 4) & 1) << 5) | (1 << 4) | (n & 0xF)


def cpr(lat: float, lon: float, odd: int) -> tuple[int, int]:
    dlat = 360.0 / (60 - odd)
    yz = math.floor(2**17 * (lat % dlat) / dlat + 0.5)
    rlat = dlat * (yz / 2**17 + math.floor(lat / dlat))
    dlon = 360.0 / max(cprNL(rlat) - odd, 1)
    xz = math.floor(2**17 * (lon % dlon) / dlon + 0.5)
    return yz & 0x1FFFF, xz & 0x1FFFF


def position_msg(icao: int, lat: float, lon: float, alt_ft: float, odd: int) -> str:
    """DF17 TC 11 airborne position (barometric altitude, 25 ft steps)."""
    n = int(round((alt_ft + 1000) / 25))
    alt = ((n & 0x7F0) << 1) | 0x10 | (n & 0xF)
    yz, xz = cpr(lat, lon, odd)
    me = (11 << 51) | (alt << 36) | (odd << 34) | (yz << 17) | xz
    return frame(icao, me)


def velocity_msg(icao: int, east_kt: int, north_kt: int, vr_fpm: int) -> str:
    """DF17 TC 19 subtype 1 ground speed (east/north components in knots)."""
    dew, vew = (1 if east_kt < 0 else 0), abs(east_kt) + 1
    dns, vns = (1 if north_kt < 0 else 0), abs(north_kt) + 1
    svr, vr = (1 if vr_fpm < 0 else 0), abs(vr_fpm) // 64 + 1
    me = (
        (19 << 51)
        | (1 << 48)
        | (dew << 42)
        | (vew << 32)
        | (dns << 31)
        | (vns << 21)
        | (1 << 20)
        | (svr << 19)
        | (vr << 10)
    )
    return frame(icao, me)


def ident_msg(icao: int, callsign: str) -> str:
    """DF17 TC 4 identification."""
    return frame(icao, (4 << 51) | callsign_bits(callsign))


def commb(icao: int, mb: int, alt_ft: float = 35000, df: int = 20) -> str:
    """A DF20 (altitude) or DF21 (identity, squawk 0000) Comm-B reply: AP = parity ^ icao."""
    ac = altitude_code(alt_ft) if df == 20 else 0
    head = (df << 83) | (ac << 56) | mb
    return f"{(head << 24) | (crc(head, 88) ^ icao):028X}"


def bds20(callsign: str) -> int:
    """Comm-B MB of BDS 2,0 (aircraft identification)."""
    return (0x20 << 48) | callsign_bits(callsign)


def bds40(selected_ft: int, baro_mbar: float = 1013.2) -> int:
    """Comm-B MB of BDS 4,0 as airliners send it: MCP/FCU and FMS selected altitude (16 ft
    steps), the pressure setting, mode bits (altitude hold) and target source (MCP/FCU)."""
    alt = selected_ft // 16
    baro = int(round((baro_mbar - 800.0) / 0.1))
    return (
        (1 << 55)
        | (alt << 43)
        | (1 << 42)
        | (alt << 30)
        | (1 << 29)
        | (baro << 17)
        | (1 << 8)
        | (0b010 << 5)
        | (1 << 2)
        | 2
    )


def surveillance(icao: int, alt_ft: float) -> str:
    """A DF4 surveillance altitude reply, 56 bits."""
    head = (4 << 27) | altitude_code(alt_ft)
    return f"{(head << 24) | (crc(head, 32) ^ icao):014X}"


def all_call(icao: int) -> str:
    """A DF11 all-call reply (capability 5, interrogator 0)."""
    head = (11 << 27) | (5 << 24) | icao
    return f"{(head << 24) | crc(head, 32):014X}"


def synthetic_flight(
    icao: int = 0x010075,
    n: int = 120,
    t0: float = 1_760_000_000.0,
    lat0: float = 30.0,
    lon0: float = 31.0,
) -> list[tuple[float, str]]:
    """(Unix s, hex) of an aircraft flying due north at 360 kt: positions every 0.5 s
    alternating even/odd, a velocity message every second."""
    out = []
    for k in range(n):
        t = t0 + 0.5 * k
        lat = lat0 + (360 / 3600 * 0.5 * k) / 60.0
        out.append((t, position_msg(icao, lat, lon0, 35000, k % 2)))
        if k % 2:
            out.append((t + 0.01, velocity_msg(icao, 0, 360, -640)))
    return out
