"""EngineSettings: every tuning threshold of the engine, in one frozen, picklable dataclass.

The defaults are the thresholds the accuracy benchmarks were tuned with; findings published
with other values must say so, so every JSON output and manifest records the settings in
effect (:meth:`EngineSettings.to_dict`). Each field carries its unit and a one-line reason
(``dataclasses.fields(EngineSettings)[i].metadata``), listed by ``flightcheck settings``.

Set them from Python (``EngineSettings(min_dwell_s=900)`` or ``settings.replace(...)``) or in
a case file's ``[settings]`` table (:meth:`EngineSettings.from_mapping`). Values are checked
when the object is made: a wrong type or an out-of-range value raises :class:`SettingsError`
naming the field.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flightcheck.errors import FlightcheckError

POSITIVE = "positive"
NON_NEGATIVE = "non-negative"
ANY = "any"
SHARE = "share"  # 0 < x < 1


class SettingsError(FlightcheckError):
    """A setting has an unknown name, a wrong type or a value out of range (exit code 2)."""

    exit_code = 2

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        self.message = message
        super().__init__(f"{key}: {message}")

    def __reduce__(self):  # survive pickling (errors come back from worker processes)
        return (type(self), (self.key, self.message))


def _f(
    default: float, unit: str, reason: str, group: str, check: str = POSITIVE, integer=False
) -> Any:
    meta = {"unit": unit, "reason": reason, "group": group, "check": check, "integer": integer}
    return field(default=default, metadata=meta)


def _clean(default, unit, reason, check=POSITIVE, integer=False):
    return _f(default, unit, reason, "cleaning", check, integer)


def _stop(default, unit, reason, check=POSITIVE):
    return _f(default, unit, reason, "stops", check)


def _edge(default, unit, reason, check=POSITIVE, integer=False):
    return _f(default, unit, reason, "edges", check, integer)


def _gap(default, unit, reason, check=POSITIVE, integer=False):
    return _f(default, unit, reason, "gaps", check, integer)


def _event(default, unit, reason, check=POSITIVE):
    return _f(default, unit, reason, "events", check)


def _vessel(default, unit, reason, check=POSITIVE, integer=False):
    return _f(default, unit, reason, "vessels", check, integer)


def _assign(default, unit, reason, check=POSITIVE):
    return _f(default, unit, reason, "airport assignment", check)


def _route(default, unit, reason, check=POSITIVE, integer=False):
    return _f(default, unit, reason, "routes", check, integer)


def _reach(default, unit, reason, check=POSITIVE):
    return _f(default, unit, reason, "verify", check)


@dataclass(frozen=True)
class EngineSettings:
    """The engine's thresholds (units in each name's suffix and in ``metadata["unit"]``)."""

    # cleaning: track/flags.py (flagged fixes) and segment/phases.py (fixes the engine drops)
    max_speed_kt: float = _clean(1000.0, "kt", "fastest plausible ground speed between two fixes")
    jump_slack_km: float = _clean(
        1.5, "km", "distance a fix may be off before the speed test applies (position noise)"
    )
    mlat_jump_slack_km: float = _clean(
        5.0, "km", "the same slack for MLAT fixes, which are noisier"
    )
    spike_ft: float = _clean(
        1500.0, "ft", "altitude difference from both neighbours that makes one altitude a spike"
    )
    max_vrate_fpm: float = _clean(
        8000.0, "ft/min", "fastest plausible climb or descent (added to spike_ft per minute)"
    )
    spike_window_fixes: int = _clean(
        7, "fixes", "neighbours an altitude is compared with when flagging spikes", integer=True
    )
    max_alt_ft: float = _clean(65000.0, "ft", "highest plausible altitude; above is flagged")
    min_alt_ft: float = _clean(
        -2000.0, "ft", "lowest plausible altitude (Dead Sea, baro error); below is flagged", ANY
    )
    same_place_km: float = _clean(
        1.0, "km", "two positions of one instant closer than this are noise, not a conflict"
    )
    ground_speed_kt: float = _clean(
        35.0, "kt", "without a ground flag, a fix slower than this is on the ground"
    )
    ground_flag_max_kt: float = _clean(250.0, "kt", "a ground flag on a faster fix is ignored")
    derived_speed_min_dt_s: float = _clean(
        5.0, "s", "shortest time over which a speed is derived from positions"
    )
    ground_alt_ft: float = _clean(
        300.0, "ft", "a fix with a derived ground speed is on the ground only this low"
    )
    roll_kt: float = _clean(
        180.0, "kt", "without a ground flag, a fix this slow at field elevation is rolling"
    )
    roll_radius_km: float = _clean(3.0, "km", "... when this near an airport's reference point")
    field_tolerance_ft: float = _clean(
        100.0, "ft", "... and at most this far above the field elevation"
    )
    geometric_tolerance_ft: float = _clean(
        350.0, "ft", "... or this far for a GNSS altitude (geoid up to ~100 m off the ellipsoid)"
    )
    field_radius_km: float = _clean(
        10.0, "km", "airports this near a fix give the field elevation for the ground test"
    )
    stale_repeat_kt: float = _clean(
        50.0, "kt", "a fix faster than this at exactly the previous fix's position is stale"
    )

    # stops: segment/stops.py and segment/context.py
    min_silence_s: float = _stop(
        600.0, "s", "shortest silence examined for an inferred stop and reported as a gap"
    )
    min_dwell_s: float = _stop(
        600.0, "s", "least time on the ground an inferred stop must leave room for"
    )
    touch_and_go_kt: float = _stop(
        50.0, "kt", "a ground run that never slows below this may be a touch-and-go"
    )
    touch_and_go_s: float = _stop(
        120.0, "s", "... when it lasts at most this long between airborne fixes"
    )
    touch_and_go_airport_km: float = _stop(
        3.0, "km", "... and fits an airport this near (else a fast run cut short is no stop)"
    )
    touch_and_go_gap_s: float = _stop(
        180.0, "s", "... with airborne fixes at most this long before and after it"
    )
    taxi_kt: float = _stop(
        60.0, "kt", "airborne-flagged fixes slower than this between ground runs are taxi flicker"
    )
    ground_break_km: float = _stop(
        3.0, "km", "consecutive ground fixes further apart belong to different stops"
    )
    ground_radius_km: float = _stop(10.0, "km", "a ground run this near an airport is a stop there")
    ground_ambiguous_km: float = _stop(
        1.0, "km", "a ground run's second airport costing less than this more is a close call"
    )
    inferred_ambiguous_km: float = _stop(
        1.5, "km", "an inferred stop's second airport costing less than this more is a close call"
    )
    runway_search_km: float = _stop(
        25.0, "km", "an airborne fix this near an airport is checked for its runway centrelines"
    )
    ground_move_max_kt: float = _stop(
        250.0, "kt", "fastest movement on the ground (a take-off roll ends well below this)"
    )
    ground_slack_km: float = _stop(
        0.3, "km", "position noise allowed before the ground speed limit applies"
    )
    envelope_base_ft: float = _stop(
        2000.0, "ft", "approach envelope: height allowed above the airport at 0 km"
    )
    envelope_ft_per_km: float = _stop(
        350.0, "ft/km", "... plus this per km (about twice a 3-degree glide path)"
    )
    infer_radius_km: float = _stop(
        80.0, "km", "airports this near both ends of a silence may explain it as a stop"
    )
    approach_kt: float = _stop(
        150.0, "kt", "speed flown between the last fix and touchdown (and lift-off, first fix)"
    )
    window_silence_s: float = _stop(
        300.0, "s", "a silence longer than this next to a ground run gives a time window"
    )
    default_cruise_kt: float = _stop(
        250.0, "kt", "speed assumed for an aircraft whose ground speed is never reported"
    )
    jet_kt: float = _stop(
        280.0, "kt", "an aircraft of unknown type seen faster than this needs a jet's runway"
    )
    jet_runway_ft: float = _stop(
        4000.0, "ft", "the paved runway a jet of unknown type needs (ranks airports only)"
    )
    runway_window_s: float = _stop(
        600.0, "s", "the airborne fix next to a ground run names its runway only this close"
    )
    window_fast_kt: float = _stop(
        250.0, "kt", "least speed for the early (late) edge of an arrival (departure) window"
    )
    trend_window_s: float = _stop(
        300.0, "s", "a missing vertical rate is the altitude change to a fix this close"
    )
    infer_trend_fpm: float = _stop(
        500.0, "ft/min", "climbing before (descending after) a silence rules out a stop in it"
    )
    heading_check_km: float = _stop(
        15.0, "km", "further than this, an inferred stop's fixes must head to (from) the airport"
    )
    heading_max_deg: float = _stop(100.0, "deg", "... within this of the bearing to (from) it")
    neighbour_window_s: float = _stop(
        120.0, "s", "a missing track or edge vertical rate comes from a neighbour this close"
    )
    cruise_max_gs_kt: float = _stop(
        650.0, "kt", "faster ground speeds are errors, left out of an aircraft's cruise speed"
    )
    cruise_seen_min_kt: float = _stop(
        60.0, "kt", "a fastest airborne speed at most this is no cruise speed (unknown)"
    )
    cruise_min_kt: float = _stop(90.0, "kt", "a cruise speed seen is raised to at least this")
    cruise_max_kt: float = _stop(600.0, "kt", "... and lowered to at most this")

    # stops open at the data's edges: segment/edges.py
    edge_radius_km: float = _edge(
        15.0, "km", "largest distance from the runway of a first/last fix opening a stop"
    )
    edge_base_ft: float = _edge(500.0, "ft", "arrival envelope: height allowed at the threshold")
    edge_ft_per_km: float = _edge(
        280.0, "ft/km", "... plus this per km (a 4.7-degree path plus altimeter error)"
    )
    depart_base_ft: float = _edge(
        1200.0, "ft", "departure envelope: height allowed over the runway's far end"
    )
    depart_ft_per_km: float = _edge(500.0, "ft/km", "... plus this per km (an 8 % climb)")
    edge_no_runway_km: float = _edge(
        5.0, "km", "an airport without runway coordinates qualifies this near its reference"
    )
    edge_no_altitude_km: float = _edge(
        4.0, "km", "without an altitude the fix must be on a centreline this near the threshold"
    )
    max_edge_kt: float = _edge(
        250.0, "kt", "a first/last fix faster than this is cruising, not arriving or departing"
    )
    edge_trend_fpm: float = _edge(
        300.0, "ft/min", "climbing (descending) faster than this rules out an arrival (departure)"
    )
    edge_heading_deg: float = _edge(
        45.0, "deg", "largest track-to-bearing difference for an airport without runways"
    )
    edge_approach_kt: float = _edge(
        140.0, "kt", "speed assumed from the last fix to touchdown (first fix from lift-off)"
    )
    open_end_horizon_s: float = _edge(
        3600.0, "s", "data ending in flight: airports reachable in this time are listed"
    )
    open_end_far_km: float = _edge(
        50.0, "km", "a last fix this near a medium or large airport is not an open end"
    )
    open_end_descent_ft_per_km: float = _edge(
        172.0, "ft/km", "a 3-degree descent: from height h an aircraft lands h / this km on"
    )
    open_end_max_candidates: int = _edge(
        5, "airports", "most airports listed for an open end", integer=True
    )
    edge_reference_km: float = _edge(
        1.5, "km", "an airport without runway coordinates this near qualifies whatever the track"
    )
    open_end_ahead_deg: float = _edge(
        90.0, "deg", "airports further than this off an open end's track are behind it"
    )

    # gaps and their candidate airports: segment/gaps.py
    gap_margin_s: float = _gap(
        900.0, "s", "unaccounted time over max(this, share x direct time) gives candidates"
    )
    gap_margin_share: float = _gap(0.15, "1", "... the share of the direct flight time", SHARE)
    min_turn_s: float = _gap(600.0, "s", "least time on the ground at a candidate airport")
    gap_max_candidates: int = _gap(10, "airports", "most candidates listed per gap", integer=True)
    parked_km: float = _gap(
        3.0, "km", "a silence with both ends on the ground this close is parked, no gap"
    )
    descent_ft_per_nm: float = _gap(318.0, "ft/NM", "a 3-degree descent, for the profile term")
    steep_ft_per_nm: float = _gap(700.0, "ft/NM", "the steepest plausible descent or climb")
    climb_ft_per_nm: float = _gap(330.0, "ft/NM", "a typical average climb to the first fix")
    gap_trend_fpm: float = _gap(300.0, "ft/min", "a vertical rate beyond this is a descent/climb")
    heading_min_km: float = _gap(
        5.0, "km", "the heading term counts only for candidates further than this"
    )
    heading_slack_km: float = _gap(
        15.0, "km", "the heading tolerance widens by the angle this subtends (airways)"
    )
    heading_cap: float = _gap(6.0, "score", "largest penalty of the heading term")
    detour_weight: float = _gap(
        1.0, "score", "weight of the share of the ellipse's slack a detour uses", NON_NEGATIVE
    )
    short_runway_ft: float = _gap(
        6000.0, "ft", "a jet judged by speed is penalised at a runway shorter than this"
    )
    multi_stop_cost: float = _gap(
        3.5, "score", "cost of reading a silence as several stops (prior odds ~3 %)", NON_NEGATIVE
    )
    multi_stop_s: float = _gap(
        5400.0, "s", "a silence may hide several stops only when this much is left on the ground"
    )
    near_km: float = _gap(
        40.0, "km", "airports too short for the aircraft count when this near a low gap end"
    )

    # go-arounds and holds: segment/events.py
    go_around_agl_ft: float = _event(
        1500.0, "ft", "an altitude valley at most this above an airport may be a go-around"
    )
    go_around_runway_km: float = _event(
        3.0, "km", "... within this of a runway or on its extended centreline"
    )
    go_around_rise_ft: float = _event(
        400.0, "ft", "... with at least this descent before and climb after"
    )
    go_around_window_s: float = _event(
        300.0, "s", "... within this time, and no ground fix within it"
    )
    event_max_step_s: float = _event(
        90.0, "s", "events need continuous coverage: no silence longer than this"
    )
    hold_turn_deg: float = _event(
        340.0, "deg", "net turn in one direction that makes a holding lap"
    )
    hold_window_s: float = _event(900.0, "s", "longest time for one holding lap")
    turning_deg_s: float = _event(0.5, "deg/s", "a step turning faster than this is part of a turn")
    wiggle_deg: float = _event(
        30.0, "deg", "a turn the other way adding up to less than this is noise"
    )
    straight_s: float = _event(300.0, "s", "a straight stretch longer than this ends a hold")
    circuit_s: float = _event(
        900.0, "s", "a lap this soon after a go-around or take-off is the circuit, not a hold"
    )
    hold_max_radius_km: float = _event(
        40.0, "km", "a turning stretch that stays this near its centre is a hold"
    )
    hold_airport_km: float = _event(
        60.0, "km", "a hold's centre is named after the best airport at most this far away"
    )
    go_around_max_ft: float = _event(
        15000.0, "ft", "altitude valleys at or above this are not examined for go-arounds"
    )
    go_around_search_km: float = _event(
        15.0, "km", "airports this near a valley's lowest fix are scored for a go-around"
    )
    heading_move_km: float = _event(
        0.3, "km", "a missing track is the bearing to a neighbour only when it moved this far"
    )

    # which airport and runway: segment/assign.py
    off_centreline_km: float = _assign(
        3.0, "km", "extra cost of a fix on no runway's extended centreline"
    )
    align_deg: float = _assign(
        30.0, "deg", "largest track-to-runway-heading difference that counts as aligned"
    )
    cone_share: float = _assign(
        0.12, "1", "half-width of the approach cone as a share of the distance to threshold"
    )
    cone_min_km: float = _assign(0.6, "km", "half-width of the cone at the threshold")
    assign_no_runway_km: float = _assign(
        1.0, "km", "cost of an aligned airport without runway coordinates; the cone's slack"
    )

    # port visits and AIS silences of vessels: segment/vessels.py
    vessel_enter_kt: float = _vessel(
        0.5, "kn", "a stay starts at the first fix with SOG under this"
    )
    vessel_exit_kt: float = _vessel(
        1.5, "kn", "... and lasts while SOG stays under this (a vessel creeping along the quay)"
    )
    vessel_spike_s: float = _vessel(
        600.0, "s", "a faster burst shorter than this that ends near its start is a GNSS spike"
    )
    vessel_spike_km: float = _vessel(0.5, "km", "... when it ends this near where it began")
    vessel_move_km: float = _vessel(
        1.0, "km", "slow fixes further apart than this are different stays"
    )
    vessel_min_stay_s: float = _vessel(
        1800.0, "s", "shortest stay that is a port visit or anchorage; least time in port"
    )
    vessel_merge_s: float = _vessel(
        7200.0, "s", "stays at one port less than this apart are one visit (shifting berth)"
    )
    anchorage_context_km: float = _vessel(
        50.0, "km", "an anchorage names the nearest port within this, for context"
    )
    vessel_window_silence_s: float = _vessel(
        1800.0, "s", "a silence longer than this next to a stay gives an arrival window"
    )
    vessel_min_gap_s: float = _vessel(1800.0, "s", "shortest AIS silence reported as a gap")
    vessel_margin_s: float = _vessel(
        3600.0, "s", "unaccounted time over max(this, share x direct) gives candidate ports"
    )
    vessel_margin_share: float = _vessel(
        0.15, "1", "... the share of the direct passage time", SHARE
    )
    vessel_service_kt: float = _vessel(
        12.0, "kn", "service speed assumed when a vessel's SOG under way is unknown"
    )
    vessel_min_service_kt: float = _vessel(5.0, "kn", "least service speed assumed")
    vessel_max_candidates: int = _vessel(
        10, "ports", "most candidate ports listed per gap", integer=True
    )

    # legs and merged sources: routes/
    leg_covered_gap_s: float = _route(
        300.0, "s", "fixes at most this far apart count as continuous coverage of a leg"
    )
    vessel_leg_covered_gap_s: float = _route(
        900.0, "s", "AIS fixes at most this far apart count as continuous coverage"
    )
    reconcile_max_offset_s: float = _route(
        60.0, "s", "largest clock offset between two sources that is corrected"
    )
    reconcile_min_overlap_fixes: int = _route(
        20, "fixes", "overlapping fixes needed to estimate a clock offset", integer=True
    )
    reconcile_max_interp_gap_s: float = _route(
        60.0, "s", "positions are interpolated between fixes at most this far apart"
    )
    reconcile_same_moment_s: float = _route(
        1.0, "s", "fixes of two sources this close in time (aligned) may be one report"
    )
    reconcile_noise_m: float = _route(
        150.0, "m", "... when this close in place: a near-duplicate, merged into one fix"
    )
    match_max_median_m: float = _route(
        1500.0, "m", "a track without an address joins an aircraft agreeing within this median"
    )
    single_source_min_s: float = _route(
        600.0, "s", "stretches seen by one source alone are listed from this long"
    )
    mlat_only_min_s: float = _route(
        300.0, "s", "stretches of MLAT-only fixes are listed from this long"
    )

    # verify: case/reach.py (contradicted only when the data rules a claim out)
    wind_allowance_kt: float = _reach(
        100.0, "kt", "tailwind added to the fastest observed ground speed", NON_NEGATIVE
    )
    max_reach_kt: float = _reach(
        700.0, "kt", "upper bound of the assumed speed (faster than any transport)"
    )
    unknown_reach_kt: float = _reach(
        600.0, "kt", "speed assumed when the data gives none and none can be derived"
    )
    reach_max_vrate_fpm: float = _reach(
        12000.0, "ft/min", "fastest descent or climb assumed (a tactical descent)"
    )
    reach_min_stop_s: float = _reach(
        60.0, "s", "least time a full stop takes on the ground (landing and take-off roll)"
    )
    ground_roll_s: float = _reach(
        30.0, "s", "least time from a ground fix elsewhere to being airborne", NON_NEGATIVE
    )
    airport_extent_km: float = _reach(
        3.0, "km", "an aircraft this near an airport's reference point is at the airport"
    )
    presence_radius_km: float = _reach(
        10.0, "km", "a presence claim about an airport means within this distance of it"
    )
    at_place_s: float = _reach(
        5.0, "s", "a fix needing at most this long to be at the place counts as there"
    )
    reach_derived_min_dt_s: float = _reach(
        30.0, "s", "positions this far apart in time give a derived speed"
    )
    reach_error_kt: float = _reach(
        650.0, "kt", "faster observed or derived speeds are errors, left out of the bound"
    )
    reach_derived_min_kt: float = _reach(
        60.0, "kt", "a fastest derived speed below this gives no bound (unknown_reach_kt then)"
    )

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            _check(f, value)
            # one type per field (TOML writes 900 for 900.0): equal settings compare equal
            object.__setattr__(self, f.name, int(value) if f.metadata["integer"] else float(value))
        if self.min_alt_ft >= self.max_alt_ft:
            raise SettingsError("min_alt_ft", f"must be below max_alt_ft ({self.max_alt_ft:g})")

    def replace(self, **changes: Any) -> EngineSettings:
        """A copy with ``changes`` (field name -> value), checked like a new object."""
        unknown = sorted(set(changes) - set(names()))
        if unknown:
            raise SettingsError(unknown[0], _unknown_hint(unknown[0]))
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, float | int]:
        """Every field -> its value (for JSON outputs and manifests)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def changed(self) -> dict[str, float | int]:
        """The fields that differ from the defaults -> their values."""
        base = DEFAULT.to_dict()
        return {k: v for k, v in self.to_dict().items() if v != base[k]}

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> EngineSettings:
        """Settings from a mapping of field names (a case file's ``[settings]``, a JSON
        output's ``settings``); unnamed fields keep their defaults. Raises
        :class:`SettingsError` for an unknown name or a bad value."""
        return DEFAULT.replace(**dict(values))


