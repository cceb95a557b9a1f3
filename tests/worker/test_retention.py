"""Retention: old jobs' files deleted (rows kept, outputs marked expired), orphans removed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest

from studio.errors import NotFound
from studio.models import COMPLETED, Job, utcnow
from studio.storage import get_storage, job_key
from tests.conftest import ROOT, configure
from tests.factories import IMAGE_JOB, new_user
from worker import jobs, retention
from worker.lifecycle import claim, finish
from worker.retention import sweep_files
from worker.views import job_view


@pytest.fixture(autouse=True)
def no_queue(monkeypatch):
    monkeypatch.setattr(jobs, "enqueue", lambda job_id: None)


def _finished_job(user, days_ago: float) -> Job:
    """A completed job with a stored output and preview, finished `days_ago` days ago."""
    job = jobs.submit(user, "image_generation", IMAGE_JOB)
    storage = get_storage()
    storage.put(job_key(job.id, "image_1.png"), b"\x89PNG fake-but-stored", "image/png")
    storage.put(job_key(job.id, "preview.jpg"), b"\xff\xd8 preview", "image/jpeg")
    claim(job.id, "test-worker")
    output = {"name": "image_1.png", "key": job_key(job.id, "image_1.png"), "size": 20}
    assert finish(
        job.id, COMPLETED, outputs=[output | {"contentType": "image/png"}], progress=100.0
    )
    when = utcnow() - timedelta(days=days_ago)
    Job.update(finished_at=when, preview=job_key(job.id, "preview.jpg")).where(
        Job.id == job.id
    ).execute()
    return Job.get_by_id(job.id)


def _check_sweep(old: Job, recent: Job, orphan_id: str) -> None:
    storage = get_storage()
    report = sweep_files()
    assert (report.expired_jobs, report.orphans) == (1, 1)
    for name in ("image_1.png", "preview.jpg"):
        assert not storage.exists(job_key(old.id, name))
    with pytest.raises(NotFound):
        storage.get(job_key(orphan_id, "image_1.png"))
    assert storage.exists(job_key(recent.id, "image_1.png"))
    kept = Job.get_by_id(old.id)  # the row stays, its outputs say the files are gone
    assert kept.status == COMPLETED and kept.expired_at is not None and kept.preview is None
    view = job_view(kept)
    assert view["outputs"][0]["expired"] is True and view["outputs"][0]["url"] is None
    assert view["filesExpiredAt"] is not None
    assert job_view(Job.get_by_id(recent.id))["outputs"][0]["url"]
    assert (sweep_files().expired_jobs, sweep_files().orphans) == (0, 0)  # nothing twice


def test_retention_on_local_disk(studio, monkeypatch):
    configure(monkeypatch, retention_days="30")
    user = new_user()
    old, recent = _finished_job(user, days_ago=31), _finished_job(user, days_ago=29)
    get_storage().put(job_key("0" * 32, "image_1.png"), b"no job owns this", "image/png")
    get_storage().put(job_key("1" * 32, "image_1.png"), b"being submitted now", "image/png")
    an_hour_ago = time.time() - 2 * 3600
    for path in (studio.data_dir / "files" / "jobs" / ("0" * 32)).rglob("*"):
        os.utime(path, (an_hour_ago, an_hour_ago))
    _check_sweep(old, recent, "0" * 32)
    assert get_storage().exists(job_key("1" * 32, "image_1.png"))  # too fresh to be an orphan


def test_retention_on_s3(studio, monkeypatch, s3_url):
    configure(monkeypatch, retention_days="30", storage_url=s3_url.replace("/studio?", "/ret?"))
    monkeypatch.setattr(retention, "ORPHAN_GRACE", timedelta(seconds=-5))  # S3 times are set
    user = new_user()
    old, recent = _finished_job(user, days_ago=40), _finished_job(user, days_ago=1)
    get_storage().put(job_key("2" * 32, "image_1.png"), b"no job owns this", "image/png")
    _check_sweep(old, recent, "2" * 32)


def test_worker_sweep_command_runs_one_pass(studio):
    user = new_user()
    old = _finished_job(user, days_ago=3)
    env = os.environ | {
        "STUDIO_DATA_DIR": str(studio.data_dir),
        "STUDIO_RETENTION_DAYS": "2",
        "STUDIO_LOG_LEVEL": "INFO",
    }
    done = subprocess.run(
        [sys.executable, "-m", "worker", "sweep"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "1 jobs' files expired" in done.stderr
    assert Job.get_by_id(old.id).expired_at is not None
    assert not get_storage().exists(job_key(old.id, "image_1.png"))
