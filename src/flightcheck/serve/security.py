"""The workbench's guard: every request carries the session token, comes to a loopback host
name, and a state-changing one also comes from the page's own origin.

The same rules as Jupyter's: a random token (256 bits, :func:`new_token`) in the URL the
server prints; a page of another site cannot read it, so it cannot forge a request. The
``Host`` check defeats DNS rebinding (a hostile name pointed at 127.0.0.1), the ``Origin``
check cross-site form posts. Uploads (``multipart/form-data``) are refused: the workbench
never takes files from the browser, it only edits ``case.toml``.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

TOKEN_HEADER = "x-flightcheck-token"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
MAX_BODY_BYTES = 64 * 1024
"""Largest request body accepted (a claim or an annotation is well under 4 KiB)."""

SAFE_METHODS = ("GET", "HEAD")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def new_token() -> str:
    """A fresh random token (43 URL-safe characters, 256 bits)."""
    return secrets.token_urlsafe(32)


def check_bind_host(host: str) -> str:
    """``host`` if it is a loopback address (127.0.0.0/8 or ::1); raises ValueError
    otherwise: the workbench is for the machine it runs on, never the network."""
    try:
        if ipaddress.ip_address(host).is_loopback:
            return host
    except ValueError:
        pass
    raise ValueError(
        f"--host {host}: the workbench binds only to a loopback address (127.0.0.1 or ::1)"
    )


def _host_name(host_header: str) -> str:
    """The name part of a ``Host`` header (``[::1]:8000`` → ``::1``)."""
    if host_header.startswith("["):
        return host_header[1 : host_header.find("]")] if "]" in host_header else ""
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


def loopback_host(host_header: str) -> bool:
    """Whether a ``Host`` header names this machine (DNS rebinding guard)."""
    name = _host_name(host_header).lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def same_origin(origin: str | None, host_header: str) -> bool:
    """Whether ``Origin`` is the page's own (``http://`` + the Host it was served from)."""
    return origin is not None and secrets.compare_digest(origin, f"http://{host_header}")


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def request_token(scope: Scope) -> str | None:
    """The token a request carries: the ``X-Flightcheck-Token`` header or ``?token=``."""
    header = _headers(scope).get(TOKEN_HEADER)
    if header:
        return header
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    values = query.get("token")
    return values[0] if values else None


def refusal(scope: Scope, token: str) -> tuple[int, str] | None:
    """Why a request is refused (status, message), or None when it may go on."""
    headers = _headers(scope)
    host = headers.get("host", "")
    if not loopback_host(host):
        return 403, "this server answers only to 127.0.0.1, localhost or [::1]"
    given = request_token(scope)
    if not given or not secrets.compare_digest(given.encode(), token.encode()):
        return 403, "missing or wrong token: open the URL that `flightcheck serve` printed"
    if scope["method"] not in SAFE_METHODS:
        if not same_origin(headers.get("origin"), host):
            return 403, "cross-origin request refused"
        if headers.get(TOKEN_HEADER) is None:
            return 403, "state-changing requests carry the token in a header"
        kind = headers.get("content-type", "").split(";")[0].strip().lower()
        if kind.startswith("multipart/") or kind == "application/x-www-form-urlencoded":
            return 415, "uploads and form posts are refused: the workbench takes JSON only"
        try:
            length = int(headers.get("content-length", "0"))
        except ValueError:
            return 400, "bad Content-Length"
        if length > MAX_BODY_BYTES:
            return 413, f"request body over {MAX_BODY_BYTES:,} bytes"
    return None


class Guard:
    """ASGI middleware applying :func:`refusal` to every HTTP request, and adding headers
    that keep the pages local: a Content-Security-Policy allowing nothing remote (tiles
    excepted with ``online_tiles``), no referrer, no framing by other sites."""

    def __init__(self, app: ASGIApp, token: str, online_tiles: bool = False) -> None:
        self.app = app
        self.token = token
        tiles = " https://tile.openstreetmap.org" if online_tiles else ""
        self.csp = (
            "default-src 'self'; script-src 'self' 'unsafe-inline'; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data:" + tiles + "; "
            "font-src 'self' data:; connect-src 'self'; frame-ancestors 'self'; "
            "form-action 'none'; base-uri 'none'"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = refusal(scope, self.token)
        if refused is not None:
            status, message = refused
            body = message.encode("utf-8") + b"\n"
            await send(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [
                        (b"content-type", b"text/plain; charset=utf-8"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return

        async def send_with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", self.csp.encode()),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"SAMEORIGIN"),
                    (b"cache-control", b"no-store"),
                ]
                message["headers"] = headers
            await send(message)

        received = 0

        async def bounded_receive() -> MutableMapping[str, Any]:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > MAX_BODY_BYTES:  # a chunked body that gave no Content-Length
                raise ValueError("request body too large")
            return message

        await self.app(scope, bounded_receive, send_with_headers)
