"""Fixtures for the site tests: the built site served on 127.0.0.1 and headless Chromium.

The browser test needs two things this file looks for:
- the built site, `_build/html` (`make book-build` or `make book` writes it, assets included);
- Debian's Chromium at `$COURSE_CHROMIUM` or `chromium` on PATH (`.ci/run` installs it).

Without Chromium the tests FAIL with a message that says the browser test did not run, unless
`COURSE_ALLOW_NO_BROWSER=1` is set, in which case they are skipped with that message (pytest -rs
prints it). `make test` runs the site tests last, so a missing browser never hides another failure.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"

# Flags from the issue: no GPU, no first-run UI, and nothing that phones home.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


def chromium_path() -> str | None:
    """Path of the Chromium executable, or None when this machine has none."""
    env = os.environ.get("COURSE_CHROMIUM")
    if env:
        return env if Path(env).exists() else None
    return shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )


def browser_did_not_run(reason: str) -> None:
    """Fail (default) or skip (COURSE_ALLOW_NO_BROWSER=1), always saying the test did not run."""
    msg = f"THE BROWSER TEST DID NOT RUN: {reason}"
    if os.environ.get("COURSE_ALLOW_NO_BROWSER") == "1":
        pytest.skip(msg)
    pytest.fail(msg + " (set COURSE_ALLOW_NO_BROWSER=1 to accept that)", pytrace=False)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="session")
def site_url() -> Iterator[str]:
    """Serve _build/html on 127.0.0.1 on an ephemeral port, from a background thread."""
    if not (SITE / "index.html").exists():
        pytest.fail(f"{SITE}/index.html is missing: run `make book-build` first", pytrace=False)
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright, with a fresh user-data-dir."""
    exe = chromium_path()
    if exe is None:
        browser_did_not_run("no Chromium found (apt-get install chromium, or set COURSE_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="course-chromium-") as profile, sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile,
            executable_path=exe,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
            service_workers="block",
        )
        try:
            yield context
        finally:
            context.close()
