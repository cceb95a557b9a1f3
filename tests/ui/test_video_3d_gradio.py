"""The 3D video through gradio_client and in a real browser, against a live studio server."""

from __future__ import annotations

import re
import shutil
import time
import uuid
from pathlib import Path

import pytest

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
JOB_SECONDS = 900  # a 15 s 720p video on a loaded 2-core machine


@pytest.fixture(scope="module")
def client(live_server):
    from gradio_client import Client

    return Client(live_server + "/", verbose=False)


def _token(client) -> str:
    email = f"grad3d-{uuid.uuid4().hex[:8]}@example.com"
    account = client.predict(email, "gradio-password", api_name="/register")
    return account["token"]


def _wait_for(client, token, job_id) -> dict:
    deadline = time.monotonic() + JOB_SECONDS
    while time.monotonic() < deadline:
        status = client.predict(token, job_id, api_name="/job_status")
        if status["status"] in ("completed", "failed", "cancelled"):
            return status
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} did not finish")


def test_a_15_s_3d_video_through_gradio_client(client):
    from pipelines.media.ffmpeg import probe

    token = _token(client)
    job = client.predict(
        token=token,
        prompt="A lighthouse on a cliff above a stormy sea",
        duration=15,
        camera_movement="dolly",
        style="cartoon",
        api_name="/video_3d",
    )
    assert job["status"] == "pending" and job["creditsCharged"] == 8
    status = _wait_for(client, token, job["id"])
    assert status["status"] == "completed", status["error"]
    files = client.predict(token, job["id"], api_name="/job_result")
    paths = {Path(f if isinstance(f, str) else f["path"]).name: f for f in files}
    assert {"video.mp4", "scene.json", "keyframe_01.png", "depth_01.png"} <= set(paths)
    video = paths["video.mp4"]
    info = probe(Path(video if isinstance(video, str) else video["path"]))
    assert (info.width, info.height, info.video_codec) == (1280, 720, "h264")
    assert info.duration == pytest.approx(15.0, abs=0.1)
    assert client.predict(token, api_name="/credits") == 42


def test_a_duration_outside_the_choices_reaches_the_client_as_an_error(client):
    token = _token(client)
    with pytest.raises(Exception, match="(?i)duration"):
        client.predict(token=token, prompt="a canyon", duration=45, api_name="/video_3d")
    assert client.predict(token, api_name="/credits") == 50


@pytest.fixture(scope="module")
def browser():
    from tests.conftest import service_missing

    playwright_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which("chromium"):
        service_missing("Chromium", "apt-get install chromium (make test does)")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


def _registered_page(browser, live_server, prefix: str):
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


def test_a_15_s_3d_video_in_the_browser(browser, live_server):
    from playwright.sync_api import expect

    page, badge = _registered_page(browser, live_server, "video3d")
    page.get_by_role("tab", name="3D video").click()
    page.locator("#video_3d-prompt textarea").fill("A quiet harbour town at sunset")
    expect(page.get_by_text("Cost: 8 credits")).to_be_visible()
    page.locator("#video_3d-run").click()
    expect(page.get_by_text(re.compile(r"Done in [\d.]+ s"))).to_be_visible(
        timeout=JOB_SECONDS * 1000
    )
    expect(badge).to_contain_text("42 credits")
    expect(page.locator("video").first).to_be_visible()
    expect(page.locator('a[download="video.mp4"]').first).to_be_visible()
