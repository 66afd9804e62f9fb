"""Real servers on 127.0.0.1 for the remote-input tests, started and stopped by the tests:
an S3-compatible object store (moto's server, real HTTP and the S3 wire protocol) and a
static web server that answers byte ranges (as object stores and CDNs do)."""

from __future__ import annotations

import contextlib
import http.server
import os
import re
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

S3_ENV = {
    "AWS_ACCESS_KEY_ID": "flightcheck-test",
    "AWS_SECRET_ACCESS_KEY": "not-a-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@contextlib.contextmanager
def s3_server() -> Iterator[dict[str, str]]:
    """An S3 server on 127.0.0.1; yields the environment that points clients at it (the
    usual AWS variables: credentials and ``AWS_ENDPOINT_URL``)."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield {**S3_ENV, "AWS_ENDPOINT_URL": f"http://{host}:{port}"}
    finally:
        server.stop()


class _RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, with single byte ranges (``Range: bytes=a-b``) answered 206."""

    def log_message(self, *args) -> None:  # quiet
        pass

    def send_head(self):  # type: ignore[override]
        m = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        path = self.translate_path(self.path)
        if not m or not os.path.isfile(path):
            return super().send_head()
        size = os.path.getsize(path)
        start = int(m[1])
        end = min(int(m[2]) if m[2] else size - 1, size - 1)
        with open(path, "rb") as fh:
            fh.seek(start)
            body = fh.read(max(0, end - start + 1))
        self.send_response(206)
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        import io

        return io.BytesIO(body)


@contextlib.contextmanager
def http_server(root: Path) -> Iterator[str]:
    """A web server for the files under ``root`` on 127.0.0.1; yields its base URL."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(_RangeHandler, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
