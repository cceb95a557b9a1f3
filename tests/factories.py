"""Small builders for tests: users and job waits."""

from __future__ import annotations

import time
import uuid

from billing.ledger import balance, ledger_sum
from billing.signup import register
from studio.models import FINAL_STATES, Job, User

IMAGE_JOB = {"prompt": "a red fox in the snow", "width": 512, "height": 512, "steps": 2}


def new_user(credits: int | None = None, email: str = "") -> User:
    """A registered user (50 credits), optionally drained down to `credits`."""
    email = email or f"user-{uuid.uuid4().hex[:10]}@example.com"
    user = register(email, "correct horse battery")
    if credits is not None and credits < user.credits:
        from billing.ledger import debit

        debit(user.id, user.credits - credits, "test setup", key=f"test:{uuid.uuid4().hex}")
    return User.get_by_id(user.id)


def wait_for(job_id: str, timeout: float = 60.0, states=FINAL_STATES) -> Job:
    """Poll the job row until it reaches one of `states`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = Job.get_by_id(job_id)
        if job.status in states:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still {Job.get_by_id(job_id).status} after {timeout} s")


def assert_ledger_consistent(user: User) -> None:
    """The user's balance equals the sum of their ledger entries, and is never negative."""
    assert balance(user.id) == ledger_sum(user.id)
    assert balance(user.id) >= 0
