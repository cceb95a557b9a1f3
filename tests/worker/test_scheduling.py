"""Who runs next: per-user running limits and priorities, with a real Huey consumer."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from pipelines import Output, RunResult
from pipelines.registry import FEATURES
from studio.models import COMPLETED, PENDING, PROCESSING, Job
from tests.conftest import configure
from tests.factories import IMAGE_JOB, assert_ledger_consistent, new_user, wait_for
from worker import jobs
from worker.consumer import Worker
from worker.eta import queue_estimate
from worker.lifecycle import RunningLimitReached, claim, finish

VIDEO_JOB = {"prompt": "a slow pan over a harbour", "duration": 15}


@pytest.fixture
def held_videos(monkeypatch):
    """video_3d, as the registry serves it, but each run holds the worker until released:
    a stand-in for a minutes-long render (its declaration, queue and priority are the real
    ones)."""
    release = threading.Event()

    def run(inputs, ctx):
        ctx.progress(10, "Rendering")
        assert release.wait(60), "the test never released the video"
        path = ctx.work_dir / "video.mp4"
        path.write_bytes(b"\x00\x00\x00\x18ftypmp42")
        return RunResult([Output("video.mp4", path, "video/mp4")])

    monkeypatch.setitem(FEATURES, "video_3d", dataclasses.replace(FEATURES["video_3d"], run=run))
    yield release
    release.set()


def test_a_job_over_the_running_limit_waits_and_is_not_failed(studio, monkeypatch):
    configure(monkeypatch, max_running_per_user="2")
    monkeypatch.setattr(jobs, "enqueue", lambda job_id: None)
    user, other = new_user(), new_user()
    first, second, third = (jobs.submit(user, "image_generation", IMAGE_JOB) for _ in range(3))
    assert claim(first.id, "w1") is not None
    assert claim(second.id, "w2") is not None
    with pytest.raises(RunningLimitReached):
        claim(third.id, "w3")
    waiting = Job.get_by_id(third.id)
    assert waiting.status == PENDING and waiting.attempts == 0
    assert waiting.stage == "Waiting: 2 of your jobs are running"
    # Someone else's job is not held back by this user's.
    theirs = jobs.submit(other, "image_generation", IMAGE_JOB)
    assert claim(theirs.id, "w4") is not None
    # One of the user's jobs ends: the waiting one may start.
    assert finish(first.id, COMPLETED)
    assert claim(third.id, "w3").status == PROCESSING
    assert_ledger_consistent(user)


def test_the_waiting_job_runs_once_a_slot_frees(studio, monkeypatch, held_videos):
    """Two threads, a limit of one running job: the second job waits, then runs."""
    configure(monkeypatch, max_running_per_user="1")
    worker = Worker(workers=2)
    worker.start()
    try:
        user = new_user()
        video = jobs.submit(user, "video_3d", VIDEO_JOB)
        wait_for(video.id, states=(PROCESSING,))
        image = jobs.submit(user, "image_generation", IMAGE_JOB)
        while Job.get_by_id(image.id).stage == "Queued":  # a free thread offered it
            threading.Event().wait(0.05)
        assert Job.get_by_id(image.id).status == PENDING  # waiting, not failed
        held_videos.set()
        assert wait_for(video.id, timeout=60).status == COMPLETED
        done = wait_for(image.id, timeout=120)
    finally:
        worker.stop(graceful=False)
    assert done.status == COMPLETED, done.error
    assert done.started_at >= Job.get_by_id(video.id).finished_at
    assert_ledger_consistent(user)


def test_an_image_overtakes_queued_videos(studio, monkeypatch, held_videos):
    """The only worker busy with a video, 3 more videos queued, then an image: it goes next."""
    configure(monkeypatch, max_running_per_user="10")
    worker = Worker(workers=1)
    worker.start()
    try:
        user = new_user()
        running = jobs.submit(user, "video_3d", VIDEO_JOB)
        wait_for(running.id, states=(PROCESSING,))
        queued = [jobs.submit(user, "video_3d", VIDEO_JOB) for _ in range(3)]
        image = jobs.submit(user, "image_generation", IMAGE_JOB)
        assert [queue_estimate(Job.get_by_id(j.id))[0] for j in queued] == [2, 3, 4]
        assert queue_estimate(Job.get_by_id(image.id))[0] == 1
        held_videos.set()
        finished = [wait_for(j.id, timeout=120) for j in [running, *queued, image]]
    finally:
        worker.stop(graceful=False)
    assert all(j.status == COMPLETED for j in finished), [j.error for j in finished]
    image_done = finished[-1]
    assert all(image_done.started_at <= video.started_at for video in finished[1:4])
    assert_ledger_consistent(user)
