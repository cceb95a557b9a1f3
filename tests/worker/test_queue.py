"""Real jobs through a real Huey consumer: SQLite (embedded), Redis + PostgreSQL, S3 files."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from PIL import Image

from billing.ledger import balance
from studio.models import COMPLETED, FAILED, PENDING, PROCESSING, Job, User, utcnow
from studio.storage import get_storage
from tests.conftest import ROOT, configure
from tests.factories import IMAGE_JOB, assert_ledger_consistent, new_user, wait_for
from tests.stub_runs import HOLD, stub_email
from worker import jobs
from worker.consumer import Worker
from worker.leases import reap_expired, sweep_lost


@pytest.fixture
def running_worker():
    worker = Worker()
    worker.start()
    yield worker
    worker.stop(graceful=False)


def _run_one_image_job(user, num_images=1) -> Job:
    job = jobs.submit(user, "image_generation", IMAGE_JOB | {"numImages": num_images, "seed": 5})
    done = wait_for(job.id, timeout=120)
    assert done.status == COMPLETED, done.error
    return done


def _check_outputs(job: Job, count: int) -> None:
    assert [o["name"] for o in job.outputs] == [f"image_{i + 1}.png" for i in range(count)]
    for output in job.outputs:
        image = Image.open(io.BytesIO(get_storage().get(output["key"])))
        assert image.size == (512, 512)
    assert job.metrics["device"] == "cpu"
    assert job.metrics["seeds"] == list(range(5, 5 + count))
    assert job.processing_time > 0


def test_embedded_sqlite_queue_runs_a_real_job(studio, running_worker):
    user = new_user()
    job = _run_one_image_job(user, num_images=2)
    _check_outputs(job, 2)
    assert job.progress == 100.0 and job.attempts == 1
    assert balance(user.id) == 46
    assert_ledger_consistent(user)


def test_redis_postgres_s3_run_the_same_job(studio, monkeypatch, postgres_url, redis_queue, s3_url):
    url, name = redis_queue
    configure(
        monkeypatch, database_url=postgres_url, queue_url=url, queue_name=name, storage_url=s3_url
    )
    worker = Worker()
    worker.start()
    try:
        user = new_user()
        job = _run_one_image_job(user)
    finally:
        worker.stop(graceful=False)
    _check_outputs(job, 1)
    assert type(get_storage()).__name__ == "S3Storage"
    assert balance(user.id) == 48
    assert_ledger_consistent(user)


def test_cancel_while_processing_stops_and_refunds(studio, fast_features, running_worker):
    user = new_user(email=stub_email(HOLD))  # its stub job runs until it is cancelled
    job = jobs.submit(user, "image_generation", IMAGE_JOB)
    wait_for(job.id, states=(PROCESSING,))
    while Job.get_by_id(job.id).progress < 10:
        time.sleep(0.05)
    jobs.cancel(user, job.id)
    done = wait_for(job.id, timeout=60)
    assert done.status == "cancelled"
    assert done.outputs == []
    assert balance(user.id) == 50
    assert_ledger_consistent(user)


def test_a_crashing_run_fails_and_refunds(studio, running_worker, monkeypatch):
    import pipelines.sdxl.generate

    def explode(inputs, ctx):
        raise RuntimeError("GPU fell off")

    monkeypatch.setattr(pipelines.sdxl.generate, "generate_images", explode)
    user = new_user()
    job = jobs.submit(user, "image_generation", IMAGE_JOB)
    done = wait_for(job.id)
    assert done.status == FAILED
    assert "went wrong on the server" in done.error and "RuntimeError" not in done.error
    assert balance(user.id) == 50
    assert_ledger_consistent(user)


def test_sweeper_requeues_a_lost_message(studio, monkeypatch, fast_features, running_worker):
    original = jobs.enqueue
    monkeypatch.setattr(jobs, "enqueue", lambda job_id: None)  # the message is lost
    user = new_user()
    job = jobs.submit(user, "image_generation", IMAGE_JOB)
    time.sleep(0.5)
    assert Job.get_by_id(job.id).status == PENDING
    monkeypatch.setattr(jobs, "enqueue", original)
    configure(monkeypatch, sweep_after_seconds="0")
    assert sweep_lost() == 1
    assert wait_for(job.id, timeout=120).status == COMPLETED


def _start_standalone_stub_worker(settings, lease: str) -> subprocess.Popen:
    """`python -m worker` with stub pipelines (tests/stub_runs.py)."""
    env = os.environ | {
        "STUDIO_DATA_DIR": str(settings.data_dir),
        "STUDIO_MODELS_DIR": str(settings.resolved_models_dir),
        "STUDIO_MODEL_PRESET": "tiny",
        "STUDIO_DEVICE": "cpu",
        "STUDIO_LEASE_SECONDS": lease,
    }
    return subprocess.Popen([sys.executable, "-m", "tests.stub_runs", "worker"], cwd=ROOT, env=env)


@pytest.mark.parametrize(("max_attempts", "expected"), [(1, FAILED), (2, COMPLETED)])
def test_killed_worker_is_reaped(studio, monkeypatch, fast_features, max_attempts, expected):
    """`python -m worker` dies mid-job: the reaper fails+refunds it, or retries it once."""
    user = new_user(email=stub_email(HOLD))  # the job runs until the worker is killed
    proc = _start_standalone_stub_worker(studio, lease="1.5")
    try:
        job = jobs.submit(user, "image_generation", IMAGE_JOB)
        wait_for(job.id, timeout=120, states=(PROCESSING,))
        while Job.get_by_id(job.id).progress < 3:
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert Job.get_by_id(job.id).status == PROCESSING  # nobody told the database
    configure(monkeypatch, lease_seconds="1.5", max_attempts=str(max_attempts))
    # The lease runs out: move its clock rather than wait for it.
    expired = utcnow() - timedelta(seconds=1)
    Job.update(lease_expires_at=expired).where(Job.id == job.id).execute()
    assert reap_expired() == 1
    assert reap_expired() == 0  # exactly once
    if expected == COMPLETED:
        User.update(email=stub_email()).where(User.id == user.id).execute()  # now it completes
        worker = Worker()
        worker.start()
        try:
            done = wait_for(job.id, timeout=120)
        finally:
            worker.stop(graceful=False)
        assert done.attempts == 2
        assert balance(user.id) == 48
    else:
        done = Job.get_by_id(job.id)
        assert "stopped responding" in done.error
        assert balance(user.id) == 50
    assert done.status == expected
    assert_ledger_consistent(user)


def test_live_preview_is_readable_while_the_job_runs(studio, running_worker):
    user = new_user()
    job = jobs.submit(user, "image_generation", IMAGE_JOB | {"steps": 16})
    deadline = time.monotonic() + 120
    while (row := Job.get_by_id(job.id)).preview is None:
        assert row.status in (PENDING, PROCESSING), row.error
        assert time.monotonic() < deadline
        time.sleep(0.05)
    preview = Image.open(io.BytesIO(get_storage().get(row.preview)))
    assert preview.format == "JPEG" and preview.width > 0
    assert row.status == PROCESSING and row.progress < 100
    assert wait_for(job.id, timeout=120).status == COMPLETED
