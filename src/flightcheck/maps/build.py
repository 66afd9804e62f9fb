"""Build an evidence map (folium) from tracks and their findings, and save it as one
self-contained HTML file.

>>> m = build_map(tracks)                     # doctest: +SKIP
>>> save_map(m, "egypt-il76.html")            # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypedDict, Unpack

import folium
import numpy as np
import pandas as pd

from flightcheck.maps import layers, popups
from flightcheck.maps.assets import check_offline, head_assets
from flightcheck.maps.basemap import CountryOutlines, country_outlines
from flightcheck.maps.behaviour import CSS as BEHAVIOUR_CSS
from flightcheck.maps.behaviour import Behaviour
from flightcheck.maps.geometry import MAX_VERTICES, TrackLines, track_lines
from flightcheck.maps.html import RawHTML, esc
from flightcheck.maps.ids import number_ids
from flightcheck.maps.page import (
    CSS,
    AircraftLine,
    InputLine,
    PageParts,
    caption_html,
    footer_html,
    legend_html,
    palette_css,
    title_html,
)
from flightcheck.maps.reference_layer import CSS as REFERENCE_CSS
from flightcheck.maps.reference_layer import ReferenceLayer
from flightcheck.routes import RouteSet, by_aircraft
from flightcheck.segment import FindingTables, Segmentation
from flightcheck.segment.evidence import short_names
from flightcheck.segment.vessels import vessel_mask
from flightcheck.settings import DEFAULT, EngineSettings
from flightcheck.track.by_aircraft import rows_by_aircraft, rows_of
from flightcheck.track.flags import unflagged
from flightcheck.track.table import time_s
from flightcheck.track.tracks import Tracks
from flightcheck.units import KT_PER_KMH

CRUISE_QUANTILE = 0.95
"""Ground-speed quantile of an aircraft used as its speed when drawing a gap's reach area."""

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "&copy; OpenStreetMap contributors"


class FlightMap(folium.Map):
    """The folium Map :func:`build_map` makes, telling what it drew: ``flightcheck_lines``
    (the track lines' vertices and simplification tolerance), for callers and tests."""

    flightcheck_lines: TrackLines


def _frame(segmentation: FindingTables | None, name: str) -> pd.DataFrame:
    frame = getattr(segmentation, name, None) if segmentation is not None else None
    return frame if isinstance(frame, pd.DataFrame) else pd.DataFrame()


def _utc_s(values: Any) -> np.ndarray:
    """Timestamps (any pandas-parsable form, None/NaT allowed) as float Unix seconds; a
    findings table's time column (declared UTC datetimes) is read as it is, not parsed."""
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.DatetimeTZDtype):
        ts = values.dt.tz_convert("UTC")
    else:
        ts = pd.to_datetime(pd.Series(values, dtype=object), utc=True, format="ISO8601")
    ns = ts.dt.tz_convert(None).dt.as_unit("ns").to_numpy(dtype="datetime64[ns]")
    out = ns.astype("int64") / 1e9
    out[ts.isna().to_numpy()] = np.nan
    return out


def _legs_for(rows: pd.DataFrame, stops: pd.DataFrame) -> pd.DataFrame:
    from flightcheck.routes.legs import legs_of

    return legs_of(rows, stops)


def _assign_legs(t: np.ndarray, departure: np.ndarray, arrival: np.ndarray) -> np.ndarray:
    """Position of the leg (``departure <= t <= arrival``, NaN = open end) of each fix, or -1."""
    dep = np.where(np.isnan(departure), -np.inf, departure)
    arr = np.where(np.isnan(arrival), np.inf, arrival)
    order = np.argsort(dep, kind="stable")
    k = np.searchsorted(dep[order], t, side="right") - 1
    ok = k >= 0
    leg = np.full(len(t), -1, dtype=np.int64)
    leg[ok] = order[k[ok]]
    leg[ok & (t > arr[np.maximum(leg, 0)])] = -1
    return leg


def _keep_mask(t: np.ndarray, hexes: np.ndarray, events: pd.DataFrame) -> np.ndarray:
    """Fixes nearest to each event's time (same aircraft): kept through simplification."""
    keep = np.zeros(len(t), dtype=bool)
    if events.empty or "time" not in events or "icao24" not in events:
        return keep
    ev_t = _utc_s(events["time"])
    for hex_, when in zip(events["icao24"].astype(str), ev_t, strict=True):
        if np.isnan(when):
            continue
        lo, hi = np.searchsorted(hexes, hex_, side="left"), np.searchsorted(hexes, hex_, "right")
        if hi > lo:
            i = lo + min(int(np.searchsorted(t[lo:hi], when)), hi - lo - 1)
            keep[i] = True
    return keep


