"""The 3D video over REST against a live studio server (tiny SDXL, tiny Depth Anything)."""

from __future__ import annotations

import io
import json
import time
import zipfile

import httpx
import pytest

from tests.api.rest import credits, new_account

SEED_REQUEST = {
    "prompt": "A dragon flying over snow-capped mountains",
    "duration": 30,
    "cameraMovement": "orbit",
    "style": "cinematic",
}


def _wait(client, headers, job_id, timeout=900) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/jobs/{job_id}", headers=headers).json()
        if job["status"] in ("completed", "failed", "cancelled"):
            return job
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} did not finish")


def test_the_seed_request_is_202_for_8_credits_and_a_cancel_refunds(stub_client):
    from tests.stub_runs import HOLD, stub_email

    client = stub_client
    headers = new_account(client, email=stub_email(HOLD))
    r = client.post("/jobs/3d-video", json=SEED_REQUEST, headers=headers)
    assert r.status_code == 202, r.text
    assert r.json()["creditsCharged"] == 8
    assert credits(client, headers) == 42
    assert client.delete(f"/jobs/{r.json()['id']}", headers=headers).status_code in (200, 202)
    job = _wait(client, headers, r.json()["id"], timeout=120)
    assert job["status"] == "cancelled"
    assert credits(client, headers) == 50


@pytest.mark.parametrize(("field", "value"), [("duration", 45), ("fps", 60), ("style", "anime")])
def test_a_value_outside_the_choices_is_422_and_charges_nothing(stub_client, field, value):
    client = stub_client
    headers = new_account(client, "video3d")
    r = client.post("/jobs/3d-video", json=SEED_REQUEST | {field: value}, headers=headers)
    assert r.status_code == 422
    assert r.json()["error"]["field"] == field
    assert credits(client, headers) == 50
    assert client.get("/jobs", headers=headers).json()["total"] == 0


def test_a_15_s_job_gives_a_720p_h264_video_with_its_keyframes_depth_and_scene(client, tmp_path):
    from pipelines.media.ffmpeg import probe

    headers = new_account(client, "video3d")
    body = SEED_REQUEST | {"duration": 15, "cameraMovement": "pan", "seed": 3}
    r = client.post("/jobs/3d-video", json=body, headers=headers)
    assert r.status_code == 202, r.text
    job = _wait(client, headers, r.json()["id"])
    assert job["status"] == "completed", job["error"]
    names = [o["name"] for o in job["outputs"]]
    assert names[0] == "video.mp4" and "scene.json" in names
    assert {"keyframe_01.png", "keyframe_02.png", "depth_01.png", "depth_02.png"} <= set(names)
    assert job["metrics"]["depthSource"] == "tiny-depth-anything"
    assert job["metrics"]["renderer"] == "moderngl-egl"
    assert job["metrics"]["frames"] == 15 * 24

    video = tmp_path / "video.mp4"
    video.write_bytes(httpx.get(job["outputs"][0]["url"], timeout=60).content)
    info = probe(video)
    assert (info.width, info.height, info.video_codec) == (1280, 720, "h264")
    assert info.duration == pytest.approx(15.0, abs=0.1)

    archive = client.get(f"/jobs/{job['id']}/download", headers=headers, timeout=60)
    members = zipfile.ZipFile(io.BytesIO(archive.content))
    scene = json.loads(members.read("scene.json"))
    assert scene["cameraMovement"] == "pan" and [s["seed"] for s in scene["shots"]] == [3, 4]
    assert credits(client, headers) == 42
