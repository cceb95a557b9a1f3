"""Webhooks: endpoints, deliveries written with a job's final state, and the sender that
posts them (signed) and retries with backoff for up to 24 h.

A delivery row is written in the same transaction as the job's final state change, so a job
that ended always has its deliveries (the job itself, with fresh download links, is added to
the body at each attempt); any worker process's sender may post them, and a
conditional update lets only one of them take each attempt.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import threading
from datetime import timedelta
from typing import Any

import httpx

from studio.errors import NotFound, ValidationFailed
from studio.models import Job, User, new_id, utcnow
from studio.settings import get_settings
from studio.webhook_models import (
    DELIVERED,
    FAILED,
    PENDING,
    JobWebhook,
    WebhookDelivery,
    WebhookEndpoint,
)
from worker.views import iso, job_view
from worker.webhook_signature import HEADER, sign
from worker.webhook_targets import check_target

logger = logging.getLogger(__name__)

EVENTS = ("job.completed", "job.failed", "job.cancelled")
TEST_EVENT = "webhook.test"
GIVE_UP_AFTER = timedelta(hours=24)
MAX_ENDPOINTS = 20
BATCH = 20  # deliveries one sender pass takes


def create_endpoint(user: User, url: str, events: list[str] | None = None) -> WebhookEndpoint:
    """Register a URL for some job events (all of them by default)."""
    events = sorted(set(events or EVENTS))
    unknown = [e for e in events if e not in EVENTS]
    if unknown:
        raise ValidationFailed(f"unknown event {unknown[0]!r}; use {', '.join(EVENTS)}", "events")
    check_target(url)
    live = WebhookEndpoint.select().where(
        (WebhookEndpoint.user == user.id) & WebhookEndpoint.deleted_at.is_null()
    )
    if live.count() >= MAX_ENDPOINTS:
        raise ValidationFailed(f"at most {MAX_ENDPOINTS} endpoints: delete one first", "url")
    endpoint = WebhookEndpoint.create(
        user=user.id, url=url, events=events, secret="whsec_" + secrets.token_urlsafe(32)
    )
    logger.info("webhook endpoint created user_id=%s endpoint_id=%s", user.id, endpoint.id)
    return endpoint


def list_endpoints(user: User) -> list[WebhookEndpoint]:
    return list(
        WebhookEndpoint.select()
        .where((WebhookEndpoint.user == user.id) & WebhookEndpoint.deleted_at.is_null())
        .order_by(WebhookEndpoint.created_at.desc())
    )


def get_endpoint(user: User, endpoint_id: str) -> WebhookEndpoint:
    """The user's endpoint; another user's (or a deleted one) is NotFound."""
    endpoint = WebhookEndpoint.get_or_none(
        (WebhookEndpoint.id == str(endpoint_id))
        & (WebhookEndpoint.user == user.id)
        & WebhookEndpoint.deleted_at.is_null()
    )
    if endpoint is None:
        raise NotFound("no such webhook endpoint", field="id")
    return endpoint


def delete_endpoint(user: User, endpoint_id: str) -> WebhookEndpoint:
    """Stop sending to an endpoint (its pending deliveries are dropped; its log stays)."""
    endpoint = get_endpoint(user, endpoint_id)
    WebhookEndpoint.update(deleted_at=utcnow()).where(WebhookEndpoint.id == endpoint.id).execute()
    WebhookDelivery.update(
        status=FAILED, next_attempt_at=None, last_error="endpoint deleted"
    ).where(
        (WebhookDelivery.endpoint == endpoint.id) & (WebhookDelivery.status == PENDING)
    ).execute()
    return WebhookEndpoint.get_by_id(endpoint.id)


def deliveries(user: User, endpoint_id: str, limit: int = 50) -> list[WebhookDelivery]:
    """An endpoint's delivery log, newest first."""
    endpoint = get_endpoint(user, endpoint_id)
    return list(
        WebhookDelivery.select()
        .where(WebhookDelivery.endpoint == endpoint.id)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id)
        .limit(limit)
    )


def job_webhook_secret(user_id: int) -> str:
    """The secret that signs deliveries to a job's own webhookUrl (one per user, derived from
    the studio's secret key, so nothing is stored)."""
    key = get_settings().resolved_secret_key.encode()
    return "whsec_" + hmac.new(key, f"job-webhooks:{user_id}".encode(), hashlib.sha256).hexdigest()


def remember_job_webhook(job_id: str, user_id: int, url: str) -> None:
    """Record a job's webhookUrl (call inside the transaction that creates the job)."""
    JobWebhook.create(job_id=job_id, user=user_id, url=url)


def queue_job_deliveries(job: Job, status: str) -> int:
    """Deliveries for a job that just ended (call inside the transaction that ends it)."""
    event = f"job.{status}"
    targets: list[tuple[str | None, str]] = [
        (e.id, e.url)
        for e in WebhookEndpoint.select().where(
            (WebhookEndpoint.user == job.user_id) & WebhookEndpoint.deleted_at.is_null()
        )
        if event in (e.events or [])
    ]
    own = JobWebhook.get_or_none(JobWebhook.job_id == job.id)
    if own is not None:
        targets.append((None, own.url))
    if not targets:
        return 0
    now = utcnow()
    for endpoint_id, url in targets:
        delivery_id = new_id()
        WebhookDelivery.create(
            id=delivery_id,
            user=job.user_id,
            endpoint=endpoint_id,
            url=url,
            event=event,
            job_id=job.id,
            payload=_envelope(delivery_id, event, {"jobId": job.id}),
            next_attempt_at=now,
        )
    return len(targets)


