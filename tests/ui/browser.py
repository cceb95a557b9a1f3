"""Headless Chromium for the browser tests: launch options and a freshly registered page."""

from __future__ import annotations

import shutil
import uuid

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]


def registered_page(browser, live_server: str, prefix: str):
    """A page logged in as a new user with 50 credits; returns (page, credit badge)."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
    page.goto(live_server + "/", wait_until="load")
    page.get_by_label("Email").fill(f"{prefix}-{uuid.uuid4().hex[:8]}@example.com")
    page.get_by_label("Password (8–72 characters)").fill("browser-password")
    page.get_by_role("button", name="Register").click()
    badge = page.locator("#credit-badge")
    expect(badge).to_contain_text("50 credits", timeout=20_000)
    return page, badge
