"""Server-side logout and password change end sessions (issue 16)."""

from __future__ import annotations

import pytest

from tests.api.rest import rest_client

PASSWORD = "s3cret-password"


@pytest.fixture
def client(studio):
    with rest_client() as c:
        yield c


def _login(client, email: str = "sam@example.com", password: str = PASSWORD) -> dict:
    r = client.post("/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return {"authorization": f"Bearer {r.json()['token']}"}


@pytest.fixture
def account(client) -> dict:
    r = client.post("/auth/register", json={"email": "sam@example.com", "password": PASSWORD})
    assert r.status_code == 201, r.text
    return {"authorization": f"Bearer {r.json()['token']}"}


def test_a_logged_out_token_is_401_and_other_sessions_go_on(client, account):
    laptop = _login(client)
    assert client.post("/auth/logout", headers=account).json() == {"loggedOut": True}
    r = client.get("/users/profile", headers=account)
    assert r.status_code == 401 and "logged out" in r.json()["error"]["message"]
    assert client.post("/auth/logout", headers=account).status_code == 401
    assert client.get("/users/profile", headers=laptop).status_code == 200


def test_changing_the_password_ends_every_other_session(client, account):
    phone, laptop = _login(client), _login(client)
    r = client.post(
        "/users/password",
        json={"currentPassword": PASSWORD, "newPassword": "a-new-password"},
        headers=laptop,
    )
    assert r.status_code == 200 and r.json() == {"changed": True, "otherSessionsEnded": 2}
    assert client.get("/users/profile", headers=laptop).status_code == 200
    for old in (account, phone):
        assert client.get("/users/profile", headers=old).status_code == 401
    assert (
        client.post(
            "/auth/login", json={"email": "sam@example.com", "password": PASSWORD}
        ).status_code
        == 401
    )
    fresh = _login(client, password="a-new-password")
    assert client.get("/users/profile", headers=fresh).status_code == 200


def test_a_wrong_current_password_or_a_bad_new_one_changes_nothing(client, account):
    other = _login(client)
    wrong = client.post(
        "/users/password",
        json={"currentPassword": "not-my-password", "newPassword": "a-new-password"},
        headers=account,
    )
    assert wrong.status_code == 403 and wrong.json()["error"]["field"] == "currentPassword"
    short = client.post(
        "/users/password",
        json={"currentPassword": PASSWORD, "newPassword": "short"},
        headers=account,
    )
    assert short.status_code == 422 and short.json()["error"]["field"] == "newPassword"
    assert client.get("/users/profile", headers=other).status_code == 200
    _login(client)  # the old password still works


def test_password_change_needs_a_login(client):
    r = client.post(
        "/users/password", json={"currentPassword": PASSWORD, "newPassword": "a-new-password"}
    )
    assert r.status_code == 401


def test_the_studio_log_out_button_ends_the_session_on_the_server(live_server):
    """The browser forgets its token and the server revokes it (a copy would still work
    otherwise)."""
    import shutil
    import sqlite3
    import uuid

    playwright_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which("chromium"):
        pytest.skip("Chromium is not installed")
    from tests.conftest import LIVE_ROOT
    from tests.ui.browser import ARGS, CHROMIUM

    expect = playwright_api.expect
    email = f"leaver-{uuid.uuid4().hex[:8]}@example.com"
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page()
        page.goto(live_server + "/", wait_until="load")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password (8–72 characters)").fill("browser-password")
        page.get_by_role("button", name="Register").click()
        expect(page.locator("#credit-badge")).to_contain_text("50 credits", timeout=20_000)
        page.get_by_role("button", name="Log out").click()
        expect(page.get_by_role("button", name="Register")).to_be_visible()
        browser.close()
    database = sqlite3.connect(LIVE_ROOT[live_server] / "data" / "studio.db")
    with database:
        sessions = database.execute(
            "SELECT s.revoked_at FROM login_sessions s JOIN users u ON u.id = s.user_id"
            " WHERE u.email = ?",
            (email,),
        ).fetchall()
    database.close()
    assert len(sessions) == 1 and sessions[0][0] is not None
