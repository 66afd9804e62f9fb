"""The fluent surface: from files to routes, maps and verdicts in one chain.

>>> import flightcheck
>>> tracks = flightcheck.read("sample_tracks/").match_sources()   # doctest: +SKIP
>>> found = tracks.detect()                                         # doctest: +SKIP
>>> found.routes().map("map.html")                                  # doctest: +SKIP
>>> found.verify("sample_tracks/case.toml").table()                 # doctest: +SKIP

Each method is a thin call of one library function, named in its docstring, with the same
arguments (keyword options are passed on unchanged), so a chain gives exactly what the
function calls give. The objects are the library's own, with methods added:
:class:`Tracks` is a :class:`flightcheck.track.tracks.Tracks`, :class:`Findings` a
:class:`flightcheck.segment.Segmentation` and :class:`Routes` a
:class:`flightcheck.routes.RouteSet`, so everything that takes those takes these.

This module sits above the engine packages (it imports them; they never import it), which
keeps the track layer free of the engine: the plain ``Tracks`` that
:func:`flightcheck.io.read.read` returns has no methods that need ``segment`` or ``routes``.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec

from flightcheck.io.read import read as _read
from flightcheck.routes import RouteSet, build_routes
from flightcheck.routes import match_sources as _match_sources
from flightcheck.segment import Segmentation, detect
from flightcheck.settings import DEFAULT, EngineSettings
from flightcheck.track import tracks as track

if TYPE_CHECKING:
    import folium
    import pandas as pd

    from flightcheck.case.model import Case, Claim
    from flightcheck.case.verify import Verdict

    CaseLike = Case | Sequence[Claim] | str | Path
    """A case file's path, a loaded case, or its claims."""

__all__ = ["Findings", "Routes", "Tracks", "Verdicts", "read"]

P = ParamSpec("P")


class Tracks(track.Tracks):
    """A track table (:class:`flightcheck.track.tracks.Tracks`) with the next steps as
    methods: :meth:`match_sources`, :meth:`detect`, :meth:`routes`. ``aircraft()`` and
    ``between()`` return this class too."""

    @classmethod
    def of(cls, tracks: track.Tracks) -> Tracks:
        """``tracks`` as this class (the same table and provenance, not copied)."""
        if isinstance(tracks, cls):
            return tracks
        return cls(**{f.name: getattr(tracks, f.name) for f in dataclasses.fields(tracks)})

    def match_sources(self, settings: EngineSettings = DEFAULT) -> Tracks:
        """:func:`flightcheck.routes.match_sources`: inputs without an ICAO address matched to
        their aircraft, several inputs of one aircraft merged (thresholds: ``settings``).
        Idempotent (a matched table is returned as it is). Call it before :meth:`detect` so
        that the stops are found once, on the matched table, and :meth:`Findings.routes`
        uses them."""
        return _match_sources(self, settings)

    def detect(self, **options: Any) -> Findings:
        """:func:`flightcheck.segment.detect`: stops, events and gaps (times UTC, durations
        in seconds, distances in km). ``options`` go to ``detect`` (``airports``,
        ``since``/``until``, ``index``, ``workers``, ...)."""
        return Findings.of(detect(self, **options), self)

    def routes(self, **options: Any) -> Routes:
        """:func:`flightcheck.routes.build_routes` on this table (matching its sources first
        unless ``match_sources=False``; the stop engine runs on the matched table)."""
        return Routes.of(build_routes(self, **options))


