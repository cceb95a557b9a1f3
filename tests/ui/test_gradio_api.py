"""The documented Gradio API through gradio_client against a live studio server."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PIL import Image

from tests.ui.gradio_calls import new_token, wait_for

PUBLIC = {
    "/login",
    "/register",
    "/credits",
    "/job_status",
    "/list_jobs",
    "/cancel_job",
    "/job_result",
    "/image_generation",
    "/cloth_swap",
    "/influencer_creation",
    "/video_3d",
    "/study_animation",
    "/story_video",
    "/buy_credits",
    "/payment_status",
    "/preview_voice",
    "/preview_music",
}


def test_documented_api_lists_exactly_the_public_endpoints(client):
    named = set(client.view_api(return_format="dict", print_info=False)["named_endpoints"])
    assert named == PUBLIC


def test_image_job_through_gradio_client(client):
    token = new_token(client)
    job = client.predict(
        token=token,
        prompt="a koi pond",
        width=512,
        height=512,
        steps=2,
        num_images=1,
        seed=11,
        api_name="/image_generation",
    )
    assert job["status"] == "pending" and job["creditsCharged"] == 2
    deadline = time.monotonic() + 120
    progress = []
    while time.monotonic() < deadline:
        status = client.predict(token, job["id"], api_name="/job_status")
        progress.append(status["progress"])
        if status["status"] in ("completed", "failed", "cancelled"):
            break
        time.sleep(0.1)
    assert status["status"] == "completed", status["error"]
    assert progress == sorted(progress)
    files = client.predict(token, job["id"], api_name="/job_result")
    paths = [Path(f if isinstance(f, str) else f["path"]) for f in files]
    assert [p.name for p in paths] == ["image_1.png"]
    assert Image.open(paths[0]).size == (512, 512)
    assert client.predict(token, api_name="/credits") == 48
    listed = client.predict(token, 20, 0, api_name="/list_jobs")
    assert listed["total"] == 1 and listed["jobs"][0]["id"] == job["id"]


def test_errors_reach_the_client(client):
    token = new_token(client)
    with pytest.raises(Exception, match="width: must be at least 512"):
        client.predict(token=token, prompt="x", width=64, api_name="/image_generation")
    with pytest.raises(Exception, match="duration: must be one of 15, 30, 60"):
        client.predict(token=token, prompt="a canyon", duration=45, api_name="/video_3d")
    with pytest.raises(Exception, match="log in"):
        client.predict("forged-token", api_name="/credits")
    assert client.predict(token, api_name="/credits") == 50


def test_cancel_through_gradio_client(stub_gradio):
    from tests.stub_runs import HOLD

    client = stub_gradio
    token = new_token(client, HOLD)  # a stub job that runs until it is cancelled
    job = client.predict(
        token=token, prompt="slow", width=512, height=512, steps=100, api_name="/image_generation"
    )
    cancelled = client.predict(token, job["id"], api_name="/cancel_job")
    assert cancelled["status"] in ("cancelled", "processing")
    deadline = time.monotonic() + 60
    while client.predict(token, job["id"], api_name="/job_status")["status"] != "cancelled":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert client.predict(token, api_name="/credits") == 50


def test_cloth_swap_through_gradio_client(client, tmp_path):
    from gradio_client import handle_file

    from tests.samples import draw_tshirt, skimage_photo

    token = new_token(client)
    job = client.predict(
        token=token,
        person=handle_file(str(skimage_photo("astronaut.png"))),
        cloth=handle_file(str(draw_tshirt(tmp_path / "tee.png"))),
        category="fitness",
        preserve_face=True,
        api_name="/cloth_swap",
    )
    assert job["creditsCharged"] == 3
    status = wait_for(client, token, job["id"])
    assert status["status"] == "completed", status["error"]
    files = client.predict(token, job["id"], api_name="/job_result")
    names = sorted(Path(f if isinstance(f, str) else f["path"]).name for f in files)
    assert names == ["alignment.png", "result.png"]
    assert client.predict(token, api_name="/credits") == 47


def test_story_video_through_gradio_client(stub_gradio):
    """The story route and its files through gradio_client (the story itself: REST, browser)."""
    client = stub_gradio
    token = new_token(client)
    job = client.predict(
        token=token,
        script="A fox crossed the frozen river. On the far bank, spring was waiting.",
        visual_style="cartoon",
        voice_style="female-warm",
        background_music="none",
        api_name="/story_video",
    )
    status = wait_for(client, token, job["id"], timeout=300)
    assert status["status"] == "completed", status["error"]
    files = client.predict(token, job["id"], api_name="/job_result")
    names = {Path(f if isinstance(f, str) else f["path"]).name for f in files}
    assert names == {"stub.mp4"}
    assert client.predict(token, api_name="/credits") == 40
    voice = client.predict("female-warm", api_name="/preview_voice")
    assert Path(voice if isinstance(voice, str) else voice["path"]).stat().st_size > 10_000
