"""Command-line interface: parse arguments, call the API, print. No logic lives here.

Exit codes: 0 ok, 2 bad usage or unreadable input, 1 any other failure. ``--json`` prints
one JSON object on stdout; readable tables otherwise; progress and warnings go to stderr.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from flightcheck import __version__
from flightcheck.errors import FlightcheckError, UsageError


def warn(message: str) -> None:
    """One line on stderr, its control characters neutralised (it may quote inputs)."""
    from flightcheck.output.term import neutralise

    click.echo(neutralise(message), err=True)


def _fail(message: str, code: int) -> None:
    warn(f"flightcheck: error: {message}".replace("\n", "\\n"))  # one line, always
    sys.exit(code)


def guarded(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn flightcheck errors into one line on stderr and the contract's exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except FlightcheckError as exc:
            _fail(str(exc), exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - the contract: never a traceback
            if os.environ.get("FLIGHTCHECK_DEBUG"):
                raise
            _fail(
                f"internal error: {type(exc).__name__}: {exc} "
                "(set FLIGHTCHECK_DEBUG=1 for details and please report it)",
                1,
            )

    return wrapper


def emit_json(obj: Any) -> None:
    """Print one JSON object on stdout."""
    from flightcheck.output.jsonout import dumps

    sys.stdout.buffer.write(dumps(obj) + b"\n")
    sys.stdout.flush()


_READ_KEYS = (
    "paths",
    "fmt",
    "skip_bad",
    "tz",
    "columns",
    "icao24",
    "max_decompressed",
    "start_time",
    "receiver",
    "allow_future",
    "settings",
    "workers",
)


settings_option = click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="NAME=VALUE",
    help="Change an engine threshold, e.g. min_dwell_s=900 (repeatable; "
    "see `flightcheck settings`). JSON outputs record the settings used.",
)


class _Workers(click.ParamType):
    """``--workers``: "auto" or a whole number >= 1 (:mod:`flightcheck.runtime.parallel`)."""

    name = "N|auto"

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        from flightcheck.runtime.parallel import check_workers

        try:
            return check_workers(value)
        except ValueError:
            self.fail(f"{value!r}: expected 'auto' or a whole number >= 1", param, ctx)


def workers_option(what: str) -> Any:
    """The ``--workers`` option (default "auto"); ``what``: what the workers run."""
    return click.option(
        "--workers",
        default="auto",
        show_default=True,
        type=_Workers(),
        help=f"{what}: 1 = this process only, N, or auto (what pays for the input's size).",
    )


def input_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options every command that reads track files shares, handed to the command as
    one ``reading`` dict (pass it to :func:`read_inputs`)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        reading = {k: kwargs.pop(k) for k in _READ_KEYS}
        try:  # before the command's own guard: one line and exit 2 all the same
            reading["settings"] = parse_settings(reading["settings"])
        except FlightcheckError as exc:
            _fail(str(exc), exc.exit_code)
        return func(*args, reading=reading, **kwargs)

    options = [
        click.argument("paths", nargs=-1),
        click.option(
            "--format",
            "fmt",
            default=None,
            metavar="NAME",
            help="Force a reader instead of sniffing (see `flightcheck formats`).",
        ),
        click.option(
            "--skip-bad",
            is_flag=True,
            help="Skip bad records and unreadable files, and count them.",
        ),
        click.option(
            "--tz",
            default=None,
            metavar="ZONE",
            help="Time zone of inputs that carry none (SBS logs of dump1090 forks); "
            "default UTC, noted as assumed.",
        ),
        click.option(
            "--column",
            "columns",
            multiple=True,
            metavar="FIELD=NAME",
            help="Plain CSV / JSON records: map a track column to an input column "
            "or key, e.g. time=ts.",
        ),
        click.option(
            "--hex",
            "icao24",
            default=None,
            metavar="HEX",
            help="ICAO address for formats that have none (FR24, FlightAware).",
        ),
        click.option(
            "--start-time",
            default=None,
            metavar="TIME",
            help="Raw Mode-S logs without wall-clock times: when the capture began.",
        ),
        click.option(
            "--receiver",
            default=None,
            metavar="LAT,LON",
            help="Raw Mode-S: receiver position, reference for surface positions.",
        ),
        click.option(
            "--max-decompressed",
            default=2 << 30,
            show_default=True,
            type=click.IntRange(min=1),
            help="Refuse inputs that decompress to more bytes than this (in all, "
            "across nested archives and members).",
        ),
        click.option(
            "--allow-future",
            is_flag=True,
            help="Accept fix times later than now plus one day (clock-skewed or synthetic data).",
        ),
        settings_option,
        workers_option("Processes reading the files and finding stops"),
    ]
    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


def _parse_time(name: str, value: str | None):
    if value is None:
        return None
    import pandas as pd

    try:
        ts = pd.Timestamp(value)
    except ValueError:
        raise UsageError(
            f"{name} {value!r}: expected an ISO time, e.g. 2025-10-14T08:00Z"
        ) from None
    return (ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")).to_pydatetime()


def _column_mapping(items: tuple[str, ...]) -> dict[str, str]:
    """``--column FIELD=NAME`` options as a mapping (track column -> input column)."""
    mapping: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise UsageError(f"--column {item!r}: expected FIELD=NAME, e.g. time=timestamp")
        key, value = item.split("=", 1)
        mapping[key.strip()] = value.strip()
    return mapping


def parse_settings(items: tuple[str, ...]):
    """``--set NAME=VALUE`` options as :class:`~flightcheck.settings.EngineSettings`."""
    from flightcheck.settings import DEFAULT, SettingsError

    changes: dict[str, float] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--set {item!r}: expected NAME=VALUE, e.g. min_dwell_s=900")
        try:
            changes[key.strip()] = float(value)
        except ValueError:
            raise UsageError(f"--set {item!r}: {value.strip()!r} is not a number") from None
    try:
        return DEFAULT.replace(**changes)
    except SettingsError as exc:
        raise UsageError(f"--set {exc}") from None


def routes_for(tracks: Any, reading: dict[str, Any], icao24: str | list[str] | None = None):
    """:func:`~flightcheck.routes.build_routes` of ``tracks`` under the command's settings
    and workers (``reading`` from :func:`input_options`)."""
    from flightcheck.routes import build_routes

    return build_routes(
        tracks, icao24=icao24, settings=reading["settings"], workers=reading["workers"]
    )


def read_inputs(reading: dict[str, Any]):
    """Call :func:`flightcheck.read` with the shared options; warn about skipped files."""
    from flightcheck.io.read import read

    if not reading["paths"]:
        raise UsageError("give at least one PATH (a file, folder or glob of track exports)")
    mapping = _column_mapping(reading["columns"])
    receiver = None
    if reading["receiver"]:
        try:
            lat, lon = (float(x) for x in reading["receiver"].split(","))
        except ValueError:
            raise UsageError(
                f"--receiver {reading['receiver']!r}: expected LAT,LON, e.g. 44.93,20.26"
            ) from None
        receiver = (lat, lon)
    tracks = read(
        list(reading["paths"]),
        format=reading["fmt"],
        skip_bad=reading["skip_bad"],
        tz=reading["tz"],
        columns=mapping or None,
        icao24=reading["icao24"],
        start_time=_parse_time("--start-time", reading["start_time"]),
        receiver=receiver,
        max_decompressed=reading["max_decompressed"],
        allow_future=reading["allow_future"],
        settings=reading["settings"],
        workers=reading["workers"],
    )
    for path, why in tracks.skipped:
        warn(f"flightcheck: skipped {path}: {why}")
    for rec in tracks.inputs:
        bad = sum(v for k, v in rec.dropped.items() if k.startswith("bad record"))
        if bad:
            warn(f"flightcheck: {rec.path}: skipped {bad} bad records")
    return tracks


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="flightcheck")
def main() -> None:
    """flightcheck: verify claims about aircraft movements from track exports."""
    from flightcheck.output.term import SafeStream

    if not isinstance(sys.stdout, SafeStream):  # rich tables and plain lines alike
        sys.stdout = SafeStream(sys.stdout)


@main.command()
@input_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--gaps", "n_gaps", default=3, show_default=True, help="Largest gaps to list per aircraft."
)
@guarded
def inspect(reading, as_json, n_gaps):
    """Aircraft, points, time span, format, sha256 and largest gaps per input."""
    from flightcheck.cli.inspect_text import render_inspect
    from flightcheck.output.inspection import inspect_report

    tracks = read_inputs(reading)
    report = inspect_report(tracks, n_gaps=n_gaps)
    if as_json:  # the flag counts follow the cleaning thresholds
        emit_json({**report, "settings": reading["settings"].to_dict()})
    else:
        render_inspect(report)


@main.command("stops")
@input_options
@click.option(
    "--airport",
    "airport_codes",
    multiple=True,
    metavar="ICAO",
    help="Only findings at this airport (repeatable).",
)
@click.option("--since", default=None, metavar="TIME", help="Ignore fixes before (ISO, UTC).")
@click.option("--until", default=None, metavar="TIME", help="Ignore fixes after (ISO, UTC).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@guarded
def stops_cmd(reading, airport_codes, since, until, as_json):
    """Stops (observed and inferred), events and gaps with unaccounted time."""
    from flightcheck.segment import detect

    since, until = _parse_time("--since", since), _parse_time("--until", until)
    tracks = read_inputs(reading)
    seg = detect(
        tracks,
        airports=list(airport_codes) or None,
        since=since,
        until=until,
        settings=reading["settings"],
        workers=reading["workers"],
    )
    if as_json:
        emit_json(seg.to_dict())
    else:
        from flightcheck.cli.stops_text import render_segmentation

        render_segmentation(seg)


@main.command("map")
@input_options
@click.option(
    "-o",
    "--output",
    required=True,
    metavar="OUT.html",
    help="Write the map here (one self-contained HTML file).",
)
@click.option("--icao24", "only", default=None, metavar="HEX", help="Map only this aircraft.")
@click.option("--title", default=None, help="Title shown on the map.")
@click.option(
    "--png",
    default=None,
    metavar="OUT.png",
    help="Also render a publication figure as PNG (headless Chromium): no "
    "controls, legend, scale bar, caption and credits.",
)
@click.option(
    "--pdf",
    default=None,
    metavar="OUT.pdf",
    help="Also render the publication figure as a one-page PDF.",
)
@click.option(
    "--size", default="1600x1000", show_default=True, metavar="WxH", help="Figure size in pixels."
)
@click.option(
    "--bbox", default=None, metavar="W,S,E,N", help="Frame the figure on this area (degrees)."
)
@click.option(
    "--fit",
    default=None,
    metavar="aircraft:HEX|airport:ICAO|claim:ID",
    help="Frame the figure on an aircraft's positions, an airport (runways in "
    "view) or, with --case, a claim's evidence.",
)
@click.option("--caption", default="", help="Caption printed on the figure.")
@click.option(
    "--online-tiles",
    is_flag=True,
    help="Offer an OpenStreetMap layer (off by default; needs the network when on).",
)
@click.option(
    "--case",
    "case_path",
    default=None,
    metavar="CASE",
    help="Add this case's inputs and show its annotations as their own layer.",
)
@click.option(
    "--allow-outside",
    "allow_outside",
    multiple=True,
    metavar="DIR",
    help="With --case: also accept case inputs under DIR (default: only inside the case folder).",
)
@guarded
def map_cmd(
    reading,
    output,
    only,
    title,
    png,
    pdf,
    size,
    bbox,
    fit,
    caption,
    online_tiles,
    case_path,
    allow_outside,
):
    """One self-contained HTML evidence map: legs, silences, stops, events, gaps; with
    --png/--pdf also a figure for publication."""
    from flightcheck.maps import map_routes, save_map
    from flightcheck.output.outpaths import check_file, input_files

    case = None
    if case_path:
        from flightcheck.case.edit import case_file, check_inputs
        from flightcheck.case.model import load

        case = load(case_file(case_path))
        check_inputs(case, allow_outside)
        reading = {
            **reading,
            "paths": tuple(reading["paths"]) + tuple(str(p) for p in case.input_paths()),
        }
    inputs = input_files(reading["paths"]) + ([case.path] if case is not None else [])
    check_file("-o", output, inputs)
    for option, figure_path in (("--png", png), ("--pdf", pdf)):
        if figure_path:
            check_file(option, figure_path, inputs)
    from flightcheck.maps import publish

    fig_size = publish.parse_size(size)
    fig_bounds = publish.parse_bbox(bbox) if bbox else None
    if fit and not fit.startswith(("aircraft:", "airport:", "claim:")):
        raise UsageError(f"--fit {fit}: expected aircraft:HEX, airport:ICAO or claim:ID")
    if fit and fit.startswith("claim:") and case is None:
        raise UsageError(f"--fit {fit}: claims need --case CASE")
    tracks = read_inputs(reading)
    routes = routes_for(tracks, reading, only)
    if only and not len(routes):
        raise UsageError(f"--icao24 {only}: no such aircraft in the inputs")
    notes = []
    if case is not None:
        from flightcheck.case.bind import bind
        from flightcheck.case.pack import markers

        notes = markers([bind(a, routes) for a in case.annotations])
        title = title or case.title
    fmap = map_routes(routes, notes, title=title, online_tiles=online_tiles)
    path = save_map(fmap, output)
    warn(f"flightcheck: wrote {path} ({path.stat().st_size:,} bytes)")
    if png or pdf:
        if fit:
            what, _, key = fit.partition(":")
            if what == "aircraft":
                fig_bounds = publish.aircraft_bounds(routes, key)
            elif what == "airport":
                fig_bounds = publish.airport_bounds(key)
            else:
                fig_bounds = _claim_bounds(case, key, tracks, routes)
        credit = publish.credits(tracks.inputs)
        for figure_path in (png, pdf):
            if figure_path:
                done = publish.figure(
                    path,
                    figure_path,
                    size=fig_size,
                    bounds=fig_bounds,
                    caption=caption,
                    credits=credit,
                )
                warn(f"flightcheck: wrote {done}")


def _claim_bounds(case, claim_id, tracks, routes):
    """The area of one claim's verdict evidence and claimed airport."""
    from flightcheck.case.verify import verify
    from flightcheck.maps import publish

    claims = [c for c in case.claims if c.id == claim_id]
    if not claims:
        known = ", ".join(c.id for c in case.claims) or "none"
        raise UsageError(f"--fit claim:{claim_id}: no such claim in {case.path} (claims: {known})")
    (verdict,) = verify(claims, tracks, routes)
    found = publish.evidence_bounds(verdict.evidence, claims[0].airport)
    if found is None:
        raise UsageError(f"--fit claim:{claim_id}: its evidence has no position to frame")
    return found


