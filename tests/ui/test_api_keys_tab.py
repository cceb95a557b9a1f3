"""The API keys tab in a real browser: create (shown once), use it over REST, revoke it."""

from __future__ import annotations

import re

import httpx

from tests.ui.browser import registered_page


def test_create_use_and_revoke_a_key_in_the_browser(browser, live_server):
    from playwright.sync_api import expect

    page, _ = registered_page(browser, live_server, "keys")
    page.get_by_role("tab", name="API keys").click()
    page.locator("#api-key-name input, #api-key-name textarea").first.fill("from the browser")
    page.get_by_role("button", name="Create key").click()
    secret_box = page.locator("#api-key-secret input, #api-key-secret textarea").first
    expect(secret_box).to_have_value(re.compile(r"^sk_studio_.+"), timeout=20_000)
    secret = secret_box.input_value()
    expect(page.get_by_role("gridcell", name="from the browser")).to_be_visible()

    api = f"{live_server}/api/v1"
    with_key = {"authorization": f"Bearer {secret}"}
    assert httpx.get(f"{api}/users/credits", headers=with_key).json() == {"credits": 50}
    [key] = httpx.get(f"{api}/keys", headers=with_key).json()["keys"]

    page.locator("#api-key-revoke-id input, #api-key-revoke-id textarea").first.fill(key["id"])
    page.get_by_role("button", name="Revoke").click()
    expect(page.locator("#api-key-message")).to_contain_text("revoked", timeout=20_000)
    assert httpx.get(f"{api}/users/credits", headers=with_key).status_code == 401
