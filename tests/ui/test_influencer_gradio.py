"""The AI influencer through gradio_client and in a real browser.

The set itself is made end to end over REST (tests/api/test_influencer_rest.py) and in
tests/pipelines; here the Gradio edge is under test, on the stub server (tests/stub_runs.py).
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.samples import skimage_photo
from tests.stub_runs import HOLD
from tests.ui.browser import registered_page
from tests.ui.gradio_calls import new_token, wait_for


def test_the_seeds_request_is_cancelled_and_refunded_through_gradio_client(stub_gradio):
    client = stub_gradio
    token = new_token(client, HOLD)  # a stub job that runs until it is cancelled
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
    assert client.predict(token, api_name="/credits") == 45
    client.predict(token, seed_request["id"], api_name="/cancel_job")
    assert wait_for(client, token, seed_request["id"])["status"] == "cancelled"
    assert client.predict(token, api_name="/credits") == 50


def test_a_set_with_a_reference_face_through_gradio_client(stub_gradio):
    from gradio_client import handle_file

    client = stub_gradio
    token = new_token(client, "persona")
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
    status = wait_for(client, token, job["id"])
    assert status["status"] == "completed", status["error"]
    assert status["params"]["ageRange"] == "36-45"
    assert status["params"]["referenceFace"].endswith(".png")  # the upload reached the job
    files = client.predict(token, job["id"], api_name="/job_result")
    names = {Path(f if isinstance(f, str) else f["path"]).name for f in files}
    assert names == {"stub.png"}
    assert client.predict(token, api_name="/credits") == 45


def test_a_set_in_the_browser(browser, stub_server):
    from playwright.sync_api import expect

    page, badge = registered_page(browser, stub_server, "persona")

    page.get_by_role("tab", name="AI influencer").click()
    expect(page.locator("#influencer_creation-run")).to_have_text("Generate · 5 credits")
    page.get_by_text("Reference face (optional)").first.click()  # an optional upload: folded
    upload = page.locator("#influencer_creation-reference_face input[type=file]")
    upload.set_input_files(str(skimage_photo("astronaut.png")))
    expect(page.locator("#influencer_creation-reference_face img")).to_be_visible(timeout=20_000)
    page.locator("#influencer_creation-run").click()
    done = page.get_by_text(re.compile(r"Done in [\d.]+ s"))
    expect(done).to_be_visible(timeout=60_000)
    expect(badge).to_contain_text("45 credits")
    expect(page.locator('a[download="stub.png"]').first).to_be_visible()
    page.close()
