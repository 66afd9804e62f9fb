"""The evidence pack: everything ``verify`` writes for a case, reproducibly.

OUTDIR gets ``verdicts.json``, ``report.html``, ``map.html``, ``stops.csv``,
``tracks.geojson`` and ``manifest.json`` (sha256 of every input and output, tool and
reference-data versions, every parameter, the inputs re-hashed with ``case add --update``
and how each claimed place was resolved to a code). Running again on the same inputs gives byte-
identical outputs except ``manifest.json``'s ``created`` field and the report's date line.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
from markupsafe import Markup, escape

from flightcheck import __version__
from flightcheck.case.bind import bind
from flightcheck.case.edit import check_inputs
from flightcheck.case.inputs import is_pack
from flightcheck.case.model import Case, load
from flightcheck.case.verify import Verdict, verify
from flightcheck.errors import FlightcheckError, UsageError
from flightcheck.maps.export import csv_bytes, to_geojson
from flightcheck.output.atomic_folder import replace_folder
from flightcheck.output.jsonout import dumps, iso, plain
from flightcheck.output.outpaths import check_folder
from flightcheck.routes import RouteSet, build_routes
from flightcheck.routes.reconcile import match_target
from flightcheck.runtime.parallel import Workers
from flightcheck.segment.evidence import duration
from flightcheck.segment.gaps import stop_fits
from flightcheck.track.provenance import sha256_file
from flightcheck.track.tracks import Tracks


def _as_list(value: Any) -> list[str]:
    """Evidence may be one text or a list of texts."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _rel(path: str, root: Path) -> str:
    """``path`` relative to the case folder ``root``; unchanged when outside it."""
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path


def gap_figure(seconds: Any) -> str:
    """A silence's duration or unaccounted time as every output shows it: the stop engine's
    own wording (``4 h 43 min``, ``0 s``; ``-`` when unknown), so the report, the map popup
    and the evidence texts in the JSON and ``stops.csv`` agree to the minute."""
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "-"
    return duration(float(seconds))


def _hm(seconds: Any) -> str:
    if seconds is None:
        return "-"
    s = int(round(float(seconds)))
    return f"{s // 3600} h {(s % 3600) // 60:02d} min"


def caveats(tracks: Tracks, routes: RouteSet) -> list[str]:
    """Plain-language notes on coverage and data quality that a reader must know."""
    out = []
    for rec in tracks.inputs:
        bad = {k: v for k, v in rec.dropped.items()}
        if bad:
            out.append(
                f"{rec.path}: left out " + ", ".join(f"{v:,} ({k})" for k, v in sorted(bad.items()))
            )
        if rec.flagged:
            out.append(
                f"{rec.path}: kept but not used for stops, routes or verdicts "
                + ", ".join(f"{v:,} ({k})" for k, v in sorted(rec.flagged.items()))
                + ": the data refutes these fixes (flag column of the track table)"
            )
        out += [f"{rec.path}: {n}" for n in rec.notes]
    for path, why in tracks.skipped:
        out.append(f"{path}: not used ({why})")
    for m in routes.matches:
        out.append(
            f"{', '.join(m['sources'])} carry no ICAO address; matched to "
            f"{match_target(m)} because their positions agree (median "
            f"{m['median_distance_m']:.0f} m over {m['overlap_points']} fixes)"
        )
    for r in routes:
        recon = r.reconciliation or {}
        for p in recon.get("pairs", []):
            out += [f"{r.icao24}: {n}" for n in p.get("notes", []) if "too little" not in n]
        for s in recon.get("mlat_only_stretches", []):
            out.append(
                f"{r.icao24}: MLAT-only positions {iso(s['start'])} – {iso(s['end'])} "
                "(multilaterated, noisier)"
            )
        for g in r.gaps.to_dict("records"):
            if stop_fits(g, routes.settings):
                what = (
                    f"accounted for by the {g['explained_by']}"
                    if isinstance(g.get("explained_by"), str)
                    else "an unobserved stop is possible there"
                )
                out.append(
                    f"{r.icao24}: silent {iso(g.get('start'))} – {iso(g.get('end'))}, "
                    f"{gap_figure(g.get('unaccounted_s'))} more than a direct flight "
                    f"needs: {what}"
                )
    return out


def markers(bound: list[dict]) -> list[dict]:
    """Map markers for the annotations bound to a stop (those bound to a range have no place),
    each with the annotation's own time (not the stop's)."""
    return [
        {
            "lat": b["lat"],
            "lon": b["lon"],
            "title": b["label"],
            "text": " ".join(x for x in (b["note"], "Bound to: " + b["bound"]) if x),
            "time": b.get("time"),
            "id": b.get("id"),
            "icao24": b.get("icao24"),
            "author": b.get("author") or None,
        }
        for b in bound
        if b.get("lat") is not None
    ]


