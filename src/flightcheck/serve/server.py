"""Run the workbench with uvicorn on a loopback socket: in the foreground (``flightcheck
serve``) or in a thread (tests, notebooks).

The socket is bound here, before uvicorn sees it, so the address is checked
(:func:`flightcheck.serve.security.check_bind_host`) and port 0 gives a free port whose
number is known before the URL is printed.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from flightcheck.serve.security import check_bind_host


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening TCP socket on a loopback ``host`` (port 0: any free port)."""
    check_bind_host(host)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def url(sock: socket.socket, token: str) -> str:
    """The URL to open (host, the bound port, and the token)."""
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/?token={token}"


def _server(app: Any) -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        server_header=False,
        date_header=False,
        timeout_graceful_shutdown=2,
    )
    return uvicorn.Server(config)


def run(app: Any, sock: socket.socket) -> None:
    """Serve ``app`` on ``sock`` until interrupted (Ctrl-C)."""
    _server(app).run(sockets=[sock])


@contextmanager
def running(app: Any, host: str = "127.0.0.1", port: int = 0) -> Iterator[socket.socket]:
    """Serve ``app`` in a background thread while the ``with`` block runs; yields the bound
    socket (see :func:`url`). The server is stopped and its thread joined on exit."""
    sock = bind(host, port)
    server = _server(app)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="flightcheck-serve"
    )
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the workbench server did not start")
        time.sleep(0.02)
    try:
        yield sock
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
