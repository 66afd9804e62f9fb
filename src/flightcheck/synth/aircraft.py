"""Aircraft types and individual aircraft for the generator (speeds in knots, rates in ft/min).

Figures are typical operating values (manufacturer brochures, Eurocontrol's Aircraft
Performance Database), not limits: the generator stays inside ``max_alt_ft`` and
``max_speed_kt`` and tests check that.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AircraftType:
    """Performance of one ICAO type designator.

    Speeds are true airspeeds in knots (the generator has no wind, so ground speed equals
    true airspeed); rates in ft/min; accelerations in m/s^2.
    """

    code: str
    description: str
    cruise_kt: float
    cruise_ft: float
    max_alt_ft: float
    rotate_kt: float
    approach_kt: float
    climb_fpm: float
    """Initial climb rate, below 10,000 ft."""
    climb_high_fpm: float
    """Climb rate above 10,000 ft."""
    descent_fpm: float
    circuit_kt: float
    hold_kt: float
    category: str = "A3"
    """ADS-B emitter category (A1 light ... A5 heavy)."""
    taxi_kt: float = 15.0
    accel_ms2: float = 2.0
    """Take-off roll acceleration."""
    decel_ms2: float = 2.0
    """Landing roll deceleration."""

    @property
    def max_speed_kt(self) -> float:
        return self.cruise_kt * 1.08


TYPES: dict[str, AircraftType] = {
    t.code: t
    for t in (
        AircraftType(
            "IL76",
            "ILYUSHIN Il-76",
            430,
            33000,
            39000,
            140,
            140,
            1800,
            900,
            2000,
            170,
            230,
            "A5",
            accel_ms2=1.6,
        ),
        AircraftType(
            "C130",
            "LOCKHEED C-130 Hercules",
            290,
            25000,
            33000,
            110,
            120,
            1500,
            800,
            1500,
            140,
            180,
            "A5",
            accel_ms2=1.8,
        ),
        AircraftType(
            "A320", "AIRBUS A-320", 450, 37000, 39800, 145, 135, 2200, 1200, 2200, 170, 220, "A3"
        ),
        AircraftType(
            "A321", "AIRBUS A-321", 450, 35000, 39800, 150, 140, 2000, 1100, 2200, 175, 220, "A3"
        ),
        AircraftType(
            "B738", "BOEING 737-800", 455, 37000, 41000, 150, 145, 2200, 1200, 2300, 175, 220, "A3"
        ),
        AircraftType(
            "A359",
            "AIRBUS A-350-900",
            488,
            39000,
            43100,
            155,
            140,
            2000,
            1000,
            2300,
            180,
            230,
            "A5",
        ),
        AircraftType(
            "AT76",
            "ATR ATR-72-600",
            275,
            23000,
            25000,
            110,
            115,
            1400,
            900,
            1500,
            130,
            170,
            "A2",
            accel_ms2=1.6,
        ),
        AircraftType(
            "AN26",
            "ANTONOV An-26",
            235,
            18000,
            24600,
            100,
            110,
            1000,
            700,
            1200,
            120,
            160,
            "A2",
            accel_ms2=1.5,
        ),
        AircraftType(
            "GLF5", "GULFSTREAM G-V", 470, 41000, 51000, 130, 130, 3000, 1600, 2500, 160, 210, "A2"
        ),
    )
}
"""Known types by ICAO designator."""


@dataclass(frozen=True)
class Aircraft:
    """One airframe: its 24-bit address and database fields."""

    icao24: str
    typecode: str
    registration: str = ""
    callsign: str = ""
    squawk: str = "1000"
    military: bool = False

    @property
    def type(self) -> AircraftType:
        return TYPES[self.typecode]