ISO_TIME = re.compile(r"(\d{4}-\d\d-\d\d)T(\d\d:\d\d):\d\d(?:\.\d+)?Z")


def when(value: Any) -> Markup:
    """A UTC time for readers, to the minute (``2025-10-16 08:26Z``), with the exact ISO
    8601 time kept in ``<time datetime>``; empty when unknown."""
    iso_text = iso(value)
    if not iso_text:
        return Markup("")
    ts = pd.Timestamp(iso_text)
    return Markup('<time datetime="{}">{}</time>').format(iso_text, ts.strftime("%Y-%m-%d %H:%MZ"))


def humane(text: Any) -> Markup:
    """Text (escaped) with its ISO 8601 times shown to the minute: ``2025-10-16T08:26:57.073Z``
    becomes ``2025-10-16 08:26Z`` (the exact time stays in ``verdicts.json``)."""
    return Markup(ISO_TIME.sub(r"\1 \2Z", str(escape(text))))


def _template(root: Path | None = None, names: dict[str, str] | None = None) -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("flightcheck", "case"),
        autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
        undefined=jinja2.StrictUndefined,
    )

    def rel(path: Any) -> str:
        """A path relative to the case folder, else its citation name (never absolute)."""
        text = str(path)
        if root is not None:
            inside = _rel(text, root)
            if inside != text:
                return inside
        return (names or {}).get(text) or Path(text).name

    env.filters.update(when=when, humane=humane, rel=rel)
    return env.get_template("report.html.j2")


CONFIDENCE_MEANING = {
    "supported": "the confidence of the finding it rests on (the weakest stop of a route; "
    "1.00 for observed positions)",
    "contradicted": "the time missing at the closest call, as a share of the time that call "
    "needed (1.00: no silence came near)",
    "inconclusive": "0.00 by design: the data leans neither way",
}


def _scope(claim: Any) -> dict[str, str]:
    """A claim's kind, place, time window and aircraft filter as the report shows them."""
    if claim is None:
        return {"kind": "", "place": "", "window": "any time", "selection": "any aircraft"}
    a, b = iso(claim.start), iso(claim.end)
    short = "%Y-%m-%d %H:%MZ"
    window = (
        "any time"
        if not a and not b
        else f"{pd.Timestamp(a).strftime(short) if a else 'the start of the data'} – "
        f"{pd.Timestamp(b).strftime(short) if b else 'the end of the data'}"
    )
    who = []
    if claim.aircraft:
        who.append(claim.aircraft)
    if claim.registered_country:
        who.append(f"registered in {claim.registered_country}")
    if claim.military is not None:
        who.append("military addresses" if claim.military else "civil addresses")
    place = " → ".join(claim.route) if claim.route else (claim.airport or claim.country or "")
    if claim.place and claim.place != place:
        place = f"{claim.place} ({place})" if place else claim.place
    return {
        "kind": claim.kind,
        "place": place,
        "window": window,
        "selection": ", ".join(who) or "any aircraft",
    }


