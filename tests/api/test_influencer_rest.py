"""The AI influencer over REST against a live studio (tiny model, embedded worker)."""

from __future__ import annotations

import io
import time

import httpx
from PIL import Image

from tests.api.rest import credits, new_account
from tests.samples import skimage_photo

SEED_REQUEST = {
    "gender": "female",
    "ethnicity": "asian",
    "ageRange": "26-35",
    "style": "professional",
    "poses": 5,
}


def _wait(client, headers, job_id, until=("completed", "failed", "cancelled"), timeout=600):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/jobs/{job_id}", headers=headers).json()
        if job["status"] in until:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not reach {until}")


def test_the_seeds_request_is_accepted_for_5_credits_and_a_cancel_refunds_once(stub_client):
    from tests.stub_runs import HOLD, stub_email

    client = stub_client
    headers = new_account(client, email=stub_email(HOLD))
    r = client.post("/jobs/influencer-creation", json=SEED_REQUEST, headers=headers)
    assert r.status_code == 202, r.text
    assert r.json()["creditsCharged"] == 5 and credits(client, headers) == 45
    job = _wait(client, headers, r.json()["id"], until=("processing", "failed", "completed"))
    assert job["status"] == "processing" and job["params"]["ageRange"] == "26-35"
    assert client.delete(f"/jobs/{job['id']}", headers=headers).status_code == 200
    assert _wait(client, headers, job["id"])["status"] == "cancelled"
    assert credits(client, headers) == 50
    history = client.get("/users/transactions", headers=headers).json()["transactions"]
    assert sorted(t["amount"] for t in history) == [-5, 5, 50]


def test_a_set_with_a_reference_face_over_multipart(client):
    from pipelines.face import embedding

    headers = new_account(client, "influencer")
    astronaut = skimage_photo("astronaut.png").read_bytes()
    form = {k: str(v) for k, v in (SEED_REQUEST | {"poses": 1, "seed": 3}).items()}
    files = {"referenceFace": ("me.png", astronaut, "image/png")}
    r = client.post("/jobs/influencer-creation", data=form, files=files, headers=headers)
    assert r.status_code == 202, r.text
    job = _wait(client, headers, r.json()["id"])
    assert job["status"] == "completed", job["error"]
    names = [o["name"] for o in job["outputs"]]
    assert names == ["pose-01-close-up.png", "reference.png", "contact-sheet.jpg", "persona.json"]
    pose = job["metrics"]["poses"][0]
    assert pose["method"] == "skeleton" and pose["distance"] < 0.6
    picture = Image.open(io.BytesIO(httpx.get(job["outputs"][0]["url"]).content))
    assert picture.size == (832, 1216)  # SDXL's portrait size, even on the tiny model
    reference = embedding.embed(Image.open(io.BytesIO(astronaut)))
    assert embedding.distance(embedding.embed(picture), reference) < 0.6
    assert credits(client, headers) == 45


def test_bad_inputs_are_422_and_charge_nothing(stub_client):
    client = stub_client
    headers = new_account(client, "influencer")
    for change, field in (
        ({"poses": 11}, "poses"),
        ({"ageRange": "25-34"}, "ageRange"),
        ({"ethnicity": "martian"}, "ethnicity"),
    ):
        r = client.post("/jobs/influencer-creation", json=SEED_REQUEST | change, headers=headers)
        assert r.status_code == 422 and r.json()["error"]["field"] == field
    files = {"referenceFace": ("face.png", b"not a picture", "image/png")}
    form = {k: str(v) for k, v in SEED_REQUEST.items()}
    r = client.post("/jobs/influencer-creation", data=form, files=files, headers=headers)
    assert r.status_code == 422 and r.json()["error"]["field"] == "referenceFace"
    assert credits(client, headers) == 50
    assert client.get("/jobs", headers=headers).json()["total"] == 0


def test_a_set_that_fails_refunds(stub_client):
    """A failing set (a reference photo without a face, say) says why and refunds the 5."""
    from tests.stub_runs import FAIL, FAILURE, stub_email

    client = stub_client
    headers = new_account(client, email=stub_email(FAIL))
    coffee = skimage_photo("coffee.png").read_bytes()
    form = {k: str(v) for k, v in (SEED_REQUEST | {"poses": 1}).items()}
    files = {"referenceFace": ("coffee.png", coffee, "image/png")}
    r = client.post("/jobs/influencer-creation", data=form, files=files, headers=headers)
    assert r.status_code == 202, r.text
    job = _wait(client, headers, r.json()["id"])
    assert job["status"] == "failed" and FAILURE in job["error"]
    assert credits(client, headers) == 50
