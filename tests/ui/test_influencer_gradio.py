"""The AI influencer through gradio_client and in a real browser (live studio, tiny model)."""

from __future__ import annotations

import re
import shutil
import time
import uuid
from pathlib import Path

import pytest

from tests.samples import skimage_photo

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
SET_TIMEOUT = 600  # one 832x1216 pose on the tiny model: about a minute on a quiet CPU


@pytest.fixture(scope="module")
def client(live_server):
    from gradio_client import Client

    return Client(live_server + "/", verbose=False)


def _token(client) -> str:
    email = f"persona-{uuid.uuid4().hex[:8]}@example.com"
    return client.predict(email, "gradio-password", api_name="/register")["token"]


def _wait_for(client, token, job_id, timeout=SET_TIMEOUT) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.predict(token, job_id, api_name="/job_status")
        if status["status"] in ("completed", "failed", "cancelled"):
            return status
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} did not finish")


def test_the_seeds_request_and_a_set_through_gradio_client(client):
    from gradio_client import handle_file

    token = _token(client)
    seed_request = client.predict(
        token=token,
        gender="female",
        ethnicity="asian",
        age_range="26-35",
        style="professional",
        poses=5,
        api_name="/influencer_creation",
    )
    assert seed_request["creditsCharged"] == 5
    client.predict(token, seed_request["id"], api_name="/cancel_job")
    assert _wait_for(client, token, seed_request["id"])["status"] == "cancelled"
    assert client.predict(token, api_name="/credits") == 50

    job = client.predict(
        token=token,
        gender="male",
        ethnicity="east-asian",
        age_range="36-45",
        style="casual",
        poses=1,
        reference_face=handle_file(str(skimage_photo("astronaut.png"))),
        api_name="/influencer_creation",
    )
    status = _wait_for(client, token, job["id"])
    assert status["status"] == "completed", status["error"]
    pose = status["metrics"]["poses"][0]
    assert pose["distance"] < 0.6 and pose["method"] == "skeleton"
    files = client.predict(token, job["id"], api_name="/job_result")
    names = {Path(f if isinstance(f, str) else f["path"]).name for f in files}
    assert {"pose-01-close-up.png", "contact-sheet.jpg", "persona.json"} <= names
    assert client.predict(token, api_name="/credits") == 45


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


def test_a_set_in_the_browser(browser, live_server):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(live_server + "/", wait_until="load")
    page.get_by_label("Email").fill(f"persona-{uuid.uuid4().hex[:8]}@example.com")
    page.get_by_label("Password (8–72 characters)").fill("browser-password")
    page.get_by_role("button", name="Register").click()
    badge = page.locator("#credit-badge")
    expect(badge).to_contain_text("50 credits", timeout=20_000)

    page.get_by_role("tab", name="AI influencer").click()
    expect(page.get_by_text("Cost: 5 credits")).to_be_visible()
    page.get_by_text("Reference face (optional)").first.click()  # an optional upload: folded
    upload = page.locator("#influencer_creation-reference_face input[type=file]")
    upload.set_input_files(str(skimage_photo("astronaut.png")))
    expect(page.locator("#influencer_creation-reference_face img")).to_be_visible(timeout=20_000)
    page.locator("#influencer_creation-run").click()
    done = page.get_by_text(re.compile(r"Done in [\d.]+ s"))
    expect(done).to_be_visible(timeout=SET_TIMEOUT * 1000)
    expect(badge).to_contain_text("45 credits")
    expect(page.locator('a[download="contact-sheet.jpg"]').first).to_be_visible()