@main.command("route")
@input_options
@click.option("--icao24", "only", multiple=True, metavar="HEX", help="Only this aircraft.")
@click.option(
    "--via",
    default=None,
    metavar="A,B,C",
    help="List aircraft whose stops go through these countries/airports in order.",
)
@click.option(
    "--within",
    default=None,
    metavar="DURATION",
    help="With --via: the whole match within this time, e.g. 10d or 36h.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@guarded
def route_cmd(reading, only, via, within, as_json):
    """Legs, stops and country chain of each aircraft; multi-source reconciliation."""
    from flightcheck.cli.routes_text import render_matches, render_routes
    from flightcheck.routes.search import find_matches, parse_within

    tracks = read_inputs(reading)
    routes = routes_for(tracks, reading, list(only) or None)
    out = routes.to_dict()
    out["inputs"] = [rec.to_dict() for rec in tracks.inputs]
    matches = None
    if via:
        import pandas as pd

        tokens = [t.strip().upper() for t in via.split(",") if t.strip()]
        stops = [r.stops for r in routes if len(r.stops)]
        matches = find_matches(
            pd.concat(stops, ignore_index=True) if stops else pd.DataFrame(),
            tokens,
            parse_within(within),
        )
        out["via"] = {"route": tokens, "within": within, "matches": matches}
    if as_json:
        emit_json(out)
    elif matches is not None:
        render_matches(out["via"])
    else:
        render_routes(routes)


@main.command("timeline")
@input_options
@click.option(
    "-o",
    "--output",
    required=True,
    metavar="OUT.html",
    help="Write the timeline here (one self-contained HTML page).",
)
@click.option("--icao24", "only", multiple=True, metavar="HEX", help="Only this aircraft.")
@click.option("--title", default=None, help="Title of the page.")
@click.option(
    "--map",
    "map_link",
    default=None,
    metavar="MAP.html",
    help="Link each finding to this evidence map (made from the same inputs), "
    "which opens centred on it.",
)
@guarded
def timeline_cmd(reading, output, only, title, map_link):
    """Where each aircraft was, when, and when it was silent: one row per aircraft with
    legs, stops (inferred windows shaded), silences (unaccounted time hatched), events."""
    from flightcheck.maps.timeline import route_timeline
    from flightcheck.output.outpaths import check_file, input_files

    check_file("-o", output, input_files(reading["paths"]))
    tracks = read_inputs(reading)
    routes = routes_for(tracks, reading, list(only) or None)
    if only and not len(routes):
        raise UsageError(f"--icao24 {', '.join(only)}: no such aircraft in the inputs")
    path = route_timeline(routes, link=map_link).save(output, title=title or "flightcheck timeline")
    warn(f"flightcheck: wrote {path} ({path.stat().st_size:,} bytes)")


@main.command("export")
@input_options
@click.option(
    "--to",
    "fmt_out",
    type=click.Choice(["geojson", "kml", "csv"]),
    required=True,
    help="Output format.",
)
@click.option("-o", "--output", required=True, metavar="FILE", help="Write here.")
@click.option("--icao24", "only", multiple=True, metavar="HEX", help="Only this aircraft.")
@click.option(
    "--raw-csv",
    is_flag=True,
    help="CSV: write text cells verbatim, without the leading quote that stops "
    "spreadsheets running cells such as =HYPERLINK(...) (for machine use).",
)
@guarded
def export_cmd(reading, fmt_out, output, only, raw_csv):
    """Tracks, legs, stops and gaps as GeoJSON, KML (Google Earth) or CSV.

    CSV text cells starting with = + - @, a tab or a carriage return get a leading ' so a
    spreadsheet shows them instead of running them (OWASP); --raw-csv turns that off."""
    from flightcheck.maps.export import export, export_paths
    from flightcheck.output.outpaths import check_file, input_files

    inputs = input_files(reading["paths"])
    for target in export_paths(fmt_out, output):
        check_file("-o", target, inputs)
    tracks = read_inputs(reading)
    routes = routes_for(tracks, reading, list(only) or None)
    for path in export(tracks, routes, fmt_out, output, spreadsheet_safe=not raw_csv):
        warn(f"flightcheck: wrote {path}")


@main.group("case")
def case_group():
    """Create and edit a case file (inputs, claims, annotations)."""


@case_group.command("init")
@click.argument("folder")
@click.option("--title", default=None, help="Case title.")
@guarded
def case_init(folder, title):
    """Create FOLDER/case.toml from a commented template."""
    from flightcheck.case import init

    click.echo(str(init(folder, title)))


SKIPPED_LISTED = 10
"""``case add`` names up to this many skipped files one per line, else counts them by reason."""


@case_group.command("add")
@click.argument("case")
@click.argument("files", nargs=-1, required=True)
@click.option("--note", default=None, help="A note stored with each added input.")
@click.option(
    "--update", is_flag=True, help="Re-hash inputs whose content changed and record the change."
)
@guarded
def case_add(case, files, note, update):
    """Record track data in FILES (files, folders, globs) in CASE with their sha256."""
    from collections import Counter

    from flightcheck.case import add

    done = add(case, list(files), note=note, update=update)
    for item in done:
        if item["status"] == "added":
            click.echo(f"added {item['path']}  sha256 {item['sha256']}")
            if item.get("outside"):
                warn(
                    f"flightcheck: note: {item['path']} is outside the case folder; verify "
                    "reads it only with --allow-outside DIR"
                )
        elif item["status"] == "hashed":
            click.echo(f"hashed {item['path']}  sha256 {item['sha256']}")
        elif item["status"] == "updated":
            click.echo(f"updated {item['path']}  sha256 {item['old_sha256']} -> {item['sha256']}")
    skipped = [i for i in done if i["status"] == "skipped"]
    if len(skipped) <= SKIPPED_LISTED:
        for item in skipped:
            warn(f"flightcheck: skipped {item['path']}: {item['reason']}")
    else:
        for reason, n in sorted(Counter(i["reason"] for i in skipped).items()):
            warn(f"flightcheck: skipped {n} files: {reason}")


@case_group.command("claim")
@click.argument("case")
@click.option("--id", "cid", required=True, help="Claim id, e.g. route-eg-cn-rs.")
@click.option("--kind", type=click.Choice(["stop", "route", "presence"]), required=True)
@click.option("--aircraft", default=None, help="ICAO hex or registration.")
@click.option(
    "--registered-country", default=None, help="State of registry: ISO-2 or name (EG, Egypt)."
)
@click.option("--military/--civil", default=None, help="Only military (or civil) addresses.")
@click.option(
    "--airport",
    default=None,
    help="Stop/presence claims: ICAO, IATA or OurAirports code, or a name (Urumqi).",
)
@click.option("--country", default=None, help="Stop/presence claims: ISO-2 or name (RS, Serbia).")
@click.option(
    "--route",
    "route_",
    default=None,
    metavar="A,B,C",
    help="Route claims: countries or airports in order (EG,URC,Serbia).",
)
@click.option(
    "--from",
    "start",
    default=None,
    metavar="TIME",
    help="Window start (UTC); a date alone is 00:00:00Z.",
)
@click.option(
    "--to",
    "end",
    default=None,
    metavar="TIME",
    help="Window end (UTC); a date alone is its whole day, to 23:59:59.999Z.",
)
@click.option("--text", default="", help="The claim in words, as published.")
@guarded
def case_claim(
    case,
    cid,
    kind,
    aircraft,
    registered_country,
    military,
    airport,
    country,
    route_,
    start,
    end,
    text,
):
    """Add a claim to CASE; places are resolved to codes (nothing is written if one fails)."""
    from flightcheck.case import claim
    from flightcheck.case.edit import split_route

    added = claim(
        case,
        cid,
        kind,
        text=text,
        aircraft=aircraft,
        registered_country=registered_country,
        military=military,
        airport=airport,
        country=country,
        route=split_route(route_),
        start=start,
        end=end,
    )
    click.echo(f"added claim {cid}")
    for place in added.places:
        click.echo(f"  {place.written} -> {place.describe()}")
        if place.note:
            click.echo(f"  note: {place.note}; give a code to choose another")


@case_group.command("list")
@click.argument("case")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@guarded
def case_list(case, as_json):
    """Inputs of CASE with their hash status, claims and annotations."""
    from flightcheck.case.edit import case_file
    from flightcheck.case.listing import summary

    info = summary(case_file(case))
    if as_json:
        emit_json(info)
        return
    click.echo(f"{info['case']['title']}  ({info['case']['path']})")
    click.echo(f"inputs ({len(info['inputs'])}):")
    for i in info["inputs"]:
        click.echo(f"  {i['status']:9s} {i['path']}")
    for c in info["input_changes"]:
        click.echo(
            f"  updated   {c['path']} {c['updated']}: {c['old_sha256']} -> {c['new_sha256']}"
        )
    click.echo(f"claims ({len(info['claims'])}):")
    for c in info["claims"]:
        where = c["airport"] or c["country"] or " -> ".join(c["route"] or [])
        who = c["aircraft"] or " ".join(
            x
            for x in (
                c["registered_country"],
                None if c["military"] is None else "military" if c["military"] else "civil",
            )
            if x
        )
        window = f"{c['from'] or '...'} – {c['to'] or '...'}"
        written = f" (written {c['place']!r})" if c["place"] else ""
        click.echo(f"  {c['id']}: {c['kind']} {where}{written}, {who}, {window}")
    click.echo(f"annotations ({len(info['annotations'])}):")
    for a in info["annotations"]:
        click.echo(
            f"  {a['id']}: {a['label']} ({a['airport'] or a['aircraft'] or ''} "
            f"{a['time'] or a['from'] or ''})"
        )
    if info["settings"]:
        click.echo("settings: " + ", ".join(f"{k}={v}" for k, v in info["settings"].items()))


@case_group.command("remove")
@click.argument("case")
@click.argument("target", metavar="ID")
@guarded
def case_remove(case, target):
    """Remove a claim or annotation (by id) or an input (by path) from CASE."""
    from flightcheck.case.edit import remove

    gone = remove(case, target)
    click.echo(f"removed {gone['kind']} {gone['id']}")


@case_group.command("annotate")
@click.argument("case")
@click.option("--id", "aid", required=True, help="Annotation id.")
@click.option("--label", required=True, help="Short label, e.g. 'suspected delivery'.")
@click.option("--aircraft", default=None, help="ICAO hex or registration.")
@click.option("--airport", default=None, help="Bind to the stop at this airport (code or name)...")
@click.option("--time", "when", default=None, metavar="TIME", help="...nearest this time.")
@click.option("--from", "start", default=None, metavar="TIME", help="Or a time range start.")
@click.option("--to", "end", default=None, metavar="TIME", help="Time range end.")
@click.option("--note", default="", help="Free text.")
@click.option("--source", "sources", multiple=True, help="A reference (URL...); repeatable.")
@click.option("--author", default="", help="Who wrote it (kept with the annotation).")
@guarded
def case_annotate(case, aid, label, aircraft, airport, when, start, end, note, sources, author):
    """Add an annotation to CASE."""
    from flightcheck.case import annotate

    annotate(
        case,
        aid,
        label,
        aircraft=aircraft,
        airport=airport,
        time=when,
        start=start,
        end=end,
        note=note,
        sources=list(sources),
        author=author,
    )
    click.echo(f"added annotation {aid}")


def _print_verdicts(manifest: dict, outdir: str) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False)
    colours = {"supported": "green", "contradicted": "red", "inconclusive": "yellow"}
    for cid, verdict in manifest["verdicts"].items():
        console.print(f"  [{colours[verdict]}]{verdict:13s}[/] {escape(cid)}")
    console.print(f"Report: {outdir}/report.html")


