"""Headless Chromium (the system's, driven by Playwright) with the network cut off.

Used for ``--png`` snapshots and by the browser tests. Playwright never downloads a browser
here: it drives ``/usr/bin/chromium`` (Debian's ``chromium`` package) or the executable
named by ``$FLIGHTCHECK_CHROMIUM``. Every request the page makes other than ``file:`` and
``data:`` is aborted and recorded in :attr:`OfflineBrowser.blocked`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flightcheck.errors import UsageError

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """The Chromium executable to use (``$FLIGHTCHECK_CHROMIUM`` or ``/usr/bin/chromium``)."""
    return os.environ.get("FLIGHTCHECK_CHROMIUM") or DEFAULT_CHROMIUM


@dataclass
class OfflineBrowser:
    """A Playwright browser context whose pages cannot reach the network."""

    context: Any
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def open(self, path: str | Path, width: int = 1400, height: int = 900) -> Any:
        """A new page showing the local file ``path``; page errors, console errors and
        dialogs (``alert``...) are recorded, dialogs dismissed."""
        page = self.context.new_page()
        page.set_viewport_size({"width": width, "height": height})
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on(
            "console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None
        )

        def on_dialog(dialog: Any) -> None:
            self.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.goto(Path(path).resolve().as_uri(), wait_until="load")
        page.wait_for_selector(".leaflet-container", timeout=15_000)
        return page


@contextmanager
def offline_browser(executable: str | None = None) -> Iterator[OfflineBrowser]:
    """Launch headless Chromium in a fresh profile with every non-local request aborted."""
    exe = executable or chromium_path()
    if not Path(exe).is_file():
        raise UsageError(
            f"Chromium not found at {exe}: install it (Debian/Ubuntu: "
            "apt-get install chromium) or set FLIGHTCHECK_CHROMIUM"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise UsageError(
            "rendering PNG snapshots needs Playwright: pip install 'flightcheck[png]'"
        ) from None
    profile = tempfile.mkdtemp(prefix="flightcheck-chromium-")
    try:
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                profile,
                executable_path=exe,
                headless=True,
                args=CHROMIUM_FLAGS,
                service_workers="block",
            )
            browser = OfflineBrowser(context)

            def route(r: Any) -> None:
                url = r.request.url
                if url.startswith(("file:", "data:")):
                    r.continue_()
                else:
                    browser.blocked.append(url)
                    r.abort()

            context.route("**/*", route)
            try:
                yield browser
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
