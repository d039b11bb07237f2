"""Real-browser tests' fixtures: the app served on loopback by a werkzeug
thread, driven by Playwright through Debian's chromium. They are fixtures of
the root conftest (tests/conftest.py imports them), defined once: a second
definition in another conftest would start a second Playwright in the same
worker, which Playwright's sync API refuses."""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import skip_or_fail

CHROMIUM = os.environ.get("LMS_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-dev-shm-usage", "--no-first-run", "--disable-sync"]


class Server:
    """The app on a loopback port, in a thread. It can be stopped (the network
    is down for the browser: requests are refused) and started again on the
    same port."""

    def __init__(self, app) -> None:
        self.app, self.port, self.server = app, 0, None

    def start(self) -> str:
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@pytest.fixture
def live_server(app):
    server = Server(app)
    yield server.start()
    server.stop()


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        skip_or_fail(f"chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover
        skip_or_fail("playwright is not installed")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(java_script_enabled=False, locale="zh-CN", viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