@main.command("verify")
@click.argument("case", required=False)
@click.option(
    "-o",
    "--output",
    "outdir",
    default=None,
    metavar="DIR",
    help="Write the evidence pack here (a new folder, or a previous pack, which is "
    "replaced as a whole).",
)
@click.option(
    "--check",
    "check_dir",
    default=None,
    metavar="OUTDIR",
    help="Instead: re-hash every file of the evidence pack OUTDIR against its "
    "manifest and say whether it is intact (exit 1 when not).",
)
@click.option(
    "--allow-outside",
    "allow_outside",
    multiple=True,
    metavar="DIR",
    help="Also accept case inputs under DIR (default: only inside the case folder). Repeatable.",
)
@click.option("--allow-future", is_flag=True, help="Accept fix times later than now plus one day.")
@click.option(
    "--format",
    "fmt",
    default=None,
    metavar="NAME",
    help="Force a reader instead of sniffing; recorded in the case's settings.",
)
@click.option(
    "--skip-bad/--no-skip-bad",
    default=None,
    help="Skip bad records and unreadable files (recorded in the case's settings).",
)
@click.option(
    "--tz",
    default=None,
    metavar="ZONE",
    help="Time zone of inputs that carry none; recorded in the case's settings.",
)
@click.option(
    "--figures",
    is_flag=True,
    help="Also write map.png and one publication figure per claim "
    "(claim-ID.png), through the system Chromium.",
)
@click.option(
    "--pdf",
    is_flag=True,
    help="Also print the report to report.pdf (A4) through the system Chromium.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as JSON.")
