"""Safe HTML for maps: every text from inputs or a case is escaped before it reaches the page.

folium's own ``Popup`` puts HTML inside a JavaScript template literal, where ``${...}`` in a
callsign would run as code; here popups and tooltips are passed to Leaflet as JSON strings
(``<``, ``>``, ``&``, ``'`` escaped by Jinja's ``tojson``) whose content was built with
:func:`esc`, so input text always shows as text.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

import pandas as pd
from branca.element import Element, MacroElement
from folium.template import Template


def esc(value: Any) -> str:
    """HTML-escape any value as text (``None``/NaN become an empty string)."""
    if value is None:
        return ""
    if not isinstance(value, (str, list, tuple, dict)):
        try:
            if pd.isna(value):
                return ""
        except (TypeError, ValueError):
            pass
    return html.escape(str(value), quote=True)


def when(value: Any) -> str:
    """A UTC time as ``2025-10-05 14:02:11Z`` (empty when unknown)."""
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return ""
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.strftime("%Y-%m-%d %H:%M:%SZ")


def duration(seconds: Any) -> str:
    """Seconds as ``2 h 05 min`` or ``12 min`` (empty when unknown)."""
    if seconds is None or pd.isna(seconds):
        return ""
    minutes = int(round(float(seconds) / 60))
    if minutes < 60:
        return f"{minutes} min"
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    head = f"{days} d " if days else ""
    return f"{head}{hours} h {mins:02d} min"


def table(title: str, rows: Iterable[tuple[str, str]], extra: str = "") -> str:
    """A popup body: an escaped title, a two-column table of already-escaped values, extra HTML.

    Row labels are trusted constants; row values must come from :func:`esc` (or helpers that
    escape) — this function does not escape them again, so formatting tags stay possible.
    """
    body = "".join(
        f"<tr><th>{label}</th><td>{value}</td></tr>"
        for label, value in rows
        if value not in ("", None)
    )
    return (
        f'<div class="fc-popup"><div class="fc-popup-title">{esc(title)}</div>'
        f"<table>{body}</table>{extra}</div>"
    )


def bullet_list(items: Iterable[Any], css_class: str = "fc-evidence") -> str:
    """An escaped ``<ul>`` of texts (empty string when there are none)."""
    lis = "".join(f"<li>{esc(item)}</li>" for item in items if esc(item))
    return f'<ul class="{css_class}">{lis}</ul>' if lis else ""


class SafePopup(MacroElement):
    """A Leaflet popup bound to its parent layer, with ``html`` passed as a JSON string.

    ``html`` must already be safe (built with :func:`esc`); it is never treated as a template.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.bindPopup({{ this.html|tojson }},
            {{ this.options|tojson }});
        {% endmacro %}
    """)

    def __init__(self, html: str, max_width: int = 420) -> None:
        super().__init__()
        self._name = "SafePopup"
        self.html = html
        # clear of the folded title box (top left) and legend (bottom right)
        self.options = {
            "maxWidth": max_width,
            "className": "fc-leaflet-popup",
            "autoPanPaddingTopLeft": [10, 56],
            "autoPanPaddingBottomRight": [10, 40],
        }


class SafeTooltip(MacroElement):
    """A Leaflet tooltip bound to its parent layer; ``text`` is escaped here."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.bindTooltip({{ this.html|tojson }}, {"sticky": true});
        {% endmacro %}
    """)

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "SafeTooltip"
        self.html = esc(text)


class RawHTML(Element):
    """A fixed piece of HTML inserted as is (never rendered as a Jinja template)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "RawHTML"
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text
