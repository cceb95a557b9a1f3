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
from studio.db import write_transaction
from studio.models import CANCELLED, COMPLETED, PENDING, PROCESSING, Job, utcnow
from studio.settings import get_settings
from studio.telemetry import JOBS_FINISHED
from worker.webhooks import queue_job_deliveries

logger = logging.getLogger(__name__)


def claim(job_id: str, me: str) -> Job | None:
    """pending → processing for this worker, or None if someone else has it or it ended."""
    now = utcnow()
    lease = timedelta(seconds=get_settings().lease_seconds)
    claimed = (
        Job.update(
            status=PROCESSING,
            started_at=now,
            attempts=Job.attempts + 1,
            worker_id=me,
            lease_expires_at=now + lease,
            progress=0.0,
            stage="Starting",
        )
        .where((Job.id == job_id) & (Job.status == PENDING))
        .execute()
    )
    return Job.get_by_id(job_id) if claimed == 1 else None


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
            grant(
                job.user_id,
                job.credits_charged,
                f"refund: {job.feature} job {status}",
                key=f"job:{job_id}:refund",
                job_id=job_id,
            )
        queue_job_deliveries(job, status)  # the webhooks this end triggers, in the same commit
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