@settings_option
@workers_option("Processes reading the inputs and finding stops")
@guarded
def verify_cmd(
    case,
    outdir,
    check_dir,
    allow_outside,
    allow_future,
    fmt,
    skip_bad,
    tz,
    figures,
    pdf,
    as_json,
    settings,
    workers,
):
    """Verify CASE's claims: verdicts, report, map, stops, GeoJSON and manifest in DIR.

    Reading options and --set thresholds given here are stored in the case's [settings] and
    used from then on.
    The pack is built beside DIR and swapped in whole: a reader sees the old pack or the
    new one, never a mix."""
    from flightcheck.case.edit import case_file, set_settings
    from flightcheck.case.pack import run

    if check_dir is not None:
        if case is not None or outdir is not None:
            raise UsageError("--check OUTDIR takes no CASE and no -o")
        _check_pack(check_dir, as_json)
        return
    if case is None or outdir is None:
        raise UsageError("verify needs CASE and -o DIR (or --check OUTDIR)")
    path = case_file(case)
    engine = parse_settings(settings)  # checked before the case file is touched
    given = {item.partition("=")[0].strip() for item in settings}
    if fmt is not None or skip_bad is not None or tz is not None or given:
        thresholds = {k: v for k, v in engine.to_dict().items() if k in given}
        set_settings(path, format=fmt, skip_bad=skip_bad, tz=tz, **thresholds)
    manifest = run(
        path,
        outdir,
        allow_outside=list(allow_outside),
        allow_future=allow_future,
        figures=figures,
        pdf=pdf,
        workers=workers,
    )
    if as_json:
        emit_json(manifest)
    else:
        _print_verdicts(manifest, outdir)


