"""Unit conversion factors. Everything in the track table is in feet, knots, ft/min, degrees."""

FT_PER_M = 1.0 / 0.3048
"""Feet per metre (international foot, exactly 0.3048 m)."""

KT_PER_MS = 3600.0 / 1852.0
"""Knots per metre per second (nautical mile = 1852 m)."""

KT_PER_KMH = 1.0 / 1.852
"""Knots per kilometre per hour."""

FPM_PER_MS = 60.0 / 0.3048
"""Feet per minute per metre per second."""

KT_TO_KMS = 1.852 / 3600.0
"""Knots to kilometres per second."""
