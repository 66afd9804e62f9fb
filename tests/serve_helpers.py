"""Helpers for the workbench tests: a copy of the bundled case, a running server on a free
loopback port, and raw HTTP requests (http.client sends the path exactly as given, so
``../`` reaches the server unnormalised)."""

from __future__ import annotations

import http.client
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flightcheck.serve import Settings, create_app, running

TOKEN = "test-token-0123456789abcdefghijklmnopqrstuvw"
SAMPLES = Path(__file__).resolve().parents[1] / "sample_tracks"


def copy_case(tmp_path: Path) -> Path:
    """A fresh copy of the bundled case folder; returns its case.toml."""
    folder = tmp_path / "case"
    shutil.copytree(SAMPLES, folder)
    return folder / "case.toml"


@dataclass
class Served:
    """A running workbench: its port, its state, and request helpers."""

    port: int
    bench: Any
    case_path: Path

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(
        self,
        method: str,
        path: str,
        body: bytes | str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def get(self, path: str, **headers: str) -> tuple[int, bytes]:
        sep = "&" if "?" in path else "?"
        status, _, data = self.request("GET", f"{path}{sep}token={TOKEN}", headers=headers)
        return status, data

    def post(
        self,
        path: str,
        payload: dict[str, Any],
        *,
        origin: str | None = "own",
        token: str | None = TOKEN,
    ) -> tuple[int, dict[str, Any]]:
        headers = {"Content-Type": "application/json"}
        if origin is not None:
            headers["Origin"] = self.origin if origin == "own" else origin
        if token is not None:
            headers["X-Flightcheck-Token"] = token
        status, _, data = self.request("POST", path, json.dumps(payload), headers)
        try:
            return status, json.loads(data)
        except ValueError:
            return status, {"text": data.decode("utf-8", "replace")}

    def base(self) -> str:
        return self.bench.editor.current()

    def edit(
        self,
        action: str,
        fields: dict[str, Any] | None = None,
        *,
        base: str | None = None,
        **extra: Any,
    ) -> tuple[int, dict[str, Any]]:
        payload = {"base": self.base() if base is None else base, "fields": fields or {}, **extra}
        return self.post(f"/api/edit/{action}", payload)


@contextmanager
def serve_case(case_path: Path, *, verify: bool = True, **options: Any) -> Iterator[Served]:
    """Serve ``case_path`` on 127.0.0.1 (a free port) while the block runs; with
    ``verify``, wait for the first verification to finish."""
    app = create_app(
        Settings(case_path=case_path, token=TOKEN, author="tester", **options), start_verify=verify
    )
    bench = app.app.state.bench
    with running(app) as sock:
        if verify:
            bench.jobs.wait()
        yield Served(sock.getsockname()[1], bench, case_path)