def send_test_event(user: User, endpoint_id: str) -> WebhookDelivery:
    """Post a `webhook.test` event to an endpoint now, once (no retries); its outcome."""
    endpoint = get_endpoint(user, endpoint_id)
    delivery_id = new_id()
    delivery = WebhookDelivery.create(
        id=delivery_id,
        user=user.id,
        endpoint=endpoint.id,
        url=endpoint.url,
        event=TEST_EVENT,
        payload=_envelope(delivery_id, TEST_EVENT, {"message": "a test event from AI Studio"}),
    )
    _attempt(delivery, retry=False)
    return WebhookDelivery.get_by_id(delivery.id)


def deliver_due() -> int:
    """Post every delivery whose time has come; how many were attempted."""
    now = utcnow()
    due = list(
        WebhookDelivery.select()
        .where((WebhookDelivery.status == PENDING) & (WebhookDelivery.next_attempt_at <= now))
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(BATCH)
    )
    attempted = 0
    hold = timedelta(seconds=get_settings().webhook_timeout_seconds + 30)
    for delivery in due:
        # Take this attempt: only the sender whose update matches posts it.
        taken = (
            WebhookDelivery.update(next_attempt_at=now + hold)
            .where(
                (WebhookDelivery.id == delivery.id)
                & (WebhookDelivery.status == PENDING)
                & (WebhookDelivery.next_attempt_at == delivery.next_attempt_at)
            )
            .execute()
        )
        if taken == 1:
            _attempt(delivery, retry=True)
            attempted += 1
    return attempted


def delivery_view(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "endpointId": delivery.endpoint_id,
        "url": delivery.url,
        "event": delivery.event,
        "jobId": delivery.job_id,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "lastStatusCode": delivery.last_status_code,
        "lastError": delivery.last_error,
        "createdAt": iso(delivery.created_at),
        "deliveredAt": iso(delivery.delivered_at),
        "nextAttemptAt": iso(delivery.next_attempt_at) if delivery.status == PENDING else None,
    }


def _envelope(delivery_id: str, event: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"id": delivery_id, "type": event, "createdAt": iso(utcnow()), "data": data}


def _secret(delivery: WebhookDelivery) -> str:
    if delivery.endpoint_id:
        return WebhookEndpoint.get_by_id(delivery.endpoint_id).secret
    return job_webhook_secret(delivery.user_id)


def _attempt(delivery: WebhookDelivery, retry: bool) -> None:
    """Post one delivery once and record the outcome (and the next try, if any)."""
    settings = get_settings()
    payload = delivery.payload
    if delivery.job_id:  # the job as it is now, with download links fresh for this attempt
        job = Job.get_or_none(Job.id == delivery.job_id)
        payload["data"]["job"] = job_view(job) if job else None
    body = json.dumps(payload, separators=(",", ":")).encode()
    status_code, error = None, None
    try:
        check_target(delivery.url)  # again: where a name points can change after it was saved
        response = httpx.post(
            delivery.url,
            content=body,
            headers={
                "Content-Type": "application/json",
                "User-Agent": "AI-Studio-Webhooks/1.0",
                HEADER: sign(_secret(delivery), body),
                "Studio-Event": delivery.event,
                "Studio-Delivery": delivery.id,
            },
            timeout=settings.webhook_timeout_seconds,
            follow_redirects=False,
        )
        status_code = response.status_code
        if not 200 <= status_code < 300:
            error = f"the receiver answered HTTP {status_code}"
    except ValidationFailed as exc:
        error = f"refused target: {exc.message}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    attempts = delivery.attempts + 1
    now = utcnow()
    fields: dict[str, Any] = {
        "attempts": attempts,
        "last_status_code": status_code,
        "last_error": error,
    }
    if error is None:
        fields |= {"status": DELIVERED, "delivered_at": now, "next_attempt_at": None}
    else:
        delays = settings.webhook_retry_delays
        delay = delays[attempts - 1] if retry and attempts <= len(delays) else None
        if delay is None or now + timedelta(seconds=delay) > delivery.created_at + GIVE_UP_AFTER:
            fields |= {"status": FAILED, "next_attempt_at": None}
        else:
            fields["next_attempt_at"] = now + timedelta(seconds=delay)
    WebhookDelivery.update(**fields).where(WebhookDelivery.id == delivery.id).execute()
    logger.info(
        "webhook delivery_id=%s event=%s job_id=%s attempt=%s outcome=%s",
        delivery.id,
        delivery.event,
        delivery.job_id,
        attempts,
        error or "delivered",
    )


class WebhookSender(threading.Thread):
    """Posts due deliveries every STUDIO_WEBHOOK_POLL_SECONDS beside a worker."""

    def __init__(self, interval: float):
        super().__init__(daemon=True, name="studio-webhooks")
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                while deliver_due() == BATCH and not self.stopped.is_set():
                    pass
            except Exception:  # noqa: BLE001 — keep sending after a transient DB error
                logger.exception("webhook pass failed")