def _check_pack(folder: str, as_json: bool) -> None:
    from flightcheck.case.packcheck import check_pack

    result = check_pack(folder)
    if as_json:
        emit_json(result)
    else:
        state = "intact" if result["intact"] else "NOT intact"
        click.echo(f"{folder}: {state} ({result['checked']} outputs checked against manifest.json)")
        for problem in result["problems"]:
            click.echo(f"  {problem}")
        for item in result["inputs"]:
            click.echo(f"  input {item['path']}: {item['status']}")
    if not result["intact"]:
        sys.exit(1)


@main.command("serve")
@click.argument("case")
@click.option(
    "--port",
    default=0,
    type=click.IntRange(0, 65535),
    show_default=True,
    help="TCP port (0: any free port).",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Loopback address to bind: 127.0.0.1 or ::1 (nothing else is accepted).",
)
@click.option("--read-only", is_flag=True, help="Browse only: no edits, no export.")
@click.option(
    "--online-tiles",
    is_flag=True,
    help="Offer an OpenStreetMap layer on the map (needs the network when on).",
)
@click.option(
    "--author",
    default=None,
    help="Name recorded with edits (default: $FLIGHTCHECK_AUTHOR or the login name; "
    "the page can change it).",
)
@click.option(
    "--export-dir",
    default=None,
    metavar="DIR",
    help="Where 'Export evidence pack' writes (default: CASE_DIR/evidence).",
)
@click.option(
    "--allow-outside",
    "allow_outside",
    multiple=True,
    metavar="DIR",
    help="Also accept case inputs under DIR. Repeatable.",
)
@guarded
def serve_cmd(case, port, host, read_only, online_tiles, author, export_dir, allow_outside):
    """The workbench: a local web page to annotate stops, add claims and re-verify CASE.

    Prints the URL to open (with its access token); Ctrl-C stops it."""
    from pathlib import Path

    from flightcheck.case.edit import case_file
    from flightcheck.case.model import load
    from flightcheck.output.outpaths import check_folder
    from flightcheck.serve import Settings, bind, create_app, run, url
    from flightcheck.serve.app import default_author
    from flightcheck.serve.security import new_token

    path = case_file(case).resolve()
    loaded = load(path)  # a case that cannot be read is refused here, with its reason
    if export_dir is not None:
        check_folder("--export-dir", export_dir, [loaded.path, *loaded.input_paths()], loaded.root)
    try:
        sock = bind(host, port)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None
    token = new_token()
    app = create_app(
        Settings(
            case_path=path,
            token=token,
            read_only=read_only,
            online_tiles=online_tiles,
            author=author or default_author(),
            export_dir=Path(export_dir).resolve() if export_dir else None,
            allow_outside=list(allow_outside),
        )
    )
    click.echo(f"flightcheck workbench for {path}" + (" (read-only)" if read_only else ""))
    click.echo(f"open: {url(sock, token)}")
    click.echo("Ctrl-C stops it.", err=True)
    run(app, sock)