def _stop_end(stop: Mapping[str, Any] | None, field: str) -> tuple[float, float, float] | None:
    if stop is None or not all(pd.notna(stop.get(k)) for k in ("lat", "lon")):
        return None
    when = _utc_s([stop.get(field)])[0]
    window = stop.get(f"{field}_window")
    if np.isnan(when) and isinstance(window, (list, tuple)) and len(window) == 2:
        when = float(np.nanmean(_utc_s(list(window))))
    return None if np.isnan(when) else (when, float(stop["lat"]), float(stop["lon"]))


def _connectors(
    lines: TrackLines,
    leg_ids: list[int],
    legs: pd.DataFrame,
    stops: pd.DataFrame,
    first_fix: dict[int, tuple[float, float, float]],
    last_fix: dict[int, tuple[float, float, float]],
    silent_s: float,
) -> None:
    """Dashed lines from a stop to a leg's first fix (and last fix to the next stop) when the
    aircraft was not seen leaving (reaching) it: inferred stops, data starting late."""
    by_code = {s.get("airport"): s for s in stops.to_dict("records")} if len(stops) else {}
    for gid, leg in zip(leg_ids, legs.to_dict("records"), strict=True):
        for field, end_fix, stop_field in (
            ("from", first_fix, "departure"),
            ("to", last_fix, "arrival"),
        ):
            stop = _stop_end(by_code.get(leg.get(field)), stop_field)
            fix = end_fix.get(gid)
            if stop is None or fix is None or abs(fix[0] - stop[0]) <= silent_s:
                continue
            dashed = lines.silent.setdefault(gid, [])
            if field == "from":
                dashed.insert(0, [[stop[1], stop[2]], [fix[1], fix[2]]])
            else:
                dashed.append([[fix[1], fix[2]], [stop[1], stop[2]]])


def _speed_kmh(rows: pd.DataFrame) -> float | None:
    if "gs_kt" not in rows:
        return None
    gs = pd.to_numeric(rows.get("gs_kt"), errors="coerce").dropna()
    if len(gs) == 0:
        return None
    return float(np.quantile(gs.to_numpy(dtype=float), CRUISE_QUANTILE)) / KT_PER_KMH


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and np.isfinite(value) else None


def _reach_km(gap: Mapping[str, Any], speed_kmh: float | None, min_turn_s: float) -> float | None:
    """Path length (km) the aircraft can fly within a gap and still turn round at a stop, as
    the stop engine's candidate search uses it: v × (duration − ``min_turn_s``), with v the
    engine's cruise speed (distance_km / direct_s); the track's ground speed otherwise. The
    engine's gaps carry their own ``reach_km``."""
    given = _number(gap.get("reach_km"))
    if given is not None:
        return given
    dur, dist, direct = (_number(gap.get(k)) for k in ("duration_s", "distance_km", "direct_s"))
    if dist and direct:
        speed_kmh = dist / direct * 3600.0
    if dur is None or speed_kmh is None:
        return None
    return speed_kmh * max(dur - min_turn_s, 0.0) / 3600.0


def _with_ends(
    gap: dict[str, Any], t: np.ndarray, lat: np.ndarray, lon: np.ndarray, hexes: np.ndarray
) -> dict[str, Any]:
    """The gap with ``lat0, lon0, lat1, lon1``: the fixes either side (looked up by time)."""
    if all(_number(gap.get(k)) is not None for k in ("lat0", "lon0", "lat1", "lon1")):
        return gap
    hex_ = str(gap.get("icao24"))
    lo, hi = np.searchsorted(hexes, hex_, "left"), np.searchsorted(hexes, hex_, "right")
    for suffix, key in (("0", "start"), ("1", "end")):
        when = _utc_s([gap.get(key)])[0]
        i = lo + int(np.searchsorted(t[lo:hi], when - 0.5))
        if hi > lo and i < hi and abs(t[i] - when) <= 1.0:
            gap = {**gap, f"lat{suffix}": float(lat[i]), f"lon{suffix}": float(lon[i])}
    return gap


