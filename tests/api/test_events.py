"""Live job events (SSE): progress and the end of a real job, resuming with Last-Event-ID,
heartbeats, and the stream of all of a user's jobs."""

from __future__ import annotations

import threading
import time
import uuid

import httpx
import pytest
import uvicorn

from api.job_events import parse_event_id
from studio.models import CANCELLED, COMPLETED, PENDING, PROCESSING, Job
from tests.api.rest import rest_app
from tests.api.sse import read_events
from tests.conftest import configure, free_port
from tests.factories import new_user
from worker.lifecycle import finish

JOB = {"prompt": "a lighthouse at dusk", "width": 512, "height": 512, "steps": 10}


def _account(api: str) -> dict:
    email = f"sse-{uuid.uuid4().hex[:8]}@example.com"
    r = httpx.post(f"{api}/auth/register", json={"email": email, "password": "s3cret-pw"})
    return {"authorization": f"Bearer {r.json()['token']}"}


def test_a_client_follows_a_real_job_and_resumes_after_a_drop(live_server):
    api = f"{live_server}/api/v1"
    headers = _account(api)
    job_id = httpx.post(f"{api}/jobs/image-generation", json=JOB, headers=headers).json()["id"]
    url = f"{api}/jobs/{job_id}/events"
    first: list = []
    with httpx.stream("GET", url, headers=headers, timeout=60) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        for event in read_events(r):
            first.append(event)
            if sum(e.event == "progress" for e in first) == 2:
                break  # the connection drops here
    last_id = first[-1].id
    second: list = []
    with httpx.stream("GET", url, headers={**headers, "Last-Event-ID": last_id}, timeout=180) as r:
        second = [e for e in read_events(r) if e.event]
    ids = [parse_event_id(e.id) for e in first + second if e.event]
    assert all(i is not None for i in ids)
    assert all(a < b for a, b in zip(ids, ids[1:], strict=False)), "ids only grow, none repeat"
    progress = [e for e in first + second if e.event == "progress"]
    assert len(progress) >= 3
    assert [p.data["progress"] for p in progress] == sorted(p.data["progress"] for p in progress)
    final = second[-1]
    assert final.event == "completed" and final.data["job"]["status"] == COMPLETED
    assert final.data["job"]["outputs"][0]["name"].endswith(".png")


@pytest.fixture
def server(studio, monkeypatch):
    """This test's own API server in a thread, with short heartbeats and polls."""
    configure(monkeypatch, events_heartbeat_seconds="0.3", events_poll_seconds="0.05")
    app = rest_app()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}/api/v1"
    server.should_exit = True
    thread.join(10)


def _job(user, status=PENDING) -> Job:
    return Job.create(user=user.id, feature="image_generation", credits_charged=2, status=status)


def test_heartbeats_keep_an_idle_stream_open_until_the_job_ends(server):
    headers = _account(server)
    me = httpx.get(f"{server}/users/profile", headers=headers).json()
    job = _job(type("U", (), {"id": me["id"]}))
    seen = []
    with httpx.stream("GET", f"{server}/jobs/{job.id}/events", headers=headers, timeout=10) as r:
        for event in read_events(r):
            seen.append(event.event or event.comment.split()[0])
            if seen.count("ping") == 2 and seen[-1] == "ping":
                assert finish(job.id, CANCELLED, from_states=(PENDING,))  # another process
    events = [e for e in seen if e != "ping"]  # a heartbeat may fall between two events
    assert events == ["status", "status", "cancelled"]


def test_the_user_stream_carries_only_the_users_jobs_and_resumes(server):
    headers = _account(server)
    me = type("U", (), {"id": httpx.get(f"{server}/users/profile", headers=headers).json()["id"]})
    stranger = new_user()
    with httpx.stream("GET", f"{server}/events", headers=headers, timeout=10) as r:
        events = read_events(r)
        next(e for e in events if e.comment)  # connected: the first heartbeat
        mine, theirs = _job(me, PROCESSING), _job(stranger, PROCESSING)
        finish(theirs.id, COMPLETED)
        running = next(e for e in events if e.event)
    assert (running.event, running.data["jobId"], running.data["status"]) == (
        "status",
        mine.id,
        PROCESSING,
    )
    finish(mine.id, COMPLETED)  # while the client is away
    resumed = {**headers, "Last-Event-ID": running.id}
    with httpx.stream("GET", f"{server}/events", headers=resumed, timeout=10) as r:
        seen = []
        for event in read_events(r):
            if event.event:
                seen.append(event)
            if event.event == "completed":
                break
    assert {e.data["jobId"] for e in seen} == {mine.id}
    assert seen[-1].data["job"]["status"] == COMPLETED and int(seen[-1].id) > int(running.id)


def test_another_users_job_has_no_stream(server):
    owner = new_user()
    job = _job(owner)
    r = httpx.get(f"{server}/jobs/{job.id}/events", headers=_account(server))
    assert r.status_code == 404 and r.json()["error"]["field"] == "id"
    assert httpx.get(f"{server}/events").status_code == 401
