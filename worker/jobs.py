"""Submitting, reading and cancelling jobs (the state changes are in worker/lifecycle.py)."""

from __future__ import annotations

import io
import logging
from typing import Any

from billing.ledger import debit
from pipelines import InputError
from pipelines.declare import IMAGE_FORMATS
from pipelines.registry import get_feature
from studio.db import is_postgres, write_transaction
from studio.errors import Conflict, NotAvailable, NotFound, TooManyJobs, ValidationFailed
from studio.logs import request_id
from studio.models import (
    CANCELLED,
    PENDING,
    PROCESSING,
    Job,
    User,
    new_id,
    utcnow,
)
from studio.settings import get_settings
from studio.storage import get_storage, job_key
from studio.telemetry import CREDITS_SPENT, JOBS_SUBMITTED
from worker.lifecycle import finish
from worker.services import configured_services, quick_defaults
from worker.tasks import enqueue
from worker.webhooks import remember_job_webhook

logger = logging.getLogger(__name__)


def quote(feature_id: str, raw: dict[str, Any]) -> int:
    """The credits a submission would cost (validates the inputs)."""
    feature = _feature(feature_id)
    return feature.cost(_validate(feature, raw))


def submit(user: User, feature_id: str, raw: dict[str, Any], webhook_url: str | None = None) -> Job:
    """Validate, debit and create a pending job in one transaction, then queue it; a
    `webhook_url` (checked by the caller) is told when the job ends."""
    feature = _feature(feature_id)
    if not feature.available:
        raise NotAvailable(f"{feature.title} is not available yet; no credits were charged")
    inputs = _validate(feature, raw)
    cost = feature.cost(inputs)
    job_id = new_id()
    try:
        inputs = _store_uploads(feature, job_id, inputs)
        with write_transaction():
            _check_pending_limit(user.id)
            debit(user.id, cost, f"{feature.title} job", key=f"job:{job_id}:debit", job_id=job_id)
            job = Job.create(
                id=job_id,
                user=user.id,
                feature=feature.id,
                params=inputs,
                credits_charged=cost,
                request_id=request_id.get(),  # its worker's log lines carry it too
            )
            if webhook_url:
                remember_job_webhook(job_id, user.id, webhook_url)
    except Exception:
        if feature.uploads:  # no half-written job: its stored inputs go too
            get_storage().delete_prefix(job_key(job_id, "inputs"))
        raise
    JOBS_SUBMITTED.labels(feature.id).inc()
    CREDITS_SPENT.labels(feature.id).inc(cost)
    logger.info(
        "job queued job_id=%s feature=%s user_id=%s cost=%s", job_id, feature.id, user.id, cost
    )
    send_to_queue(job_id)
    return job  # committed and charged: never turn this into an error by reading it again


def _check_pending_limit(user_id: int) -> None:
    """TooManyJobs when the user already has the most waiting jobs they may (in the caller's
    transaction, the user's row locked on PostgreSQL, so parallel submits count each other)."""
    limit = get_settings().max_pending_per_user
    if is_postgres():
        User.select(User.id).where(User.id == user_id).for_update().execute()
    waiting = Job.select().where((Job.user == user_id) & (Job.status == PENDING)).count()
    if waiting >= limit:
        raise TooManyJobs(
            f"you already have {waiting} jobs waiting (the limit is {limit}); submit more "
            "when some have started. No credits were charged",
            field="jobs",
        )


def rerun(user: User, job_id: str) -> Job:
    """A new job with the same settings (and the same uploaded inputs) as one of the user's."""
    old = get_job(user, job_id)
    params = dict(old.params or {})
    for upload in _feature(old.feature).uploads:  # stored keys → the bytes they hold
        if params.get(upload.name):
            params[upload.name] = get_storage().get(params[upload.name])
    return submit(user, old.feature, params)


def send_to_queue(job_id: str) -> None:
    """Queue a job id; a lost message is recovered later by the sweeper."""
    try:
        enqueue(job_id)
        Job.update(enqueued_at=utcnow()).where(Job.id == job_id).execute()
    except Exception:  # noqa: BLE001 — the job is committed; the sweeper re-sends it
        logger.exception("could not queue job_id=%s; the sweeper will retry", job_id)


def get_job(user: User, job_id: str) -> Job:
    """The user's job; another user's job is NotFound, as if it did not exist."""
    job = Job.get_or_none((Job.id == str(job_id)) & (Job.user == user.id))
    if job is None:
        raise NotFound("no such job", field="id")
    return job


def list_jobs(
    user: User,
    limit: int = 20,
    offset: int = 0,
    feature: str | None = None,
    statuses: tuple[str, ...] = (),
) -> tuple[list[Job], int]:
    """The user's jobs, newest first (of one feature and in some statuses if given), and how
    many match in all."""
    query = Job.select().where(Job.user == user.id)
    if feature:
        query = query.where(Job.feature == feature)
    if statuses:
        query = query.where(Job.status.in_(statuses))
    page = query.order_by(Job.created_at.desc(), Job.id.desc()).limit(limit).offset(offset)
    return list(page), query.count()


def cancel(user: User, job_id: str) -> Job:
    """Cancel a pending job at once (refunded); ask a running one to stop at its next step."""
    job = get_job(user, job_id)
    if job.status == PENDING and finish(job.id, CANCELLED, from_states=(PENDING,), refund=True):
        return Job.get_by_id(job.id)
    flagged = (
        Job.update(cancel_requested=True, stage="Cancelling…")
        .where((Job.id == job.id) & (Job.status == PROCESSING))
        .execute()
    )
    job = Job.get_by_id(job.id)
    if flagged:
        return job
    if job.status == PENDING:  # it was re-queued by the reaper between our two reads
        return cancel(user, job_id)
    raise Conflict(f"this job is already {job.status}", field="id")


def _store_uploads(feature, job_id: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """Put uploaded images in storage; the job's params keep their storage keys."""
    from PIL import Image

    stored = dict(inputs)
    for field in feature.uploads:
        data = inputs.get(field.name)
        if data is None:
            continue
        with Image.open(io.BytesIO(data)) as image:
            extension = IMAGE_FORMATS[image.format or ""]  # validated: a known format
        key = job_key(job_id, f"inputs/{field.name}.{extension}")
        get_storage().put(key, data, f"image/{'jpeg' if extension == 'jpg' else extension}")
        stored[field.name] = key
    return stored


def _feature(feature_id: str):
    try:
        return get_feature(feature_id)
    except KeyError:
        raise NotFound(f"no feature called {feature_id!r}", field="feature") from None


def _validate(feature, raw: dict[str, Any]) -> dict[str, Any]:
    # Fields left out take the defaults the UI's form shows (quick ones on the test model).
    raw = dict(raw)
    for name, value in quick_defaults(feature).items():
        api_name = feature.field(name).api_name
        if raw.get(name) is None and raw.get(api_name) is None:
            raw.pop(api_name, None)
            raw[name] = value
    try:
        return feature.validate(raw, configured_services())
    except InputError as exc:
        raise ValidationFailed(exc.message, field=exc.field) from None
