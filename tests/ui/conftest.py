"""Fixtures for the UI tests: one gradio_client per module, one headless Chromium for tests/ui."""

from __future__ import annotations

import shutil

import pytest

from tests.ui.browser import ARGS, CHROMIUM


@pytest.fixture(scope="module")
def client(live_server):
    from gradio_client import Client

    client = Client(live_server + "/", verbose=False)
    yield client
    client.close()


# Package scope: sync Playwright keeps an event loop running in this thread while the browser
# is open, which breaks asyncio.run() and other Playwright sessions in tests collected later.
@pytest.fixture(scope="package")
def browser():
    from tests.conftest import service_missing

    playwright_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which("chromium"):
        service_missing("Chromium", "apt-get install chromium (make test does)")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()
