"""Per-user limits over REST: too many waiting jobs is a 429, and nothing is charged."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from studio.models import Job
from tests.api.rest import rest_app
from tests.conftest import configure
from tests.factories import IMAGE_JOB
from worker import jobs


@pytest.fixture
def client(studio, monkeypatch):
    configure(monkeypatch, max_pending_per_user="3")
    monkeypatch.setattr(jobs, "enqueue", lambda job_id: None)  # no worker: jobs stay pending
    with TestClient(rest_app(), base_url="http://testserver/api/v1") as c:
        yield c


def _headers(client, email: str) -> dict:
    r = client.post("/auth/register", json={"email": email, "password": "s3cret-password"})
    assert r.status_code == 201, r.text
    return {"authorization": f"Bearer {r.json()['token']}"}


def test_over_the_pending_limit_is_429_and_charges_nothing(client):
    headers = _headers(client, "busy@example.com")
    ids = []
    for _ in range(3):
        r = client.post("/jobs/image-generation", json=IMAGE_JOB, headers=headers)
        assert r.status_code == 202, r.text
        ids.append(r.json()["id"])
    refused = client.post("/jobs/image-generation", json=IMAGE_JOB, headers=headers)
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "too_many_jobs"
    assert "3 jobs waiting" in error["message"] and "No credits were charged" in error["message"]
    assert client.get("/users/credits", headers=headers).json() == {"credits": 44}
    assert Job.select().count() == 3
    # Another user is not held back by someone else's queue.
    other = _headers(client, "calm@example.com")
    assert client.post("/jobs/image-generation", json=IMAGE_JOB, headers=other).status_code == 202


def test_waiting_jobs_show_their_queue_position(client):
    headers = _headers(client, "patient@example.com")
    ids = [
        client.post("/jobs/image-generation", json=IMAGE_JOB, headers=headers).json()["id"]
        for _ in range(3)
    ]
    positions = [client.get(f"/jobs/{i}", headers=headers).json()["queuePosition"] for i in ids]
    assert positions == [1, 2, 3]
    view = client.get(f"/jobs/{ids[0]}", headers=headers).json()
    assert view["etaSeconds"] is None  # no finished job yet to estimate from