@dataclasses.dataclass
class Findings(Segmentation):
    """The stop engine's result (:class:`flightcheck.segment.Segmentation`: ``stops``,
    ``events``, ``gaps``) with the table it was found on, ``tracks``, and the next steps."""

    tracks: Tracks | None = None

    @classmethod
    def of(cls, segmentation: Segmentation, tracks: track.Tracks) -> Findings:
        """``segmentation`` (found on ``tracks``) as this class."""
        fields = {f.name: getattr(segmentation, f.name) for f in dataclasses.fields(segmentation)}
        return cls(**{**fields, "tracks": Tracks.of(tracks)})

    def _tracks(self) -> Tracks:
        if self.tracks is None:
            raise ValueError("these findings do not know their tracks: use Tracks.detect()")
        return self.tracks

    def routes(self, **options: Any) -> Routes:
        """:func:`flightcheck.routes.build_routes` from these findings: legs (durations in
        s, coverage 0..1), country chains, sources. When the tracks' sources were not
        matched yet and matching changes the table, ``build_routes`` runs the stop engine
        again on the matched table (see :meth:`Tracks.match_sources`)."""
        return Routes.of(build_routes(self._tracks(), self, **options))

    def map(self, path: str | Path | None = None, **options: Any) -> folium.Map:
        """:func:`flightcheck.maps.build_map` of the tracks and these findings, saved as one
        self-contained HTML file at ``path`` when given (:func:`flightcheck.maps.save_map`).
        ``options`` go to ``build_map`` (``annotations``, ``title``, ``silent_s`` in s,
        ``max_vertices``, ``online_tiles``, ``reference``, ...)."""
        from flightcheck.maps import build_map

        return _saved(build_map(self._tracks(), self, **options), path)

    def verify(self, case: CaseLike, **options: Any) -> Verdicts:
        """The verdicts of ``case``'s claims on the routes of these findings: a shortcut for
        ``self.routes().verify(case, **options)``."""
        return self.routes().verify(case, **options)


class Routes(RouteSet):
    """Every aircraft's route (:class:`flightcheck.routes.RouteSet`) with the next steps:
    :meth:`map` and :meth:`verify`."""

    @classmethod
    def of(cls, routes: RouteSet) -> Routes:
        """``routes`` as this class (the same routes, not copied)."""
        if isinstance(routes, cls):
            return routes
        return cls(**{f.name: getattr(routes, f.name) for f in dataclasses.fields(routes)})

    def map(
        self,
        path: str | Path | None = None,
        annotations: Iterable[Mapping[str, Any]] | None = None,
        title: str | None = None,
        **options: Any,
    ) -> folium.Map:
        """:func:`flightcheck.maps.map_routes`: the evidence map of these routes, saved as one
        self-contained HTML file at ``path`` when given. ``options`` go to
        :func:`flightcheck.maps.build_map` (``silent_s`` in s, ``online_tiles``, ...)."""
        from flightcheck.maps import map_routes

        return _saved(map_routes(self, annotations, title, **options), path)

    def verify(self, case: CaseLike, **options: Any) -> Verdicts:
        """:func:`flightcheck.case.verify`: one verdict per claim of ``case`` (a case file's
        path, a loaded :class:`~flightcheck.case.Case` or claims), judged on these routes
        and their tracks; only the case's claims are used, not its inputs (``flightcheck
        verify`` reads those). ``options`` go to ``verify``."""
        from flightcheck.case.verify import verify

        if self.tracks is None:
            raise ValueError("these routes do not know their tracks: use build_routes()")
        return Verdicts(verify(_claims(case), self.tracks, self, **options))


class Verdicts(list["Verdict"]):
    """The verdicts of a case's claims, in the case's order."""

    def table(self) -> pd.DataFrame:
        """:func:`flightcheck.case.verdict_table`: one row per claim (id, text, verdict,
        confidence 0..1, aircraft, reasons, evidence)."""
        from flightcheck.case.verify import verdict_table

        return verdict_table(list(self))

    @property
    def by_claim(self) -> dict[str, str]:
        """Claim id -> verdict."""
        return {v.id: v.verdict for v in self}


def _claims(case: CaseLike) -> list[Claim]:
    from flightcheck.case.model import Case, load

    if isinstance(case, Case):
        return list(case.claims)
    if isinstance(case, (str, Path)):
        return list(load(case).claims)
    return list(case)


def _saved(m: folium.Map, path: str | Path | None) -> folium.Map:
    if path is not None:
        from flightcheck.maps import save_map

        save_map(m, path)
    return m


def _fluent(reader: Callable[P, track.Tracks]) -> Callable[P, Tracks]:
    @functools.wraps(reader)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> Tracks:
        return Tracks.of(reader(*args, **kwargs))

    return wrapped


read = _fluent(_read)
""":func:`flightcheck.io.read.read` (same arguments) returning a fluent :class:`Tracks`."""