def _evidence_links(evidence: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Links from a verdict to the findings it cites (stops, silences), by their ids."""
    from flightcheck.maps.layers import gap_id, stop_id

    out, seen = [], set()
    for e in evidence:
        if e.get("type") == "stop":
            fid = stop_id(e)
            at = iso(e.get("arrival")) or iso(e.get("departure"))
            label = f"{e.get('airport') or '?'} stop" + (
                f" {pd.Timestamp(at).strftime('%d %b %H:%MZ')}" if at else ""
            )
        elif e.get("type") == "gap":
            fid = gap_id(e)
            start = iso(e.get("start"))
            label = (
                f"silence from {pd.Timestamp(start).strftime('%d %b %H:%MZ')}"
                if start
                else "silence"
            )
        else:
            continue
        if fid not in seen:
            seen.add(fid)
            out.append({"id": fid, "label": label})
    return out


def render_report(
    case_title: str,
    tracks: Tracks,
    routes: RouteSet,
    verdicts: list[Verdict],
    bound: list[dict],
    map_file: str | None,
    created: str,
    *,
    claims: Iterable[Any] = (),
    root: Path | None = None,
    map_image: str | None = None,
) -> str:
    """report.html (jinja2 with autoescaping: text from inputs and the case is escaped).

    ``claims`` (the case's) give each verdict its window and aircraft filter; ``root`` (the
    case folder) makes paths relative; ``map_image`` is shown instead of the live map when
    printing."""
    from flightcheck.maps.layers import event_id, gap_id, stop_id
    from flightcheck.maps.timeline import route_timeline
    from flightcheck.reference import versions
    from flightcheck.segment.evidence import short_names

    stops, legs, events, gaps = [], [], [], []
    for r in routes:
        for s in plain(r.stops.to_dict("records")):
            s["dwell"] = _hm(s.get("dwell_s"))
            s["evidence"] = _as_list(s.get("evidence"))
            s["fc_id"] = stop_id(s)
            stops.append(s)
        legs += plain(
            r.legs.drop(
                columns=["first_index", "last_index", "overflown"], errors="ignore"
            ).to_dict("records")
        )
        for e in plain(r.events.to_dict("records")):
            e["evidence"] = _as_list(e.get("evidence"))
            e["fc_id"] = event_id(e)
            events.append(e)
        for g in plain(r.gaps.to_dict("records")):
            g["duration"] = gap_figure(g["duration_s"])
            g["unaccounted"] = gap_figure(g["unaccounted_s"])
            g["stop_fits"] = stop_fits(g, routes.settings)
            g["fc_id"] = gap_id(g)
            gaps.append(g)
    by_id = {c.id: c for c in claims}
    shown = []
    for v in verdicts:
        d = v.to_dict()
        d.update(_scope(by_id.get(v.id)))
        d["meaning"] = CONFIDENCE_MEANING.get(v.verdict, "")
        d["links"] = _evidence_links(v.evidence)
        shown.append(d)
    verdict_of = {v.id: v for v in verdicts}
    bands = [
        {
            "id": c.id,
            "start": c.start,
            "end": c.end,
            "aircraft": list(verdict_of[c.id].aircraft) if c.id in verdict_of else [],
            "verdict": verdict_of[c.id].verdict if c.id in verdict_of else None,
        }
        for c in by_id.values()
        if c.start is not None or c.end is not None
    ]
    figure = route_timeline(routes, bands, link=map_file, target="fc-map" if map_file else None)
    names = short_names(sorted({i.path for i in tracks.inputs}))
    return _template(root, names).render(
        title=case_title,
        version=__version__,
        created=created,
        inputs=[i.to_dict() for i in tracks.inputs],
        n_points=f"{len(tracks):,}",
        routes=list(routes),
        verdicts=shown,
        stops=stops,
        legs=legs,
        events=events,
        gaps=gaps,
        annotations=bound,
        caveats=[_relative_text(c, root, names) for c in caveats(tracks, routes)],
        map_file=map_file,
        map_image=map_image,
        reference=versions(),
        timeline=Markup(figure.html()),
    )


def _relative_text(text: str, root: Path | None, names: dict[str, str]) -> str:
    """``text`` with every input's full path replaced by its path relative to the case
    folder (its citation name when outside it)."""
    for path, name in sorted(names.items(), key=lambda kv: -len(kv[0])):
        if path in text:
            shown = _rel(path, root) if root is not None else path
            text = text.replace(path, shown if shown != path else name)
    return text


def read_records(tracks: Tracks) -> Callable[[Path], dict[str, Any]]:
    """How each input was read (format, points kept, dropped), found by its path: a look-up
    built once (comparing every case input with every read input took O(inputs^2) path
    resolutions: 2,000 inputs 86 s, now 0.1 s)."""
    read_as: dict[Path, Any] = {}
    for rec in tracks.inputs:
        read_as.setdefault(Path(rec.path).resolve(), rec)
    skipped: dict[Path, str] = {}
    for p, why in tracks.skipped:
        skipped.setdefault(Path(p).resolve(), why)

    def record(path: Path) -> dict[str, Any]:
        key = path.resolve()
        rec = read_as.get(key)
        if rec is not None:
            return {
                "format": rec.format,
                "points": rec.points,
                "dropped": dict(rec.dropped),
                "flagged": dict(sorted(rec.flagged.items())),
            }
        return {"format": None, "points": 0, "skipped": skipped.get(key)}

    return record


def figure_name(claim_id: str) -> str:
    """The file name of a claim's figure in the pack: ``claim-ID.png`` (characters other
    than letters, digits, ``-`` and ``_`` dropped)."""
    return "claim-" + (re.sub(r"[^A-Za-z0-9_-]", "", claim_id) or "unnamed") + ".png"


def _render_figures(
    case: Case,
    verdicts: list[Verdict],
    tracks: Tracks,
    map_bytes: bytes,
    report: Callable[[str | None], bytes],
    pdf: bool,
    size: tuple[int, int] = (1600, 1000),
) -> list[tuple[str, bytes]]:
    """Through headless Chromium (network off): ``map.png`` (the whole map, shown when the
    report is printed), one figure per claim framed on its evidence, and with ``pdf`` the
    report printed to ``report.pdf`` (A4). ``report(map_image)`` renders report.html."""
    import tempfile

    from flightcheck.maps import publish
    from flightcheck.maps.browser import offline_browser

    out: list[tuple[str, bytes]] = []
    credit = publish.credits(tracks.inputs)
    claims = {c.id: c for c in case.claims}
    with tempfile.TemporaryDirectory(prefix="flightcheck-figures-") as tmp:
        folder = Path(tmp)
        (folder / "map.html").write_bytes(map_bytes)
        shots: list[tuple[str, list[list[float]] | None, str]] = [("map.png", None, case.title)]
        for v in verdicts:
            claim = claims.get(v.id)
            bounds = publish.evidence_bounds(v.evidence, claim.airport if claim else None)
            caption = (
                f"{v.id}: {v.text} — {v.verdict} (confidence {v.confidence:.2f})"
                if v.text
                else f"{v.id}: {v.verdict} (confidence {v.confidence:.2f})"
            )
            shots.append((figure_name(v.id), bounds, caption))
        with offline_browser() as browser:
            for name, bounds, caption in shots:
                publish.figure(
                    folder / "map.html",
                    folder / name,
                    size=size,
                    bounds=bounds,
                    caption=caption,
                    credits=credit,
                    browser=browser,
                )
                out.append((name, (folder / name).read_bytes()))
        if pdf:
            (folder / "report.html").write_bytes(report("map.png"))
            with offline_browser() as browser:
                page = browser.context.new_page()
                page.goto((folder / "report.html").as_uri(), wait_until="load")
                page.emulate_media(media="print")
                data = page.pdf(format="A4", print_background=True)
            if browser.errors or browser.blocked:
                problems = browser.errors + [f"blocked {u}" for u in browser.blocked]
                raise FlightcheckError(
                    f"report.pdf: the report did not render cleanly: {problems[0]}"
                )
            out.append(("report.pdf", data))
    return out


@dataclass
class Analysis:
    """What verifying a case finds, before anything is written: the case as loaded (and the
    sha256 of its file), its inputs re-hashed, the reading parameters, the tracks, routes,
    verdicts and the annotations bound to findings."""

    case: Case
    case_digest: str
    hashes: list[dict[str, Any]]
    params: dict[str, Any]
    tracks: Tracks
    routes: RouteSet
    verdicts: list[Verdict]
    bound: list[dict[str, Any]]


STAGES = ("checking inputs", "reading inputs", "building routes", "verifying claims")
"""The steps of :func:`analyse`, in order, as its ``progress`` callback names them."""


def analyse(
    case_path: str | Path,
    *,
    allow_outside: Iterable[str | Path] = (),
    allow_future: bool = False,
    progress: Callable[[str], None] | None = None,
    workers: Workers = 1,
) -> Analysis:
    """Load a case, check its inputs' hashes (confined, see :meth:`Case.confined_paths`),
    read them, build routes, verify the claims and bind the annotations. ``progress`` is
    called with each of :data:`STAGES` as it starts. ``workers``: processes reading and
    finding stops (:mod:`flightcheck.runtime.parallel`)."""
    from flightcheck.io.read import read

    step = progress or (lambda _stage: None)
    case: Case = load(case_path)
    case_digest = sha256_file(case.path)
    step(STAGES[0])
    hashes = check_inputs(case, allow_outside)
    settings = case.settings
    params: dict[str, Any] = {  # the manifest's record of how the inputs were read
        "tz": settings.get("tz"),
        "skip_bad": bool(settings.get("skip_bad", False)),
        "format": settings.get("format"),
        "allow_future": allow_future,
    }
    step(STAGES[1])
    tracks = read(
        [str(p) for p in case.input_paths()],
        format=params["format"],
        skip_bad=params["skip_bad"],
        tz=params["tz"],
        allow_future=allow_future,
        settings=case.engine,
        workers=workers,
    )
    step(STAGES[2])
    routes = build_routes(tracks, settings=case.engine, workers=workers)
    if routes.tracks is not None:  # sources without an ICAO address matched to their aircraft
        tracks = routes.tracks
    step(STAGES[3])
    verdicts = verify(case.claims, tracks, routes, case.engine)
    bound = [bind(a, routes) for a in case.annotations]
    return Analysis(case, case_digest, hashes, params, tracks, routes, verdicts, bound)


def run(
    case_path: str | Path,
    outdir: str | Path,
    *,
    map_html: bool = True,
    now: dt.datetime | None = None,
    allow_outside: Iterable[str | Path] = (),
    allow_future: bool = False,
    figures: bool = False,
    pdf: bool = False,
    progress: Callable[[str], None] | None = None,
    workers: Workers = 1,
) -> dict[str, Any]:
    """Verify a case and write its evidence pack (built beside ``outdir`` and swapped in
    whole, see :mod:`flightcheck.output.atomic_folder`). Returns the manifest.

    ``figures``: also ``map.png`` and one publication figure per claim (``claim-ID.png``);
    ``pdf``: also ``report.pdf`` (A4, the map as an image); both need Chromium.
    Inputs must lie inside the case folder or under ``allow_outside``; ``outdir`` may not be
    the case folder nor hold the case's files. ``progress``: see :func:`analyse`; then
    called with ``"writing the evidence pack"``. ``workers``: see :func:`analyse`."""
    case: Case = load(case_path)
    out = check_folder("-o", outdir, [case.path, *case.input_paths()], case.root)
    found = analyse(
        case.path,
        allow_outside=allow_outside,
        allow_future=allow_future,
        progress=progress,
        workers=workers,
    )
    if progress is not None:
        progress("writing the evidence pack")
    return write_analysis(found, out, map_html=map_html, now=now, figures=figures, pdf=pdf)


def write_analysis(
    found: Analysis,
    out: Path,
    *,
    map_html: bool = True,
    now: dt.datetime | None = None,
    figures: bool = False,
    pdf: bool = False,
) -> dict[str, Any]:
    """Write the evidence pack of ``found`` into the (checked) folder ``out`` (``figures``,
    ``pdf``: see :func:`run`)."""
    from flightcheck.reference import versions

    case, case_digest, hashes, params = found.case, found.case_digest, found.hashes, found.params
    tracks, routes, verdicts, bound = found.tracks, found.routes, found.verdicts, found.bound
    created = iso(now or dt.datetime.now(dt.UTC))
    stops = [r.stops for r in routes if len(r.stops)]
    files: list[tuple[str, bytes]] = [
        (
            "verdicts.json",
            dumps({"case": case.title, "claims": [v.to_dict() for v in verdicts]}) + b"\n",
        ),
        ("stops.csv", csv_bytes(pd.concat(stops, ignore_index=True) if stops else pd.DataFrame())),
        ("tracks.geojson", dumps(to_geojson(tracks, routes)) + b"\n"),
    ]
    map_file, map_bytes = None, b""
    if map_html:
        from flightcheck.maps import map_routes
        from flightcheck.maps.build import render_html

        fmap = map_routes(routes, markers(bound), title=case.title)
        map_bytes = render_html(fmap).encode("utf-8")
        files.append(("map.html", map_bytes))
        map_file = "map.html"

    def report(map_image: str | None) -> bytes:
        return render_report(
            case.title,
            tracks,
            routes,
            verdicts,
            bound,
            map_file,
            created,
            claims=case.claims,
            root=case.root,
            map_image=map_image,
        ).encode("utf-8")

    images: list[tuple[str, bytes]] = []
    if (figures or pdf) and map_html:
        images = _render_figures(case, verdicts, tracks, map_bytes, report, pdf)
    elif figures or pdf:
        raise UsageError("figures and report.pdf need the map (map_html=True)")
    files.append(("report.html", report("map.png" if images else None)))
    files += images
    how_read = read_records(tracks)
    with replace_folder(out, is_pack) as build:
        written = [build.write(name, data) for name, data in files]
        manifest = {
            "tool": {"name": "flightcheck", "version": __version__},
            "created": created,
            "case": {"path": str(case.path), "sha256": case_digest, "title": case.title},
            "parameters": params,
            "settings": case.engine.to_dict(),
            "inputs": [{**h, **how_read(case.root / h["path"])} for h in hashes],
            "input_changes": [
                {
                    "path": c.path,
                    "old_sha256": c.old_sha256,
                    "new_sha256": c.new_sha256,
                    "updated": iso(c.updated),
                }
                for c in case.input_changes
            ],
            "places": {
                c.id: {
                    "written": c.place or None,
                    "resolved": [
                        {
                            "code": p.code,
                            "name": p.name,
                            "country": p.country,
                            "note": p.note or None,
                        }
                        for p in c.places
                    ],
                }
                for c in case.claims
                if c.places
            },
            "reference_data": versions(),
            "outputs": written,
            "verdicts": {v.id: v.verdict for v in verdicts},
        }
        build.write("manifest.json", dumps(manifest) + b"\n")
    return manifest
