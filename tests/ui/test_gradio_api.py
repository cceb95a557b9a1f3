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


def test_endpoints_document_their_keys_one_token_and_the_forms_defaults(client):
    from pipelines.registry import FEATURES
    from worker.services import quick_defaults

    api = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    for name, endpoint in api.items():
        params = [p["parameter_name"] for p in endpoint["parameters"]]
        assert endpoint["returns"][0]["type"], f"{name} documents no return type"
        if name not in ("/login", "/register", "/preview_voice", "/preview_music"):
            assert params[0] == "token", name  # one spelling everywhere
            assert endpoint["parameters"][0]["python_type"]["type"] == "str", name
    job = api["/image_generation"]["returns"][0]["type"]
    assert {"id", "status", "progress", "stage", "creditsCharged", "outputs"} <= set(
        job["properties"]
    )
    assert set(api["/login"]["returns"][0]["type"]["properties"]) == {"token", "user"}
    assert [p["parameter_name"] for p in api["/job_result"]["parameters"]] == ["token", "job_id"]
    defaults = quick_defaults(FEATURES["image_generation"])  # the tiny model's quick values
    shown = {p["parameter_name"]: p for p in api["/image_generation"]["parameters"]}
    for name in ("width", "height", "steps"):
        assert shown[name]["parameter_default"] == defaults[name], name
    seed = shown["seed"]["python_type"]["type"]
    assert seed.count("None") == 1, seed


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


def test_a_malformed_call_never_writes_the_token_to_the_log(client, live_server):
    import httpx

    from tests.conftest import LIVE_ROOT

    token = new_token(client, "malformed")
    call = f"{live_server}/gradio_api/call/job_status"
    event = httpx.post(call, json={"data": [token]}).json()["event_id"]  # one argument short
    answer = httpx.get(f"{call}/{event}", timeout=30).text
    assert "event: error" in answer and token not in answer
    log = (LIVE_ROOT[live_server] / "server.log").read_text(errors="replace")
    assert "didn't receive enough input values" in log  # the failure is logged…
    assert token not in log  # …without the token
