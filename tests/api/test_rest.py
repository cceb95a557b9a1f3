"""The REST API against a live studio server (real HTTP, embedded worker, tiny model)."""

from __future__ import annotations

import io
import time
import uuid
import zipfile

import httpx
import pytest
from PIL import Image


def _register(client, email: str = "") -> tuple[str, dict]:
    email = email or f"Rest-{uuid.uuid4().hex[:8]}@Example.com "
    r = client.post("/auth/register", json={"email": email, "password": "s3cret-password"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["user"]["email"] == email.strip().lower()
    return body["token"], {"authorization": f"Bearer {body['token']}"}


def _wait(client, headers, job_id, timeout=120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/jobs/{job_id}", headers=headers).json()
        if job["status"] in ("completed", "failed", "cancelled"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish")


def test_register_login_profile(client):
    token, headers = _register(client)
    assert client.get("/users/credits", headers=headers).json() == {"credits": 50}
    profile = client.get("/users/profile", headers=headers).json()
    again = client.post(
        "/auth/login", json={"email": profile["email"], "password": "s3cret-password"}
    )
    assert again.status_code == 200 and again.json()["user"]["id"] == profile["id"]
    wrong = client.post(
        "/auth/login", json={"email": profile["email"], "password": "nope-nope-nope"}
    )
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "unauthorized"
    duplicate = client.post(
        "/auth/register", json={"email": profile["email"].upper(), "password": "another-one-1"}
    )
    assert duplicate.status_code == 409 and duplicate.json()["error"]["field"] == "email"


@pytest.mark.parametrize(
    ("password", "rule"), [("short", "at least 8"), ("é" * 37, "at most 72 bytes")]
)
def test_password_rules_are_422(client, password, rule):
    r = client.post("/auth/register", json={"email": "x@example.com", "password": password})
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "password"
    assert rule in r.json()["error"]["message"]


def test_requests_without_a_valid_token_are_401(client):
    assert client.get("/users/credits").status_code == 401
    bad = {"authorization": "Bearer not.a.token"}
    assert client.get("/jobs", headers=bad).status_code == 401


def test_image_job_end_to_end(client):
    _, headers = _register(client)
    body = {
        "prompt": "a lighthouse at dusk",
        "style": "cinematic",
        "width": 512,
        "height": 576,
        "steps": 3,
        "numImages": 2,
        "seed": 42,
    }
    r = client.post("/jobs/image-generation", json=body, headers=headers)
    assert r.status_code == 202, r.text
    accepted = r.json()
    assert accepted["status"] == "pending" and accepted["creditsCharged"] == 4
    assert client.get("/users/credits", headers=headers).json()["credits"] == 46

    job = _wait(client, headers, accepted["id"])
    assert job["status"] == "completed", job["error"]
    assert job["progress"] == 100 and job["processingTime"] > 0
    assert job["params"]["numImages"] == 2 and job["params"]["style"] == "cinematic"
    assert job["metrics"]["seeds"] == [42, 43] and job["metrics"]["device"] == "cpu"
    assert job["metrics"]["secondsPerStep"] > 0 and job["startedAt"] < job["finishedAt"]

    # A signed URL works without the token; tampering with it does not.
    first = job["outputs"][0]
    image = Image.open(io.BytesIO(httpx.get(first["url"]).content))
    assert image.size == (512, 576)
    assert httpx.get(first["url"].replace("signature=", "signature=0")).status_code == 403

    archive = client.get(f"/jobs/{job['id']}/download", headers=headers)
    assert archive.headers["content-type"] == "application/zip"
    assert sorted(zipfile.ZipFile(io.BytesIO(archive.content)).namelist()) == [
        "image_1.png",
        "image_2.png",
    ]
    one = client.get(f"/jobs/{job['id']}/download", params={"name": "image_2.png"}, headers=headers)
    assert Image.open(io.BytesIO(one.content)).size == (512, 576)

    listed = client.get("/jobs", headers=headers).json()
    assert listed["total"] == 1 and listed["jobs"][0]["id"] == job["id"]
    history = client.get("/users/transactions", headers=headers).json()["transactions"]
    assert [t["amount"] for t in history] == [-4, 50]
    assert history[0]["jobId"] == job["id"]


def test_reference_image_goes_as_multipart(stub_client):
    client = stub_client
    _, headers = _register(client)
    reference = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 40, 40)).save(reference, format="JPEG")
    data = {
        "prompt": "a red wall",
        "width": "512",
        "height": "512",
        "steps": "4",
        "strength": "0.5",
        "seed": "3",
    }
    files = {"referenceImage": ("wall.jpg", reference.getvalue(), "image/jpeg")}
    r = client.post("/jobs/image-generation", data=data, files=files, headers=headers)
    assert r.status_code == 202, r.text
    job = _wait(client, headers, r.json()["id"])
    assert job["status"] == "completed", job["error"]
    assert job["params"]["strength"] == 0.5
    assert job["params"]["referenceImage"].endswith("reference_image.jpg")
    bad = {"referenceImage": ("x.png", b"not an image at all", "image/png")}
    r = client.post("/jobs/image-generation", data=data, files=bad, headers=headers)
    assert r.status_code == 422 and r.json()["error"]["field"] == "referenceImage"
    assert client.get("/users/credits", headers=headers).json()["credits"] == 48


def test_oversized_request_is_413(client):
    _, headers = _register(client)
    big = b"x" * (3 * 2**20)
    r = client.post(
        "/jobs/story-video", content=big, headers=headers | {"content-type": "application/json"}
    )
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
    assert client.get("/users/credits", headers=headers).json()["credits"] == 50


def test_invalid_job_is_422_and_charges_nothing(client):
    _, headers = _register(client)
    r = client.post("/jobs/image-generation", json={"prompt": "x", "width": 100}, headers=headers)
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "width"
    assert "512" in r.json()["error"]["message"]
    r = client.post("/jobs/image-generation", content=b"not json", headers=headers)
    assert r.status_code == 415  # no content type: neither JSON nor the feature's multipart
    r = client.post(
        "/jobs/image-generation",
        content=b"not json",
        headers=headers | {"content-type": "application/json"},
    )
    assert r.status_code == 422
    assert client.get("/users/credits", headers=headers).json()["credits"] == 50
    assert client.get("/jobs", headers=headers).json()["total"] == 0


def test_cloth_swap_over_multipart(client, tmp_path):
    from tests.samples import draw_tshirt, skimage_photo

    _, headers = _register(client)
    person = skimage_photo("astronaut.png").read_bytes()
    cloth = draw_tshirt(tmp_path / "tshirt.png").read_bytes()
    files = {"person": ("me.png", person, "image/png"), "cloth": ("tee.png", cloth, "image/png")}
    form = {"category": "casual", "preserveFace": "true"}
    r = client.post("/jobs/cloth-swap", files=files, data=form, headers=headers)
    assert r.status_code == 202, r.text
    assert r.json()["creditsCharged"] == 3
    job = _wait(client, headers, r.json()["id"])
    assert job["status"] == "completed", job["error"]
    names = [o["name"] for o in job["outputs"]]
    assert names == ["result.png", "alignment.png"]
    result = Image.open(io.BytesIO(httpx.get(job["outputs"][0]["url"]).content))
    assert result.size == Image.open(io.BytesIO(person)).size
    assert client.get("/users/credits", headers=headers).json()["credits"] == 47


def test_a_failed_cloth_swap_refunds_and_a_missing_upload_is_422(stub_client, tmp_path):
    from tests.samples import draw_tshirt, skimage_photo
    from tests.stub_runs import FAIL, FAILURE, stub_email

    client = stub_client
    _, headers = _register(client, stub_email(FAIL))
    person = skimage_photo("astronaut.png").read_bytes()
    cloth = draw_tshirt(tmp_path / "tshirt.png").read_bytes()
    files = {"person": ("me.png", person, "image/png"), "cloth": ("tee.png", cloth, "image/png")}
    form = {"category": "casual", "preserveFace": "true"}
    # The pipeline fails (a photo without a person, say): the job says why, the 3 credits return.
    r = client.post("/jobs/cloth-swap", files=files, data=form, headers=headers)
    assert r.status_code == 202, r.text
    job = _wait(client, headers, r.json()["id"])
    assert job["status"] == "failed" and FAILURE in job["error"]
    assert client.get("/users/credits", headers=headers).json()["credits"] == 50

    # A missing upload is a 422 naming it, and charges nothing.
    r = client.post(
        "/jobs/cloth-swap", files={"person": files["person"]}, data=form, headers=headers
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == "cloth"
    assert client.get("/jobs", headers=headers).json()["total"] == 1


def test_other_users_job_is_404_and_cancel_refunds(stub_client):
    from tests.stub_runs import HOLD, stub_email

    client = stub_client
    _, alice = _register(client, stub_email(HOLD))  # her job runs until she cancels it
    _, bob = _register(client)
    body = {"prompt": "slow one", "width": 512, "height": 512, "steps": 100}
    job_id = client.post("/jobs/image-generation", json=body, headers=alice).json()["id"]
    assert client.get(f"/jobs/{job_id}", headers=bob).status_code == 404
    assert client.delete(f"/jobs/{job_id}", headers=bob).status_code == 404
    assert client.get(f"/jobs/{job_id}/download", headers=bob).status_code == 404
    r = client.delete(f"/jobs/{job_id}", headers=alice)
    assert r.status_code == 200
    job = _wait(client, alice, job_id)
    assert job["status"] == "cancelled"
    assert client.get("/users/credits", headers=alice).json()["credits"] == 50
    assert client.delete(f"/jobs/{job_id}", headers=alice).status_code == 409


def test_openapi_health_metrics_and_features(client, live_server):
    spec = client.get("/openapi.json").json()
    body = spec["paths"]["/api/v1/jobs/image-generation"]["post"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    assert schema["properties"]["width"]["minimum"] == 512
    assert (
        "multipart/form-data"
        in spec["paths"]["/api/v1/jobs/cloth-swap"]["post"]["requestBody"]["content"]
    )
    assert client.get("/health").json()["status"] == "ok"
    features = client.get("/features").json()["features"]
    assert [f["id"] for f in features][0] == "image_generation" and len(features) == 6
    metrics = httpx.get(f"{live_server}/metrics").text
    assert "studio_jobs_submitted_total" in metrics


def test_signed_file_route_refuses_paths(client):
    r = client.get("/files/../../etc/passwd", params={"expires": "9999999999", "signature": "x"})
    assert r.status_code in (403, 404)


STORY = (
    "The lighthouse keeper climbed the stairs at dusk. "
    "Far below, a small boat fought the waves toward the harbour."
)


def test_story_video_end_to_end(client):
    _, headers = _register(client)
    body = {
        "script": STORY,
        "visualStyle": "anime",
        "voiceStyle": "male-warm",
        "backgroundMusic": "mysterious",
        "title": "The Keeper",
    }
    r = client.post("/jobs/story-video", json=body, headers=headers)
    assert r.status_code == 202, r.text
    assert r.json()["creditsCharged"] == 10
    job = _wait(client, headers, r.json()["id"], timeout=300)
    assert job["status"] == "completed", job["error"]
    outputs = {o["name"]: o for o in job["outputs"]}
    assert {"story.mp4", "story.srt"} <= set(outputs)
    assert outputs["story.mp4"]["contentType"] == "video/mp4"
    video = httpx.get(outputs["story.mp4"]["url"]).content
    assert video[4:8] == b"ftyp"
    srt = httpx.get(outputs["story.srt"]["url"]).text
    assert "lighthouse keeper" in srt and "-->" in srt
    assert any(name.startswith("keyframe_") for name in outputs)
    assert client.get("/users/credits", headers=headers).json()["credits"] == 40


def test_story_over_180_seconds_is_refused_before_charging(client):
    _, headers = _register(client)
    body = {"script": "This sentence keeps the narrator talking. " * 110}  # ~660 words
    r = client.post("/jobs/story-video", json=body, headers=headers)
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "script"
    assert "180" in r.json()["error"]["message"]
    assert client.get("/users/credits", headers=headers).json()["credits"] == 50
