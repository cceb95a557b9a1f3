"""Submitting, cancelling and finishing jobs against the real SQLite database."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from billing.ledger import balance
from pipelines.registry import FEATURES
from studio.errors import (
    Conflict,
    InsufficientCredits,
    NotAvailable,
    NotFound,
    ValidationFailed,
)
from studio.models import CANCELLED, FAILED, PROCESSING, Job, LedgerEntry
from tests.conftest import configure
from tests.factories import IMAGE_JOB, assert_ledger_consistent, new_user
from worker import jobs, lifecycle
from worker.lifecycle import claim


@pytest.fixture(autouse=True)
def no_queue(monkeypatch):
    """These tests drive jobs by hand: nothing consumes the queue."""
    sent = []
    monkeypatch.setattr(jobs, "enqueue", sent.append)
    return sent


def test_submit_charges_and_queues(studio, no_queue):
    user = new_user()
    job = jobs.submit(user, "image_generation", IMAGE_JOB | {"numImages": 3})
    assert job.status == "pending"
    assert job.credits_charged == 6
    assert balance(user.id) == 44
    assert no_queue == [job.id]
    assert LedgerEntry.get(LedgerEntry.key == f"job:{job.id}:debit").amount == -6
    assert_ledger_consistent(user)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"width": 500}, "width"),
        ({"width": 520}, "width"),
        ({"height": 1600}, "height"),
        ({"numImages": 5}, "numImages"),
        ({"prompt": "   "}, "prompt"),
        ({"style": "no-such-style"}, "style"),
        ({"bogus": 1}, "bogus"),
    ],
)
def test_invalid_input_changes_nothing(studio, no_queue, change, field):
    user = new_user()
    with pytest.raises(ValidationFailed) as error:
        jobs.submit(user, "image_generation", IMAGE_JOB | change)
    assert error.value.field == field
    assert balance(user.id) == 50
    assert Job.select().count() == 0
    assert no_queue == []


def test_unavailable_feature_charges_nothing(studio, no_queue, monkeypatch):
    # A declared feature without a run function (as a new one is before its pipeline lands).
    declared = dataclasses.replace(FEATURES["video_3d"], run=None)
    monkeypatch.setitem(FEATURES, "video_3d", declared)
    user = new_user()
    with pytest.raises(NotAvailable, match="not available yet"):
        jobs.submit(user, "video_3d", {"prompt": "a canyon at dawn"})
    assert balance(user.id) == 50
    assert Job.select().count() == 0


def test_short_balance_is_refused(studio, no_queue):
    user = new_user(credits=3)
    with pytest.raises(InsufficientCredits, match="needs 4 credits and you have 3"):
        jobs.submit(user, "image_generation", IMAGE_JOB | {"numImages": 2})
    assert balance(user.id) == 3
    assert Job.select().count() == 0
    assert_ledger_consistent(user)


def test_other_users_job_is_not_found(studio):
    owner, stranger = new_user(), new_user()
    job = jobs.submit(owner, "image_generation", IMAGE_JOB)
    with pytest.raises(NotFound):
        jobs.get_job(stranger, job.id)
    with pytest.raises(NotFound):
        jobs.cancel(stranger, job.id)
    assert Job.get_by_id(job.id).status == "pending"


def test_cancel_pending_refunds_once(studio):
    user = new_user()
    job = jobs.submit(user, "image_generation", IMAGE_JOB)
    assert jobs.cancel(user, job.id).status == CANCELLED
    assert balance(user.id) == 50
    with pytest.raises(Conflict):
        jobs.cancel(user, job.id)
    assert claim(job.id, "late-worker") is None  # its queue message is now a no-op
    assert LedgerEntry.select().where(LedgerEntry.key == f"job:{job.id}:refund").count() == 1
    assert_ledger_consistent(user)


def test_cancel_processing_asks_the_worker(studio):
    user = new_user()
    job = jobs.submit(user, "image_generation", IMAGE_JOB)
    claim(job.id, "worker-1")
    job = jobs.cancel(user, job.id)
    assert job.status == PROCESSING and job.cancel_requested
    assert balance(user.id) == 48  # refunded when the worker stops


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_cancel_and_fail_race_refunds_exactly_once(studio, request, monkeypatch, database):
    """Many actors try to end the same job at once: one wins, one refund."""
    if database == "postgresql":
        configure(monkeypatch, database_url=request.getfixturevalue("postgres_url"))
    user = new_user()
    job = jobs.submit(user, "image_generation", IMAGE_JOB)
    claim(job.id, "worker-1")
    barrier = threading.Barrier(8)
    results = []

    def end(status):
        barrier.wait()
        results.append(lifecycle.finish(job.id, status, refund=True, error="x"))

    threads = [threading.Thread(target=end, args=(s,)) for s in [FAILED, CANCELLED] * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 1
    assert balance(user.id) == 50
    assert LedgerEntry.select().where(LedgerEntry.job_id == job.id).count() == 2
    assert_ledger_consistent(user)


def test_short_balance_with_an_upload_leaves_no_stored_input(studio, no_queue, tmp_path):
    import io

    from PIL import Image

    user = new_user(credits=1)
    reference = io.BytesIO()
    Image.new("RGB", (128, 128), (10, 200, 30)).save(reference, format="PNG")
    with pytest.raises(InsufficientCredits):
        jobs.submit(user, "image_generation", IMAGE_JOB | {"referenceImage": reference.getvalue()})
    assert Job.select().count() == 0
    assert not any((studio.data_dir / "files").rglob("*.png"))
    assert_ledger_consistent(user)


def test_rerun_keeps_settings_and_uploads(studio, no_queue):
    import io

    from PIL import Image

    user = new_user()
    reference = io.BytesIO()
    Image.new("RGB", (128, 128), (10, 200, 30)).save(reference, format="PNG")
    first = jobs.submit(
        user, "image_generation", IMAGE_JOB | {"referenceImage": reference.getvalue(), "seed": 4}
    )
    again = jobs.rerun(user, first.id)
    assert again.id != first.id and again.status == "pending"
    assert again.params["seed"] == 4
    assert again.params["reference_image"].startswith(f"jobs/{again.id}/inputs/")
    assert balance(user.id) == 46
    stranger = new_user()
    with pytest.raises(NotFound):
        jobs.rerun(stranger, first.id)
