"""A job's state changes: claim (pending → processing) and finish (→ a final state).

Every change is a conditional update; a refund is written in the same transaction as
the change that causes it, under a unique ledger key, so it happens exactly once
whatever races. Nothing here touches the queue.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from billing.ledger import grant
from pipelines.registry import FEATURES
from studio.db import is_postgres, write_transaction
from studio.models import CANCELLED, COMPLETED, PENDING, PROCESSING, Job, User, utcnow
from studio.settings import get_settings
from studio.telemetry import CREDITS_REFUNDED, JOBS_FINISHED
from worker.webhooks import queue_job_deliveries

logger = logging.getLogger(__name__)


class RunningLimitReached(Exception):
    """The job's owner already has STUDIO_MAX_RUNNING_PER_USER jobs running: it waits."""


def claim(job_id: str, me: str) -> Job | None:
    """pending → processing for this worker, or None if someone else has it or it ended.

    Raises RunningLimitReached (and leaves the job pending) when its owner has as many jobs
    running as they may; the count and the claim are one transaction, with the owner's row
    locked on PostgreSQL, so two workers cannot both take the last slot.
    """
    settings = get_settings()
    now = utcnow()
    with write_transaction():
        owner = Job.select(Job.user).where((Job.id == job_id) & (Job.status == PENDING)).scalar()
        if owner is None:
            return None
        if is_postgres():
            User.select(User.id).where(User.id == owner).for_update().execute()
        running = Job.select().where((Job.user == owner) & (Job.status == PROCESSING)).count()
        waiting = running >= settings.max_running_per_user
        if waiting:  # recorded (committed), then raised outside the transaction
            claimed = (
                Job.update(stage=f"Waiting: {running} of your jobs are running", enqueued_at=now)
                .where((Job.id == job_id) & (Job.status == PENDING))
                .execute()
            )
        else:
            claimed = (
                Job.update(
                    status=PROCESSING,
                    started_at=now,
                    attempts=Job.attempts + 1,
                    worker_id=me,
                    lease_expires_at=now + timedelta(seconds=settings.lease_seconds),
                    progress=0.0,
                    stage="Starting",
                )
                .where((Job.id == job_id) & (Job.status == PENDING))
                .execute()
            )
    if claimed != 1:
        return None
    if waiting:
        raise RunningLimitReached(job_id)
    return Job.get_by_id(job_id)


def feature_title(feature_id: str) -> str:
    """How the ledger names a feature (the same words as the charge: "Image generation job")."""
    feature = FEATURES.get(feature_id)
    return feature.title if feature else feature_id


def finish(
    job_id: str,
    status: str,
    *,
    from_states: tuple[str, ...] = (PROCESSING,),
    refund: bool = False,
    condition: Any = None,
    **fields: Any,
) -> bool:
    """Move a job to a final state if it is still in `from_states`; refund in the same
    transaction. Returns False (and changes nothing) when another actor got there first."""
    now = utcnow()
    refunded = False
    with write_transaction():
        job = Job.get_or_none(Job.id == job_id)
        if job is None or job.status not in from_states:
            return False
        if job.started_at is not None and "processing_time" not in fields:
            fields["processing_time"] = (now - job.started_at).total_seconds()
        stage = fields.pop(
            "stage", {COMPLETED: "Done", CANCELLED: "Cancelled"}.get(status, "Failed")
        )
        where = (Job.id == job_id) & Job.status.in_(from_states)
        if condition is not None:
            where &= condition
        changed = (
            Job.update(status=status, finished_at=now, lease_expires_at=None, stage=stage, **fields)
            .where(where)
            .execute()
        )
        if changed != 1:
            return False
        if refund:
            refunded = grant(
                job.user_id,
                job.credits_charged,
                f"Refund: {feature_title(job.feature)} job {status}",
                key=f"job:{job_id}:refund",
                job_id=job_id,
            )
        queue_job_deliveries(job, status)  # the webhooks this end triggers, in the same commit
    if refunded:
        CREDITS_REFUNDED.labels(job.feature).inc(job.credits_charged)
    JOBS_FINISHED.labels(job.feature, status).inc()
    logger.info(
        "job %s job_id=%s feature=%s user_id=%s duration=%.2fs refunded=%s",
        status,
        job_id,
        job.feature,
        job.user_id,
        fields.get("processing_time") or 0.0,
        refund,
    )
    return True