def _unknown_hint(key: str) -> str:
    import difflib

    close = difflib.get_close_matches(key, names(), n=1)
    hint = f" (did you mean {close[0]}?)" if close else " (see `flightcheck settings`)"
    return f"unknown setting{hint}"


def _check(f: dataclasses.Field, value: Any) -> None:
    meta = f.metadata
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SettingsError(f.name, f"expected a number, got {type(value).__name__}")
    if meta["integer"] and not (isinstance(value, int) or float(value).is_integer()):
        raise SettingsError(f.name, f"expected a whole number, got {value!r}")
    if not math.isfinite(value):
        raise SettingsError(f.name, f"expected a finite number, got {value!r}")
    check = meta["check"]
    bad = (
        (check == POSITIVE and value <= 0)
        or (check == NON_NEGATIVE and value < 0)
        or (check == SHARE and not 0 < value < 1)
    )
    if bad:
        want = "between 0 and 1" if check == SHARE else check
        raise SettingsError(f.name, f"must be {want}, got {value!r}")


def names() -> list[str]:
    """The field names, in declaration order."""
    return [f.name for f in dataclasses.fields(EngineSettings)]


def describe(settings: EngineSettings | None = None) -> list[dict[str, Any]]:
    """One row per field: name, value, default, unit, group and reason (for listings)."""
    settings = settings or DEFAULT
    return [
        {
            "name": f.name,
            "value": getattr(settings, f.name),
            "default": f.default,
            "unit": f.metadata["unit"],
            "group": f.metadata["group"],
            "reason": f.metadata["reason"],
        }
        for f in dataclasses.fields(EngineSettings)
    ]


DEFAULT = EngineSettings()
"""The thresholds the accuracy benchmarks were tuned with."""
