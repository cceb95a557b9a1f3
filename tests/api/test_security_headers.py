"""Security headers on every response, CORS off unless configured (issue 16)."""

from __future__ import annotations

import shutil

import pytest
from fastapi.testclient import TestClient

from tests.conftest import configure

EVIL = "https://evil.example"


def _studio_app():
    from app import create_app

    return create_app()


@pytest.fixture
def client(studio):
    with TestClient(_studio_app(), base_url="http://studio.example") as c:
        yield c


def test_every_response_carries_the_security_headers(client):
    responses = {
        "/": client.get("/"),
        "/api/v1/health": client.get("/api/v1/health"),
        "/api/v1/users/profile": client.get("/api/v1/users/profile"),  # a 401
        "/api/v1/jobs/story-video": client.post(
            "/api/v1/jobs/story-video", content=b"x" * (2 * 2**20)
        ),  # a 413 from the size limit, before any route
        "/config": client.get("/config"),
    }
    assert [r.status_code for r in responses.values()] == [200, 200, 401, 413, 200]
    for path, r in responses.items():
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin", path
        assert r.headers["x-frame-options"] == "SAMEORIGIN", path
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'self'" in csp and "object-src 'none'" in csp, path
        assert "strict-transport-security" not in r.headers, path  # http: no HSTS
        assert "server" not in r.headers, path


def test_framing_and_hsts_follow_the_settings(studio, monkeypatch):
    configure(
        monkeypatch, frame_ancestors="https://intranet.example", public_url="https://ai.example"
    )
    with TestClient(_studio_app(), base_url="https://ai.example") as c:
        r = c.get("/api/v1/health")
    assert "frame-ancestors https://intranet.example" in r.headers["content-security-policy"]
    assert "x-frame-options" not in r.headers  # it cannot name another origin
    assert r.headers["strict-transport-security"].startswith("max-age=31536000")


def test_no_origin_may_call_the_studio_from_a_browser_by_default(client):
    for path in ("/api/v1/health", "/config", "/"):
        r = client.get(path, headers={"origin": EVIL})
        assert "access-control-allow-origin" not in r.headers, path
        assert "access-control-allow-credentials" not in r.headers, path
    preflight = client.options(
        "/api/v1/auth/login",
        headers={"origin": EVIL, "access-control-request-method": "POST"},
    )
    assert preflight.headers.get("access-control-allow-origin") is None


def test_configured_origins_may_call_the_api(studio, monkeypatch):
    configure(monkeypatch, cors_origins="https://app.example, https://admin.example/")
    with TestClient(_studio_app(), base_url="http://studio.example") as c:
        allowed = c.get("/api/v1/health", headers={"origin": "https://admin.example"})
        other = c.get("/api/v1/health", headers={"origin": EVIL})
    assert allowed.headers["access-control-allow-origin"] == "https://admin.example"
    assert "access-control-allow-credentials" not in allowed.headers
    assert "access-control-allow-origin" not in other.headers


def test_the_studio_page_works_under_its_content_security_policy(live_server):
    """The page loads and logs no CSP violation in a real browser."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which("chromium"):
        pytest.skip("Chromium is not installed")
    import httpx

    assert "content-security-policy" in httpx.get(live_server + "/").headers
    from tests.ui.browser import ARGS, CHROMIUM

    violations: list[str] = []
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page()
        page.on(
            "console",
            lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
        )
        page.goto(live_server + "/", wait_until="load")
        playwright_api.expect(page.get_by_role("button", name="Register")).to_be_visible()
        browser.close()
    assert violations == []


def test_metrics_are_for_scrapers_only(studio, monkeypatch):
    from fastapi import FastAPI

    from api import install_error_handlers
    from api.routes.system import metrics_router

    def client(address: str) -> TestClient:
        app = FastAPI()
        install_error_handlers(app)
        app.include_router(metrics_router)
        return TestClient(app, client=(address, 40000))

    assert client("127.0.0.1").get("/metrics").status_code == 200
    assert client("203.0.113.5").get("/metrics").status_code == 403
    configure(monkeypatch, metrics_token="scrape-me")
    remote = client("203.0.113.5")
    assert remote.get("/metrics").status_code == 403
    assert remote.get("/metrics", headers={"authorization": "Bearer nope"}).status_code == 403
    r = remote.get("/metrics", headers={"authorization": "Bearer scrape-me"})
    assert r.status_code == 200 and "studio_jobs" in r.text
