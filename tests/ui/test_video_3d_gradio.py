"""The 3D video through gradio_client and in a real browser, against a live studio server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.ui.browser import registered_page
from tests.ui.gradio_calls import new_token, wait_for

JOB_SECONDS = 900  # a 15 s 720p video on a loaded 2-core machine


def test_a_15_s_3d_video_through_gradio_client(client):
    from pipelines.media.ffmpeg import probe

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
    status = wait_for(client, token, job["id"], JOB_SECONDS)
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
    token = new_token(client, "grad3d")
    with pytest.raises(Exception, match="(?i)duration"):
        client.predict(token=token, prompt="a canyon", duration=45, api_name="/video_3d")
    assert client.predict(token, api_name="/credits") == 50


def test_a_15_s_3d_video_in_the_browser(browser, live_server):
    from playwright.sync_api import expect

    page, badge = registered_page(browser, live_server, "video3d")
    page.get_by_role("tab", name="3D video").click()
    page.locator("#video_3d-prompt textarea").fill("A quiet harbour town at sunset")
    expect(page.locator("#video_3d-run")).to_have_text("Generate · 8 credits")
    page.locator("#video_3d-run").click()
    expect(page.get_by_text(re.compile(r"Done in [\d.]+ s"))).to_be_visible(
        timeout=JOB_SECONDS * 1000
    )
    expect(badge).to_contain_text("42 credits")
    expect(page.locator("video").first).to_be_visible()
    expect(page.locator('a[download="video.mp4"]').first).to_be_visible()