def _unaccounted(gaps: pd.DataFrame) -> pd.DataFrame:
    """Gaps with unaccounted time: candidate airports listed, or room for a stop that no stop
    explains (the engine's own test, :func:`~flightcheck.segment.gaps.stop_fits`)."""
    if gaps.empty:
        return gaps
    from flightcheck.segment.gaps import stop_fits

    extra = np.array([stop_fits(g) for g in gaps.to_dict("records")], dtype=bool)
    if "explained_by" in gaps:
        extra &= gaps["explained_by"].isna().to_numpy()
    if "candidates" in gaps:
        extra |= (
            gaps["candidates"]
            .map(lambda c: isinstance(c, list) and len(c) > 0)
            .to_numpy(dtype=bool)
        )
    return gaps[extra]


def _first_text(values: pd.Series) -> str | None:
    v = values.dropna()
    v = v[v.astype(str).str.strip() != ""]
    return str(v.iloc[0]) if len(v) else None


def _country_chain(stops: pd.DataFrame) -> list[str]:
    from flightcheck.routes.countries import collapse

    return collapse(stops["country"].tolist()) if "country" in stops and len(stops) else []


def _input_spans(df: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """Per source path, the UTC dates (``YYYY-MM-DD``) of its first and last fix."""
    if not len(df) or "source" not in df:
        return {}
    spans = df.groupby(df["source"].astype(str), sort=True)["time"].agg(["min", "max"])
    return {
        src: (lo.strftime("%Y-%m-%d"), hi.strftime("%Y-%m-%d"))
        for src, lo, hi in zip(spans.index, spans["min"], spans["max"], strict=True)
    }


def _surroundings(lines: TrackLines, stops: pd.DataFrame, gaps: pd.DataFrame) -> dict[str, Any]:
    """Airports (with runways), cities and country labels near what is drawn."""
    from flightcheck.maps import surroundings

    pts = [
        p
        for stretch in [*lines.observed.values(), *lines.silent.values()]
        for piece in stretch
        for p in piece
    ]
    stopped = set(stops["airport"].dropna().astype(str)) if "airport" in stops else set()
    named: set[str] = set()
    if "candidates" in gaps:
        for cands in gaps["candidates"]:
            if isinstance(cands, list):
                named |= {str(c.get("airport")) for c in cands if isinstance(c, dict)}
    arr = np.asarray(pts, dtype=float).reshape(-1, 2)
    cells = surroundings.near_cells(arr[:, 0], arr[:, 1])
    return {
        "airports": surroundings.airports_near(cells, stopped, named),
        "cities": surroundings.cities_near(cells),
        "countries": surroundings.country_labels(),
    }


def _bounds(lat: np.ndarray, lon: np.ndarray) -> list[list[float]]:
    ok = np.isfinite(lat) & np.isfinite(lon)
    if not ok.any():
        return [[-60.0, -180.0], [75.0, 180.0]]
    return [
        [float(lat[ok].min()), float(lon[ok].min())],
        [float(lat[ok].max()), float(lon[ok].max())],
    ]


def build_map(
    tracks: Tracks | pd.DataFrame,
    segmentation: FindingTables | None = None,
    annotations: Iterable[Mapping[str, Any]] | None = None,
    title: str | None = None,
    *,
    legs: pd.DataFrame | None = None,
    icao24: str | list[str] | None = None,
    silent_s: float | None = None,
    max_vertices: int = MAX_VERTICES,
    online_tiles: bool = False,
    reference: bool = True,
) -> FlightMap:
    """An evidence map of ``tracks`` and their findings, as a folium Map (shows in notebooks).

    ``segmentation``: the stop engine's result (``stops``, ``events``, ``gaps`` DataFrames);
    run on ``tracks`` when None. ``legs``: a routes table (icao24, leg, from, to, departure,
    arrival, ...); by default legs run between consecutive stops. ``annotations``: mappings
    with ``lat``, ``lon``, ``text`` (and optional ``title``, ``time``, ``author``).
    Fixes more than ``silent_s`` seconds apart (default: the findings' ``leg_covered_gap_s``,
    the gap that breaks a leg's coverage, and ``vessel_leg_covered_gap_s`` for AIS vessels)
    are joined by a dashed line; all track lines
    together are simplified to at most ``max_vertices`` vertices, keeping every stretch end
    and the fixes at events. ``online_tiles`` adds an OpenStreetMap layer, off by default
    (it needs the network when switched on). ``reference`` draws the airports, runways and
    cities near the tracks and the country names (:mod:`.surroundings`). Each aircraft has
    one colour and one layer holding its legs, stops, events and unaccounted time. Save with
    :func:`save_map`.
    """
    if not isinstance(tracks, Tracks):
        tracks = Tracks(pd.DataFrame(tracks))
    if icao24:
        tracks = tracks.aircraft(icao24)
    if segmentation is None:
        from flightcheck.segment import detect

        segmentation = detect(tracks)
    settings: EngineSettings = getattr(segmentation, "settings", DEFAULT)
    df = tracks.df
    df = unflagged(df)  # refuted fixes are not drawn
    df = df.sort_values(["icao24", "time"], kind="stable").reset_index(drop=True)
    if str(df["time"].dtype) != "datetime64[ns, UTC]":  # the schema's unit, which time_s reads
        df["time"] = pd.to_datetime(df["time"], utc=True).dt.as_unit("ns")
    stops_all = _frame(segmentation, "stops")
    events_all = _frame(segmentation, "events")
    gaps_all = _frame(segmentation, "gaps")
    wanted = set(df["icao24"].unique().tolist())
    if icao24:
        stops_all, events_all, gaps_all = (
            f[f["icao24"].isin(wanted)] if "icao24" in f else f
            for f in (stops_all, events_all, gaps_all)
        )

    t = time_s(df) if len(df) else np.empty(0)
    lat, lon = df["lat"].to_numpy(dtype=float), df["lon"].to_numpy(dtype=float)
    hexes = df["icao24"].to_numpy(dtype=object).astype(str)
    group = np.full(len(df), -1, dtype=np.int64)
    leg_tables: list[tuple[str, pd.DataFrame, list[int], pd.DataFrame]] = []
    aircraft: list[AircraftLine] = []
    speeds: dict[str, float | None] = {}
    first_fix: dict[int, tuple[float, float, float]] = {}
    last_fix: dict[int, tuple[float, float, float]] = {}
    next_id = 0
    # each aircraft's stops (in time order) and legs as slices of frames sorted once: a
    # filter of the whole frame per aircraft grew as aircraft x findings
    timed = ["arrival", "departure"] if {"arrival", "departure"} <= set(stops_all) else []
    stops_of = (
        by_aircraft(stops_all, timed)
        if "icao24" in stops_all
        else lambda _: stops_all.reset_index(drop=True)
    )
    legs_of_aircraft = by_aircraft(legs, []) if legs is not None else None
    for hex_ in sorted(wanted):
        lo, hi = np.searchsorted(hexes, hex_, "left"), np.searchsorted(hexes, hex_, "right")
        rows = df.iloc[lo:hi].reset_index(drop=True)
        stops = stops_of(hex_)
        mine = legs_of_aircraft(hex_) if legs_of_aircraft is not None else _legs_for(rows, stops)
        mine = mine.drop(columns=["first_index", "last_index"], errors="ignore")
        ids = list(range(next_id, next_id + len(mine)))
        next_id += len(mine)
        if len(mine):
            pos = _assign_legs(t[lo:hi], _utc_s(mine["departure"]), _utc_s(mine["arrival"]))
            group[lo:hi] = np.where(pos >= 0, np.asarray(ids)[np.maximum(pos, 0)], -1)
            for gid in ids:
                at = np.flatnonzero(group[lo:hi] == gid)
                if len(at):
                    i, j = lo + at[0], lo + at[-1]
                    first_fix[gid] = (t[i], lat[i], lon[i])
                    last_fix[gid] = (t[j], lat[j], lon[j])
        leg_tables.append((hex_, mine, ids, stops))
        speeds[hex_] = _speed_kmh(rows)
        aircraft.append(
            AircraftLine(
                icao24=hex_,
                registration=_first_text(rows["registration"]),
                typecode=_first_text(rows["typecode"]),
                callsigns=sorted(
                    set(rows["callsign"].dropna().str.strip().unique().tolist()) - {""}
                ),
                countries=_country_chain(stops),
            )
        )

    keep = _keep_mask(t, hexes, events_all)
    if silent_s is None:  # AIS reports are sparser: a ship's coverage gap is longer
        gap_s = np.where(
            vessel_mask(df), settings.vessel_leg_covered_gap_s, settings.leg_covered_gap_s
        )
    else:
        gap_s = np.full(len(df), float(silent_s))
    lines = track_lines(t, lat, lon, group, keep, gap_s, max_vertices)
    for hex_, mine, ids, stops in leg_tables:
        own = float(gap_s[np.searchsorted(hexes, hex_)])  # the aircraft's (or vessel's)
        _connectors(lines, ids, mine, stops, first_fix, last_fix, own)

    names = short_names(
        sorted(
            {r.path for r in tracks.inputs}
            | set(df["source"].dropna().astype(str).unique().tolist() if "source" in df else [])
        )
    )
    m = FlightMap(tiles=None, prefer_canvas=False, control_scale=True, world_copy_jump=False)
    m.default_js, m.default_css = [], []
    basemap = folium.FeatureGroup(name="Countries (Natural Earth 1:110m)", control=True)
    basemap.add_child(CountryOutlines(country_outlines()))
    m.add_child(basemap)
    if online_tiles:
        folium.TileLayer(
            OSM_TILES, attr=OSM_ATTRIBUTION, name="OpenStreetMap (online)", overlay=True, show=False
        ).add_to(m)
    if reference:
        places = folium.FeatureGroup(name="Airports, runways, cities")
        places.add_child(ReferenceLayer(_surroundings(lines, stops_all, gaps_all)))
        m.add_child(places)

    registry: dict[str, tuple[Any, Any]] = {}
    unaccounted = _unaccounted(gaps_all)
    # each aircraft's findings found in one pass, not a filter of every finding per aircraft
    unaccounted_of, gaps_of, events_of = (
        rows_by_aircraft(f) for f in (unaccounted, gaps_all, events_all)
    )
    for n, ((hex_, mine, ids, stops), line) in enumerate(zip(leg_tables, aircraft, strict=True)):
        color, css = layers.aircraft_color(n), f"fc-ac-{n}"
        line.color = color
        reg = line.registration
        label = (
            f"{hex_}" + (f" {reg}" if reg else "") + (f" {line.typecode}" if line.typecode else "")
        )
        group_layer = folium.FeatureGroup(
            name=(
                f'<span class="fc-swatch" style="border-top-color:{esc(color)}"></span>{esc(label)}'
            )
        )
        for gid, leg in zip(ids, mine.to_dict("records"), strict=True):
            observed, silent = lines.observed.get(gid, []), lines.silent.get(gid, [])
            if observed or silent:
                layers.add_leg(group_layer, {**leg, "icao24": hex_}, color, observed, silent, names)
        if "icao24" in unaccounted:
            for gap in rows_of(unaccounted, unaccounted_of, hex_).to_dict("records"):
                gap = _with_ends(gap, t, lat, lon, hexes)
                area = layers.add_gap(
                    group_layer, gap, _reach_km(gap, speeds.get(hex_), settings.min_turn_s), names
                )
                if area is not None:
                    registry[layers.gap_id(gap)] = (area, group_layer)
        if "icao24" in gaps_all:  # every other silence: focus shows its dashed line
            for gap in rows_of(gaps_all, gaps_of, hex_).to_dict("records"):
                fid = layers.gap_id(gap)
                gap = _with_ends(gap, t, lat, lon, hexes)
                known = [_number(gap.get(k)) for k in ("lat0", "lon0", "lat1", "lon1")]
                ends = [v for v in known if v is not None]
                if fid not in registry and len(ends) == 4:
                    registry[fid] = (
                        {
                            "bounds": [
                                [min(ends[0], ends[2]), min(ends[1], ends[3])],
                                [max(ends[0], ends[2]), max(ends[1], ends[3])],
                            ],
                            "popup": popups.gap_popup(gap, names),
                        },
                        group_layer,
                    )
        mine_events = (
            rows_of(events_all, events_of, hex_) if "icao24" in events_all else events_all.iloc[:0]
        )
        for fid, marker in {
            **layers.add_stops(group_layer, stops, css, names),
            **layers.add_events(group_layer, mine_events, css, names),
        }.items():
            registry[fid] = (marker, group_layer)
        m.add_child(group_layer)
    notes = list(annotations or [])
    if notes:
        notes_layer = folium.FeatureGroup(name="Annotations")
        for fid, marker in layers.add_annotations(notes_layer, notes).items():
            registry[fid] = (marker, notes_layer)
        m.add_child(notes_layer)
    folium.LayerControl(collapsed=True).add_to(m)

    pts_lat = np.concatenate(
        [
            lat,
            pd.to_numeric(stops_all.get("lat", pd.Series(dtype=float)), errors="coerce").to_numpy(
                dtype=float
            ),
        ]
    )
    pts_lon = np.concatenate(
        [
            lon,
            pd.to_numeric(stops_all.get("lon", pd.Series(dtype=float)), errors="coerce").to_numpy(
                dtype=float
            ),
        ]
    )
    # the first view, clear of the folded title and legend, set without animation (folium's
    # fit_bounds animates, and an animation pending in a hidden frame, such as the report's,
    # ends later and undoes a focus asked for meanwhile)
    m.add_child(Behaviour(registry, _bounds(pts_lat, pts_lon)))

    from flightcheck import __version__

    simplified = (
        f"track simplified to {lines.vertices:,} of {lines.points:,} points "
        f"(tolerance {lines.tolerance_deg:g}°)"
        if lines.tolerance_deg
        else ""
    )
    spans = _input_spans(df)
    parts = PageParts(
        title=title or "flightcheck evidence map",
        aircraft=aircraft,
        inputs=[
            InputLine(
                r.path,
                r.sha256,
                r.format,
                r.points,
                names.get(r.path, r.path),
                *spans.get(r.path, ("", "")),
            )
            for r in tracks.inputs
        ],
        version=__version__,
        simplified=simplified,
    )
    root = m.get_root()
    if not isinstance(root, folium.Figure):  # pragma: no cover - folium places every Map in one
        raise TypeError(f"folium map in a {type(root).__name__}, not a Figure")
    root.header.add_child(RawHTML(f"<title>{esc(parts.title)}</title>\n"), name="fc_title")
    root.header.add_child(RawHTML(head_assets()), name="fc_assets")
    root.header.add_child(
        RawHTML(
            f"<style>{CSS}{REFERENCE_CSS}{BEHAVIOUR_CSS}"
            f"{palette_css([a.color for a in aircraft])}</style>\n"
        ),
        name="fc_css",
    )
    root.html.add_child(
        RawHTML(title_html(parts) + legend_html(parts) + caption_html() + footer_html(parts)),
        name="fc_page",
    )
    m.flightcheck_lines = lines  # what was drawn (vertices, tolerance), for callers and tests
    return m


def render_html(m: folium.Map) -> str:
    """The map's full HTML page, checked to reference nothing outside itself. Element ids
    are numbered first (:func:`.ids.number_ids`): the same map gives the same bytes."""
    number_ids(m.get_root())
    html = m.get_root().render()
    check_offline(html)
    return html


def save_map(m: folium.Map, path: str | Path) -> Path:
    """Write ``m`` as one self-contained HTML file (atomically); fails if anything remote
    remains in it. Returns the path written."""
    from flightcheck.output.atomic import write_text

    return write_text(path, render_html(m))


class MapOptions(TypedDict, total=False):
    """The options of :func:`build_map` that :func:`map_routes` passes on."""

    icao24: str | list[str] | None
    silent_s: float
    max_vertices: int
    online_tiles: bool
    reference: bool


def map_routes(
    routes: RouteSet,
    annotations: Iterable[Mapping[str, Any]] | None = None,
    title: str | None = None,
    **options: Unpack[MapOptions],
) -> FlightMap:
    """The map of a :class:`~flightcheck.routes.RouteSet`: its legs, stops, events and gaps
    (sources already reconciled), plus annotations (bound ones carry ``lat``/``lon``)."""
    if routes.tracks is None:
        raise ValueError("map_routes needs the tracks the routes were built from (build_routes)")
    # gaps as the engine recorded them: the popup shows the record's unaccounted_s and
    # the stop that accounts for it, as the report and the JSON do
    seg = Segmentation(stops=routes.stops, events=routes.events, gaps=routes.gaps)
    legs = routes.legs
    legs = legs.drop(columns=[c for c in ("overflown",) if c in legs.columns])
    return build_map(
        routes.tracks, seg, annotations, title, legs=legs if len(legs) else None, **options
    )
