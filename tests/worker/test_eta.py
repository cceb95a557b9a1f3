"""Queue position and ETA: the queue's order (priority, then first come) and recent times."""

from __future__ import annotations

import pytest

from studio.models import COMPLETED, Job
from tests.conftest import configure
from tests.factories import IMAGE_JOB, new_user
from worker import jobs
from worker.eta import queue_estimate
from worker.lifecycle import claim, finish

VIDEO_JOB = {"prompt": "a slow pan over a harbour", "duration": 15}


@pytest.fixture(autouse=True)
def no_queue(monkeypatch):
    monkeypatch.setattr(jobs, "enqueue", lambda job_id: None)


def _history(user, feature: str, body: dict, seconds: list[float]) -> None:
    for value in seconds:
        job = jobs.submit(user, feature, body)
        claim(job.id, "host:1:1")
        assert finish(job.id, COMPLETED, processing_time=value)


def test_position_and_eta_from_recent_processing_times(studio, monkeypatch):
    configure(monkeypatch, max_running_per_user="10")
    user = new_user()
    _history(user, "image_generation", IMAGE_JOB, [4.0, 6.0])  # 5 s on average
    _history(user, "video_3d", VIDEO_JOB, [100.0])
    video = jobs.submit(user, "video_3d", VIDEO_JOB)
    first, second = (jobs.submit(user, "image_generation", IMAGE_JOB) for _ in range(2))
    # Images go first (priority 10), in order; the earlier video waits behind both.
    assert queue_estimate(Job.get_by_id(first.id)) == (1, 5.0)
    assert queue_estimate(Job.get_by_id(second.id)) == (2, 10.0)
    assert queue_estimate(Job.get_by_id(video.id)) == (3, 110.0)
    # Once running, the estimate is what is left of the usual time; a finished job has none.
    running = claim(first.id, "host:2:1")
    position, left = queue_estimate(running)
    assert position is None and 0 < left <= 5.0
    assert finish(first.id, COMPLETED, processing_time=5.0)
    assert queue_estimate(Job.get_by_id(first.id)) == (None, None)
