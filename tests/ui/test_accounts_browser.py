"""Logging in, registering and logging out in a real browser, on a desktop and a phone:
errors show under their field and never lock the form; log out really logs out."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.conftest import LIVE_ROOT
from tests.ui.browser import DESKTOP, PHONE, new_page, registered_page, snap, stored_token

VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}


def _below(lower, upper) -> bool:
    """Whether `lower` is drawn under `upper` (and not far away)."""
    a, b = lower.bounding_box(), upper.bounding_box()
    return b["y"] + b["height"] <= a["y"] + 2 and a["y"] - (b["y"] + b["height"]) < 80


@pytest.mark.parametrize("size", VIEWPORTS)
def test_login_errors_show_under_the_field_and_the_form_stays_usable(browser, live_server, size):
    from playwright.sync_api import expect

    page = new_page(browser, VIEWPORTS[size])
    page.goto(live_server + "/", wait_until="load")
    email = page.get_by_label("Email")
    password = page.get_by_label("Password (8–72 characters)")
    address = f"errors-{uuid.uuid4().hex[:8]}@example.com"
    email.fill(address)
    password.fill("short")
    page.get_by_role("button", name="Register").click()
    message = page.locator("#auth-panel div.block.field-error").filter(
        has_text="at least 8 characters"
    )
    expect(message).to_be_visible(timeout=10_000)
    assert _below(message, password)
    expect(page.get_by_text("Error", exact=True)).to_have_count(0)  # no overlay, no pill
    expect(email).to_be_editable()
    expect(password).to_be_editable()
    snap(page, f"register-short-password-{size}")

    password.fill("a-long-enough-password")
    page.get_by_role("button", name="Register").click()
    expect(page.locator("#credit-badge")).to_contain_text("50 credits", timeout=20_000)
    page.get_by_role("button", name="Log out").click()

    email.fill(address)
    password.fill("not-the-password")
    password.press("Enter")  # Enter submits
    wrong = page.locator("#auth-panel div.block.field-error").filter(
        has_text="wrong email or password"
    )
    expect(wrong).to_be_visible(timeout=10_000)
    assert _below(wrong, password)
    expect(page.get_by_text("Error", exact=True)).to_have_count(0)
    snap(page, f"login-wrong-password-{size}")

    password.fill("a-long-enough-password")
    password.press("Enter")
    expect(page.locator("#credit-badge")).to_contain_text(address, timeout=20_000)
    expect(wrong).to_be_hidden()


def test_log_out_forgets_the_login_and_the_token_stops_working(browser, live_server):
    from playwright.sync_api import expect

    page, badge = registered_page(browser, live_server, "logout")
    data_dir = LIVE_ROOT[live_server] / "data"
    token = stored_token(page, data_dir)
    profile = f"{live_server}/api/v1/users/profile"
    auth = {"Authorization": f"Bearer {token}"}
    assert httpx.get(profile, headers=auth).status_code == 200

    page.get_by_role("button", name="Log out").click()  # in the header, always visible
    expect(page.get_by_role("button", name="Register")).to_be_visible()
    page.reload(wait_until="load")
    page.wait_for_timeout(1500)  # the stored login, if any, is restored on load
    expect(page.get_by_role("button", name="Register")).to_be_visible()
    expect(badge).not_to_contain_text("credits")
    assert stored_token(page, data_dir) == ""
    assert httpx.get(profile, headers=auth).status_code == 401
    snap(page, "after-log-out-and-reload")


def test_password_change_in_the_account_tab(browser, live_server):
    from playwright.sync_api import expect

    page, _ = registered_page(browser, live_server, "password")
    page.get_by_role("tab", name="Account").click()
    page.get_by_label("Current password").fill("wrong-password")
    page.get_by_label("New password (8–72 characters)").fill("a-new-password-2")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("current password is wrong", exact=False)).to_be_visible(timeout=10_000)
    page.get_by_label("Current password").fill("browser-password")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Password changed")).to_be_visible(timeout=10_000)
