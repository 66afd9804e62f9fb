"""The workbench's routes (Starlette): the page, the map, packaged static files, the
exported pack, and a small JSON API for edits and jobs.

Every request passes :class:`flightcheck.serve.security.Guard` first (token, loopback Host,
Origin on state-changing requests, no uploads). Edits go through
:class:`flightcheck.serve.edits.CaseEditor`, i.e. the CLI's own case functions.
"""

from __future__ import annotations

import getpass
import json
import os
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from flightcheck.case.model import Case, load
from flightcheck.errors import FlightcheckError, UsageError
from flightcheck.serve.edits import CaseEditor, Conflict, Done, ReadOnly
from flightcheck.serve.jobs import Jobs
from flightcheck.serve.security import Guard
from flightcheck.serve.timeline import timeline_svg
from flightcheck.serve.view import annotation_rows, finding_rows, focus_aircraft, verdict_rows

HERE = Path(__file__).parent
LABELS = (
    "suspected delivery",
    "confirmed delivery",
    "cleared",
    "needs more data",
    "routine flight",
)
"""Labels offered in the annotation form (any other text is accepted too)."""
MAPS_KEPT = 8
"""Rendered maps kept in memory (the whole case's and single aircraft's), newest first."""


def default_author() -> str:
    """Who edits, when the page does not say: ``$FLIGHTCHECK_AUTHOR`` or the login name."""
    try:
        return os.environ.get("FLIGHTCHECK_AUTHOR") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@dataclass
class Settings:
    """How one workbench runs."""

    case_path: Path
    token: str
    read_only: bool = False
    online_tiles: bool = False
    author: str = field(default_factory=default_author)
    export_dir: Path | None = None
    allow_outside: list[str] = field(default_factory=list)

    @property
    def pack_dir(self) -> Path:
        """Where ``Export`` writes the evidence pack: ``CASE_DIR/evidence`` by default."""
        return self.export_dir or self.case_path.parent / "evidence"


def _clean_author(value: Any, fallback: str) -> str:
    """An author name from the page: printable text, at most 100 characters."""
    text = "".join(ch for ch in str(value or "") if unicodedata.category(ch)[0] != "C")
    return text.strip()[:100] or fallback


def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