@main.command("demo")
@click.option(
    "-o",
    "--output",
    "outdir",
    default="flightcheck-demo",
    show_default=True,
    metavar="DIR",
    help="Write the demo's evidence pack here.",
)
@guarded
def demo_cmd(outdir):
    """The whole job on the bundled sample tracks (the Il-76 Egypt → China → Serbia case)."""
    from flightcheck.case.demo import demo

    click.echo("flightcheck demo: verifying the bundled case over sample_tracks/ ...", err=True)
    manifest = demo(outdir)
    _print_verdicts(manifest, outdir)


@main.command("airport")
@click.argument("query", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--airports-csv",
    default=None,
    metavar="PATH",
    help="A newer OurAirports airports.csv (also $FLIGHTCHECK_AIRPORTS_CSV).",
)
@click.option(
    "--runways-csv",
    default=None,
    metavar="PATH",
    help="A newer OurAirports runways.csv (default: next to --airports-csv).",
)
@guarded
def airport_cmd(query, as_json, airports_csv, runways_csv):
    """An airport and its runways, by ICAO/IATA code, OurAirports ident or name fragment."""
    from flightcheck.cli.reference_text import render_airport, render_candidates
    from flightcheck.reference import airports, versions

    if airports_csv or runways_csv:
        airports.use_csv(airports_csv, runways_csv)
    text = " ".join(query)
    found = airports.resolve(text)
    ref = {k: v for k, v in versions().items() if k.startswith("ourairports")}
    if isinstance(found, list):
        candidates = [{k: v for k, v in a.to_dict().items() if k != "runways"} for a in found]
        if as_json:
            emit_json({"query": text, "candidates": candidates, "reference_data": ref})
        else:
            render_candidates(text, candidates)
        return
    if as_json:
        emit_json({**found.to_dict(), "reference_data": ref})
    else:
        render_airport(found.to_dict())


