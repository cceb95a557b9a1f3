"""The 3D video through gradio_client and in a real browser.

The video itself is rendered end to end over REST (tests/api/test_video_3d_rest.py) and in
tests/pipelines; here the Gradio edge is under test, on the stub server (tests/stub_runs.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.ui.browser import registered_page
from tests.ui.gradio_calls import new_token, wait_for


def test_a_3d_video_job_through_gradio_client(stub_gradio):
    from pipelines.media.ffmpeg import probe

    client = stub_gradio
    token = new_token(client, "grad3d")
    job = client.predict(
        token=token,
        prompt="A lighthouse on a cliff above a stormy sea",
        duration=15,
        camera_movement="dolly",
        style="cartoon",
        api_name="/video_3d",
    )
    assert job["status"] == "pending" and job["creditsCharged"] == 8
    status = wait_for(client, token, job["id"])
    assert status["status"] == "completed", status["error"]
    assert status["params"]["cameraMovement"] == "dolly" and status["params"]["duration"] == 15
    files = client.predict(token, job["id"], api_name="/job_result")
    paths = {Path(f if isinstance(f, str) else f["path"]).name: f for f in files}
    assert set(paths) == {"stub.mp4"}
    video = paths["stub.mp4"]
    info = probe(Path(video if isinstance(video, str) else video["path"]))
    assert info.video_codec == "h264"  # the file came back whole through Gradio's cache
    assert client.predict(token, api_name="/credits") == 42


def test_a_duration_outside_the_choices_reaches_the_client_as_an_error(client):
    token = new_token(client, "grad3d")
    with pytest.raises(Exception, match="(?i)duration"):
        client.predict(token=token, prompt="a canyon", duration=45, api_name="/video_3d")
    assert client.predict(token, api_name="/credits") == 50


def test_a_3d_video_in_the_browser(browser, stub_server):
    from playwright.sync_api import expect

    page, badge = registered_page(browser, stub_server, "video3d")
    page.get_by_role("tab", name="3D video").click()
    page.locator("#video_3d-prompt textarea").fill("A quiet harbour town at sunset")
    expect(page.locator("#video_3d-run")).to_have_text("Generate · 8 credits")
    page.locator("#video_3d-run").click()
    expect(page.get_by_text(re.compile(r"Done in [\d.]+ s"))).to_be_visible(timeout=60_000)
    expect(badge).to_contain_text("42 credits")
    expect(page.locator("video").first).to_be_visible()
    expect(page.locator('a[download="stub.mp4"]').first).to_be_visible()
    page.close()