class Workbench:
    """State shared by the routes of one served case."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.editor = CaseEditor(settings.case_path, settings.read_only)
        self.jobs = Jobs(settings.case_path, settings.allow_outside, persist=not settings.read_only)
        self.env = _templates()
        self._maps: OrderedDict[tuple[int, str, str | None], str] = OrderedDict()

    # -- page ------------------------------------------------------------------------------
    def load_case(self) -> tuple[Case | None, str | None]:
        try:
            return load(self.settings.case_path), None
        except FlightcheckError as exc:
            return None, str(exc)

    def page(self, request: Request) -> Response:
        case, problem = self.load_case()
        found = self.jobs.analysis
        rows = finding_rows(found)
        focus = focus_aircraft(found, case)
        s = self.settings
        inside = _inside(s.pack_dir, s.case_path.parent)
        html = self.env.get_template("page.html.j2").render(
            token=s.token,
            base=self.editor.current(),
            read_only=s.read_only,
            author=s.author,
            case=case,
            problem=problem,
            case_path=str(s.case_path),
            analysis_error=self.jobs.analysis_error,
            analysed=found is not None,
            rows=rows,
            aircraft=sorted({(r["aircraft"], r["aircraft_label"]) for r in rows}),
            timeline=timeline_svg([r for r in rows if focus is None or r["aircraft"] in focus]),
            focus=focus,
            n_aircraft=len(found.routes) if found is not None else 0,
            labels=LABELS,
            verdicts=verdict_rows(found, case, self.jobs.changes) if case else [],
            annotations=annotation_rows(found, case) if case else [],
            history=[e.summary() for e in reversed(self.editor.history.entries())][:50],
            undoable=self.editor.history.undoable(),
            job=self.jobs.snapshot(),
            changes=self.jobs.changes,
            pack_dir=str(s.pack_dir),
            pack_served=inside and (s.pack_dir / "report.html").is_file(),
        )
        return HTMLResponse(html)

    def map_page(self, request: Request) -> Response:
        """The evidence map (the shared renderer); ``?aircraft=HEX`` maps one aircraft."""
        from flightcheck.case.pack import markers
        from flightcheck.maps import map_routes, render_html

        found = self.jobs.analysis
        case, _ = self.load_case()
        if found is None or case is None:
            return HTMLResponse(
                "<!doctype html><title>map</title><p>No map yet: the case "
                "has not been verified.</p>"
            )
        only = request.query_params.get("aircraft") or None
        if only is not None and only not in {r.icao24 for r in found.routes}:
            return Response("no such aircraft in this case", 404)
        key = (id(found), self.editor.current(), only)
        if key in self._maps:
            self._maps.move_to_end(key)
        else:
            shown = [only] if only is not None else focus_aircraft(found, case)
            bound = annotation_rows(found, case)
            if shown is not None:
                bound = [b for b in bound if b.get("icao24") in shown]
            fmap = map_routes(
                found.routes,
                markers(bound),
                title=case.title,
                online_tiles=self.settings.online_tiles,
                icao24=shown,
            )
            self._maps[key] = render_html(fmap)
            while len(self._maps) > MAPS_KEPT:
                self._maps.popitem(last=False)
        return HTMLResponse(self._maps[key])

    # -- JSON API --------------------------------------------------------------------------
    def state(self, request: Request) -> Response:
        return JSONResponse(
            {
                "sha256": self.editor.current(),
                "job": self.jobs.snapshot(),
                "changes": self.jobs.changes,
                "read_only": self.settings.read_only,
            }
        )

    def history(self, request: Request) -> Response:
        return JSONResponse({"entries": [e.summary() for e in self.editor.history.entries()]})

    async def _body(self, request: Request) -> dict[str, Any]:
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "application/json":
            raise UsageError("send JSON (Content-Type: application/json)")
        try:
            body = json.loads(await request.body())
        except ValueError:
            raise UsageError("the request body is not JSON") from None
        if not isinstance(body, dict):
            raise UsageError("the request body must be a JSON object")
        return body

    async def edit(self, request: Request) -> Response:
        action = request.path_params["action"]
        try:
            body = await self._body(request)
            who = _clean_author(body.get("author"), self.settings.author)
            base = body.get("base")
            fields = body.get("fields") or {}
            if not isinstance(fields, dict):
                raise UsageError("fields must be a JSON object")
            done: Done
            if action == "annotate":
                done = self.editor.annotate(base, who, fields)
            elif action == "claim":
                done = self.editor.claim(base, who, fields)
            elif action == "remove":
                done = self.editor.remove(base, who, str(body.get("target") or ""))
            elif action == "undo":
                done = self.editor.undo(base, who)
            else:
                return JSONResponse({"error": f"no such action {action!r}"}, 404)
        except ReadOnly as exc:
            return JSONResponse({"error": str(exc)}, 403)
        except Conflict as exc:
            return JSONResponse({"error": str(exc), "current": exc.current}, 409)
        except FlightcheckError as exc:
            return JSONResponse({"error": str(exc)}, 400)
        return JSONResponse(
            {"sha256": done.sha256, "entry": done.entry.summary() if done.entry else None}
        )

    async def verify(self, request: Request) -> Response:
        started = self.jobs.verify()
        return JSONResponse(
            {"started": started, "job": self.jobs.snapshot()}, 202 if started else 409
        )

    async def export(self, request: Request) -> Response:
        if self.settings.read_only:
            return JSONResponse(
                {"error": "this workbench is read-only (started with --read-only)"}, 403
            )
        started = self.jobs.export(self.settings.pack_dir)
        return JSONResponse(
            {"started": started, "job": self.jobs.snapshot()}, 202 if started else 409
        )


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


class PackFiles(StaticFiles):
    """The exported evidence pack, served only when it lies inside the case folder
    (StaticFiles itself refuses paths that resolve outside its folder: ``../``, symlinks)."""

    def __init__(self, folder: Path, case_root: Path) -> None:
        super().__init__(directory=folder, check_dir=False)
        self.folder = folder
        self.allowed = _inside(folder, case_root)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if not self.allowed or not self.folder.is_dir():
            why = (
                "the evidence pack lies outside the case folder"
                if not self.allowed
                else "no evidence pack yet: press Export"
            )
            await Response(why, 404)(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def create_app(settings: Settings, start_verify: bool = True) -> Any:
    """The ASGI application for one case (guarded), verifying it in the background at once
    when ``start_verify`` and the case has inputs."""
    bench = Workbench(settings)
    routes = [
        Route("/", bench.page),
        Route("/map", bench.map_page),
        Route("/api/state", bench.state),
        Route("/api/history", bench.history),
        Route("/api/verify", bench.verify, methods=["POST"]),
        Route("/api/export", bench.export, methods=["POST"]),
        Route("/api/edit/{action}", bench.edit, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        Mount("/pack", PackFiles(settings.pack_dir, settings.case_path.parent), name="pack"),
    ]
    app = Starlette(routes=routes)
    app.state.bench = bench
    case, _ = bench.load_case()
    if start_verify and case is not None and case.inputs:
        bench.jobs.verify()
    return Guard(app, settings.token, settings.online_tiles)