@main.command("hex")
@click.argument("address")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@guarded
def hex_cmd(address, as_json):
    """State of registry and military flag of an ICAO 24-bit address (e.g. 4c01a3)."""
    from flightcheck.cli.reference_text import render_hex
    from flightcheck.reference import icao, versions

    info = icao.lookup(address).to_dict()
    if as_json:
        ref = {
            k: v
            for k, v in versions().items()
            if k in ("icao_address_blocks", "military_address_ranges")
        }
        emit_json({**info, "reference_data": ref})
    else:
        render_hex(info)


@main.command("scan")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--airport",
    "airport_codes",
    multiple=True,
    required=True,
    metavar="ICAO",
    help="Airport to list visits at (repeatable).",
)
@click.option("--since", default=None, metavar="TIME", help="Ignore fixes before (ISO, UTC).")
@click.option("--until", default=None, metavar="TIME", help="Ignore fixes after (ISO, UTC).")
@click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="Run on an existing Dask cluster, e.g. tcp://host:8786 (default in-process).",
)
@workers_option("Without --scheduler: threads, or forked processes for large file archives")
@click.option(
    "--format", "fmt", default=None, metavar="NAME", help="Force a reader instead of sniffing."
)
@click.option(
    "--tz",
    default=None,
    metavar="ZONE",
    help="Time zone of inputs that carry none (SBS logs); default UTC.",
)
@click.option(
    "--column",
    "columns",
    multiple=True,
    metavar="FIELD=NAME",
    help="Plain CSV / JSON records: map a track column to an input column or key, e.g. time=ts.",
)
@click.option(
    "--hex",
    "icao24",
    default=None,
    metavar="HEX",
    help="ICAO address for formats that have none (FR24, FlightAware).",
)
@click.option(
    "-o",
    "--output",
    default=None,
    metavar="visits.parquet|visits.csv",
    help="Write the visits table here.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--checkpoint",
    default=None,
    metavar="DIR",
    help="Keep each finished partition's findings in DIR; a re-run skips them "
    "(on a cluster DIR must be shared by every worker).",
)
@click.option(
    "--max-unreadable",
    default=0.01,
    show_default=True,
    type=click.FloatRange(0, 1),
    metavar="SHARE",
    help="Fail when more than this share of the inputs (or all) cannot be read.",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@settings_option
@guarded
def scan_cmd(
    paths,
    airport_codes,
    since,
    until,
    scheduler,
    workers,
    fmt,
    tz,
    columns,
    icao24,
    output,
    as_json,
    checkpoint,
    max_unreadable,
    quiet,
    settings,
):
    """Every aircraft that stopped at the airports, from archives (readsb globe_history,
    adsb.lol day tars and split .tar.aa/.ab parts read in place, s3:// gs:// az:// https://
    URLs, converted datasets, any readable export); bad files are skipped and counted,
    unreadable inputs fail the scan past --max-unreadable."""
    from flightcheck.cli.scan_text import render_scan, write_visits
    from flightcheck.io.context import ReadOptions
    from flightcheck.scan import scan

    if output and not output.endswith((".parquet", ".csv")):
        raise UsageError(f"-o {output}: expected a .parquet or .csv file name")
    if output:
        from flightcheck.output.outpaths import check_file, input_files

        check_file("-o", output, input_files(paths))
    result = scan(
        list(paths),
        list(airport_codes),
        since=_parse_time("--since", since),
        until=_parse_time("--until", until),
        scheduler=scheduler,
        options=ReadOptions(
            format=fmt,
            skip_bad=True,
            tz=tz,
            columns=_column_mapping(columns) or None,
            icao24=icao24,
        ),
        workers=workers,
        show_progress=False if quiet else None,
        checkpoint=checkpoint,
        max_unreadable=max_unreadable,
        settings=parse_settings(settings),
    )
    for path, why in result.unreadable:
        warn(f"flightcheck: could not read {path}: {why}")
    for path, why in result.bad:
        warn(f"flightcheck: skipped {path}: {why}")
    if output:
        warn(f"flightcheck: wrote {write_visits(result.visits, output)}")
    if as_json:
        emit_json(result.to_dict())
    else:
        render_scan(result)


@main.command("convert")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    required=True,
    metavar="DATASET/",
    help="New folder for the day-partitioned parquet dataset.",
)
@workers_option("Threads, or forked processes for large file archives")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@guarded
def convert_cmd(paths, output, workers, quiet):
    """An archive as a day-partitioned parquet dataset of the track table, for fast scans."""
    from flightcheck.output.outpaths import check_folder, input_files
    from flightcheck.scan import convert

    check_folder("-o", output, input_files(paths))
    done = convert(list(paths), output, workers=workers, show_progress=False if quiet else None)
    for lost in done["unreadable"]:
        warn(f"flightcheck: could not read {lost['path']}: {lost['reason']}")
    for bad in done["bad"]:
        warn(f"flightcheck: skipped {bad['path']}: {bad['reason']}")
    warn(
        f"flightcheck: wrote {output}: {done['points']:,} points from "
        f"{done['files']:,} files, {len(done['days'])} days"
    )


@main.command("settings")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: name -> value.")
@settings_option
@guarded
def settings_cmd(as_json, settings):
    """List the engine's thresholds: name, value, unit and why (change them with --set on a
    command, or in a case file's [settings] table)."""
    from flightcheck.cli.settings_text import render_settings
    from flightcheck.settings import describe

    chosen = parse_settings(settings)
    if as_json:
        emit_json(chosen.to_dict())
    else:
        render_settings(describe(chosen))


@main.command("formats")
@guarded
def formats_cmd():
    """List the input formats flightcheck reads (values of --format)."""
    from flightcheck import io

    for name, module in sorted(io.formats().items()):
        doc = (module.__doc__ or "").strip().splitlines()[0]
        click.echo(f"{name:20s} {doc}")
