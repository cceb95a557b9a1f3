"""Recovering jobs: the reaper (expired leases) and the sweeper (lost queue messages)."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from studio.idempotency import forget_expired
from studio.models import CANCELLED, FAILED, PENDING, PROCESSING, Job, utcnow
from studio.settings import get_settings
from worker.broker import pending_messages
from worker.heartbeats import beat, forget_old_workers, worker_name
from worker.jobs import send_to_queue
from worker.lifecycle import finish
from worker.retention import sweep_files

logger = logging.getLogger(__name__)


def reap_expired() -> int:
    """Jobs whose worker stopped heartbeating: retry once, else fail and refund."""
    settings = get_settings()
    now = utcnow()
    expired = (Job.status == PROCESSING) & (Job.lease_expires_at < now)
    handled = 0
    for job in Job.select().where(expired):
        still_expired = Job.lease_expires_at < now
        if job.cancel_requested:
            done = finish(job.id, CANCELLED, refund=True, condition=still_expired)
        elif job.attempts < settings.max_attempts:
            done = (
                Job.update(
                    status=PENDING,
                    worker_id=None,
                    lease_expires_at=None,
                    progress=0.0,
                    stage="Queued again: the worker running it stopped",
                )
                .where((Job.id == job.id) & expired)
                .execute()
                == 1
            )
            if done:
                send_to_queue(job.id)
        else:
            done = finish(
                job.id,
                FAILED,
                refund=True,
                condition=still_expired,
                error="the worker running this job stopped responding; credits refunded",
            )
        if done:
            handled += 1
            logger.warning("reaped job_id=%s attempts=%s", job.id, job.attempts)
    return handled


def sweep_lost() -> int:
    """Re-queue pending jobs whose message was lost (queue empty, job waiting too long)."""
    settings = get_settings()
    cutoff = utcnow() - timedelta(seconds=settings.sweep_after_seconds)
    stale = Job.select(Job.id).where(
        (Job.status == PENDING)
        & ((Job.enqueued_at.is_null() & (Job.created_at < cutoff)) | (Job.enqueued_at < cutoff))
    )
    stale_ids = [job.id for job in stale]
    if not stale_ids or pending_messages() > 0:
        return 0
    for job_id in stale_ids:
        logger.warning("re-queueing job with a lost message job_id=%s", job_id)
        send_to_queue(job_id)
    return len(stale_ids)


class Maintenance(threading.Thread):
    """Beside a worker, every few seconds: its heartbeat, the reaper and the sweeper; and the
    retention pass every STUDIO_RETENTION_INTERVAL seconds."""

    def __init__(self, interval: float, queues: list[str] | None = None):
        super().__init__(daemon=True, name="studio-maintenance")
        self.interval = interval
        self.queues = queues or []
        self.stopped = threading.Event()

    def run(self) -> None:
        retention_every = get_settings().retention_interval
        last_retention = time.monotonic()
        name = worker_name()
        while True:
            try:
                beat(name, self.queues)
            except Exception:  # noqa: BLE001 — a missed beat only shows as a late heartbeat
                logger.warning("heartbeat failed", exc_info=True)
            if self.stopped.wait(self.interval):
                return
            try:
                reap_expired()
                sweep_lost()
                forget_expired()  # idempotency records past their 24 h
                if time.monotonic() - last_retention >= retention_every:
                    last_retention = time.monotonic()
                    sweep_files()
                    forget_old_workers()
            except Exception:  # noqa: BLE001 — keep maintaining after a transient DB error
                logger.exception("maintenance pass failed")
