"""Offline assets: Leaflet, jQuery and Font Awesome inlined into the page, and the check that
a finished page references nothing outside itself.

The JavaScript and CSS come from the PyPI ``xstatic-*`` packages, so a map opens years later
on an air-gapped machine exactly as it did when it was made. Images and fonts referenced by
the stylesheets become ``data:`` URIs.
"""

from __future__ import annotations

import base64
import functools
import mimetypes
import re
from html.parser import HTMLParser
from pathlib import Path

from flightcheck.errors import FlightcheckError

_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""", re.IGNORECASE)
_TTF_FALLBACK = re.compile(r""",\s*url\([^)]*\.ttf\)\s*format\(["']truetype["']\)""")
_IMPORT = re.compile(r"@import\b", re.IGNORECASE)
_LOADING_ATTRS = {
    "script": ("src",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "frame": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "source": ("src", "srcset"),
    "audio": ("src",),
    "video": ("src", "poster"),
    "track": ("src",),
    "input": ("src",),
    "image": ("href",),
    "use": ("href", "xlink:href"),
}


class RemoteReferenceError(FlightcheckError):
    """A finished map still points at something outside the file (it would not open offline)."""


def _xstatic_dir(name: str) -> Path:
    import importlib

    module = importlib.import_module(f"xstatic.pkg.{name}")
    return Path(module.BASE_DIR)


def _data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0]
    if mime is None and path.suffix == ".woff2":
        mime = "font/woff2"
    encoded = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"data:{mime or 'application/octet-stream'};base64,{encoded}"


def inline_css_urls(css: str, base: Path) -> str:
    """Replace relative ``url(...)`` references in ``css`` by data URIs of the files under
    ``base``; ``data:`` and ``#fragment`` references are left alone. TrueType fallbacks next
    to a WOFF2 font are dropped (every browser that runs Leaflet reads WOFF2)."""
    css = _TTF_FALLBACK.sub("", css)

    def repl(match: re.Match[str]) -> str:
        target = match.group(2).strip()
        if target.startswith(("data:", "#")):
            return match.group(0)
        path = (base / target.split("?")[0].split("#")[0]).resolve()
        if not path.is_file():
            raise RemoteReferenceError(f"stylesheet asset {target!r} not found under {base}")
        return f"url({_data_uri(path)})"

    return _CSS_URL.sub(repl, css)


def _script(text: str) -> str:
    # A literal "</script" inside inlined JavaScript would end the element early.
    return "<script>\n" + text.replace("</script", "<\\/script") + "\n</script>\n"


def _style(text: str) -> str:
    return "<style>\n" + text.replace("</style", "<\\/style") + "\n</style>\n"


@functools.lru_cache(maxsize=1)
def head_assets() -> str:
    """``<style>``/``<script>`` elements with Leaflet, jQuery and Font Awesome (solid) inlined."""
    leaflet = _xstatic_dir("leaflet")
    jquery = _xstatic_dir("jquery")
    fa_css = _xstatic_dir("font_awesome") / "css"
    parts = [
        _style(inline_css_urls((leaflet / "leaflet.css").read_text("utf-8"), leaflet)),
        _style(inline_css_urls((fa_css / "fontawesome.min.css").read_text("utf-8"), fa_css)),
        _style(inline_css_urls((fa_css / "solid.min.css").read_text("utf-8"), fa_css)),
        _script((leaflet / "leaflet.js").read_text("utf-8")),
        _script((jquery / "jquery.min.js").read_text("utf-8")),
    ]
    return "".join(parts)


def _external(value: str) -> bool:
    """True for anything a browser would fetch: http(s), protocol-relative or a file path."""
    v = value.strip()
    return bool(v) and not v.lower().startswith(("data:", "#", "about:blank", "javascript:"))


class _ReferenceScanner(HTMLParser):
    """Collect resources a page would load: script/img/iframe sources, stylesheets, CSS url()."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        for attr in _LOADING_ATTRS.get(tag, ()):
            if attr in values and _external(values[attr]):
                self.found.append(f"<{tag} {attr}={values[attr]!r}>")
        if tag == "link" and _external(values.get("href", "")):
            rel = values.get("rel", "").lower()
            if rel not in ("", "canonical", "author", "license", "help", "bookmark"):
                self.found.append(f"<link rel={rel!r} href={values['href']!r}>")
        if "style" in values:
            self._css(values["style"], f"style attribute of <{tag}>")
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._css(data, "<style>")

    def _css(self, css: str, where: str) -> None:
        for match in _CSS_URL.finditer(css):
            if _external(match.group(2)):
                self.found.append(f"url({match.group(2)}) in {where}")
        if _IMPORT.search(css):
            self.found.append(f"@import in {where}")


def remote_references(html: str) -> list[str]:
    """Every resource ``html`` would fetch from outside itself (empty for a self-contained page)."""
    scanner = _ReferenceScanner()
    scanner.feed(html)
    scanner.close()
    return scanner.found


def check_offline(html: str) -> None:
    """Raise :class:`RemoteReferenceError` if ``html`` would load anything from outside."""
    found = remote_references(html)
    if found:
        listed = "; ".join(found[:5]) + (f" (and {len(found) - 5} more)" if len(found) > 5 else "")
        raise RemoteReferenceError(
            f"map is not self-contained, it references {listed}; "
            "please report this as a flightcheck bug"
        )
