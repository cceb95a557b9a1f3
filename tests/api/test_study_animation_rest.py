"""The study animation over REST against a live studio (no text model configured there)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import httpx
import pytest

from tests.api.test_rest import _register, _wait

SCRIPT = (
    "Plants convert sunlight into energy through photosynthesis. "
    "Chlorophyll in leaves absorbs light. The plant makes glucose and releases oxygen."
)


def test_a_30_s_lesson_over_rest(client):
    from pipelines.media.ffmpeg import probe

    _, headers = _register(client)
    body = {
        "topic": "Photosynthesis",
        "script": SCRIPT,
        "subject": "science",
        "animationStyle": "explainer",
        "duration": "30",
    }
    r = client.post("/jobs/study-animation", json=body, headers=headers)
    assert r.status_code == 202, r.text
    assert r.json()["creditsCharged"] == 5
    job = _wait(client, headers, r.json()["id"], timeout=400)
    assert job["status"] == "completed", job["error"]
    outputs = {o["name"]: o for o in job["outputs"]}
    assert set(outputs) == {"lesson.mp4", "lesson.srt", "storyboard.json"}
    assert outputs["lesson.mp4"]["contentType"] == "video/mp4"
    video = httpx.get(outputs["lesson.mp4"]["url"]).content
    assert video[4:8] == b"ftyp"
    srt = httpx.get(outputs["lesson.srt"]["url"]).text
    assert "Chlorophyll in leaves absorbs light." in srt
    board = httpx.get(outputs["storyboard.json"]["url"]).json()
    assert board["topic"] == "Photosynthesis" and board["duration"] == 30
    assert client.get("/users/credits", headers=headers).json()["credits"] == 45
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "lesson.mp4"
        path.write_bytes(video)
        info = probe(path)
    assert (info.width, info.height) == (1920, 1080)
    assert info.duration == pytest.approx(30.0, abs=0.5)


def test_the_seed_request_is_accepted(stub_client):
    """The seed's exact body: 202 and 5 credits; cancelling it refunds them."""
    from tests.stub_runs import HOLD, stub_email

    client = stub_client
    _, headers = _register(client, stub_email(HOLD))
    body = {
        "topic": "Photosynthesis",
        "script": "Plants convert sunlight into energy through photosynthesis. "
        "Chlorophyll in leaves absorbs light...",
        "subject": "science",
        "animationStyle": "3d-cgi",
        "duration": 60,
    }
    r = client.post("/jobs/study-animation", json=body, headers=headers)
    assert r.status_code == 202, r.text
    assert r.json()["creditsCharged"] == 5
    assert client.delete(f"/jobs/{r.json()['id']}", headers=headers).status_code == 200
    job = _wait(client, headers, r.json()["id"], timeout=120)
    assert job["status"] == "cancelled"
    assert client.get("/users/credits", headers=headers).json()["credits"] == 50


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"topic": "Photosynthesis"}, "text model"),
        ({"topic": "Tides", "script": "The sea rises and falls twice a day. " * 14}, "cut about"),
    ],
)
def test_refused_before_any_credit_is_taken(stub_client, body, says):
    client = stub_client
    _, headers = _register(client)
    r = client.post("/jobs/study-animation", json={**body, "duration": 30}, headers=headers)
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "script"
    assert says in r.json()["error"]["message"]
    assert client.get("/users/credits", headers=headers).json()["credits"] == 50
