"""The AI influencer through gradio_client and in a real browser (live studio, tiny model)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.samples import skimage_photo
from tests.ui.browser import registered_page
from tests.ui.gradio_calls import new_token, wait_for

SET_TIMEOUT = 600  # one 832x1216 pose on the tiny model: about a minute on a quiet CPU


def test_the_seeds_request_and_a_set_through_gradio_client(client):
    from gradio_client import handle_file

    token = new_token(client, "persona")
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
    assert wait_for(client, token, seed_request["id"], SET_TIMEOUT)["status"] == "cancelled"
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
    status = wait_for(client, token, job["id"], SET_TIMEOUT)
    assert status["status"] == "completed", status["error"]
    pose = status["metrics"]["poses"][0]
    assert pose["distance"] < 0.6 and pose["method"] == "skeleton"
    files = client.predict(token, job["id"], api_name="/job_result")
    names = {Path(f if isinstance(f, str) else f["path"]).name for f in files}
    assert {"pose-01-close-up.png", "contact-sheet.jpg", "persona.json"} <= names
    assert client.predict(token, api_name="/credits") == 45


def test_a_set_in_the_browser(browser, live_server):
    from playwright.sync_api import expect

    page, badge = registered_page(browser, live_server, "persona")

    page.get_by_role("tab", name="AI influencer").click()
    expect(page.locator("#influencer_creation-run")).to_have_text("Generate · 5 credits")
    page.get_by_text("Reference face (optional)").first.click()  # an optional upload: folded
    upload = page.locator("#influencer_creation-reference_face input[type=file]")
    upload.set_input_files(str(skimage_photo("astronaut.png")))
    expect(page.locator("#influencer_creation-reference_face img")).to_be_visible(timeout=20_000)
    page.locator("#influencer_creation-run").click()
    done = page.get_by_text(re.compile(r"Done in [\d.]+ s"))
    expect(done).to_be_visible(timeout=SET_TIMEOUT * 1000)
    expect(badge).to_contain_text("45 credits")
    expect(page.locator('a[download="contact-sheet.jpg"]').first).to_be_visible()
