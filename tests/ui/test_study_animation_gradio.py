"""The study animation through gradio_client and in a real browser.

The lesson itself is rendered end to end over REST (tests/api/test_study_animation_rest.py)
and in tests/pipelines; here the Gradio edge is under test, on the stub server
(tests/stub_runs.py).
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.ui.browser import registered_page
from tests.ui.gradio_calls import new_token, wait_for

SCRIPT = (
    "Plants convert sunlight into energy through photosynthesis. "
    "Chlorophyll in leaves absorbs light. The plant makes glucose and releases oxygen."
)


def test_a_lesson_through_gradio_client(stub_gradio):
    client = stub_gradio
    token = new_token(client)
    job = client.predict(
        token=token,
        topic="Photosynthesis",
        script=SCRIPT,
        subject="science",
        animation_style="whiteboard",
        duration=30,
        voice_style="male-warm",
        background_music="uplifting",
        caption_position="bottom",
        api_name="/study_animation",
    )
    assert job["creditsCharged"] == 5
    status = wait_for(client, token, job["id"])
    assert status["status"] == "completed", status["error"]
    assert status["params"]["animationStyle"] == "whiteboard"
    assert status["params"]["captionPosition"] == "bottom"
    files = client.predict(token, job["id"], api_name="/job_result")
    names = {Path(f if isinstance(f, str) else f["path"]).name for f in files}
    assert names == {"stub.mp4"}
    assert client.predict(token, api_name="/credits") == 45


def test_a_lesson_in_the_browser(browser, stub_server):
    from playwright.sync_api import expect

    page, badge = registered_page(browser, stub_server, "lesson")
    page.get_by_role("tab", name="Study animation").click()
    page.locator("#study_animation-topic textarea, #study_animation-topic input").first.fill(
        "Photosynthesis"
    )
    page.locator("#study_animation-script textarea").fill(SCRIPT)
    page.locator("#study_animation-duration input").click()
    page.get_by_role("option", name="30", exact=True).click()
    expect(page.locator("#study_animation-run")).to_have_text("Generate · 5 credits")
    page.locator("#study_animation-run").click()
    expect(page.get_by_text(re.compile(r"Done in [\d.]+ s"))).to_be_visible(timeout=60_000)
    expect(badge).to_contain_text("45 credits")
    expect(page.locator("video").first).to_be_visible()
    expect(page.locator('a[download="stub.mp4"]').first).to_be_visible()
    page.close()
