"""Webhook deliveries: written when a job ends, signed, retried with backoff, SSRF-guarded."""

from __future__ import annotations

import json

import pytest

from studio.errors import ValidationFailed
from studio.models import COMPLETED, FAILED, PROCESSING, Job
from studio.webhook_models import DELIVERED, WebhookDelivery
from tests.conftest import configure
from tests.factories import IMAGE_JOB, new_user
from tests.webhook_receiver import Receiver
from worker import webhook_targets
from worker.jobs import submit
from worker.lifecycle import finish
from worker.runner import run_job
from worker.webhook_signature import sign, verify
from worker.webhooks import create_endpoint, deliver_due, job_webhook_secret, send_test_event


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def private_ok(studio, monkeypatch):
    configure(monkeypatch, webhook_allow_private="true", webhook_retry_seconds="0,0,0")


def _deliver_all() -> None:
    while deliver_due():
        pass


def test_a_real_job_sends_one_signed_job_completed(private_ok, receiver):
    user = new_user()
    endpoint = create_endpoint(user, receiver.url, ["job.completed"])
    job = submit(user, "image_generation", IMAGE_JOB, receiver.url)
    run_job(job.id)
    _deliver_all()
    _deliver_all()  # nothing is sent twice
    assert len(receiver.received) == 2  # the endpoint and the job's own webhookUrl
    secrets = {endpoint.secret, job_webhook_secret(user.id)}
    for request in receiver.received:
        body, headers = request["body"], request["headers"]
        event = json.loads(body)
        assert event["type"] == headers["Studio-Event"] == "job.completed"
        assert event["data"]["job"]["id"] == job.id
        assert event["data"]["job"]["status"] == COMPLETED
        assert event["data"]["job"]["outputs"][0]["url"]
        assert sum(verify(s, body, headers["Studio-Signature"]) for s in secrets) == 1
    assert {d.status for d in WebhookDelivery.select()} == {DELIVERED}


def test_a_receiver_failing_twice_gets_the_third_try(private_ok):
    receiver = Receiver(answers=[500, 500])
    try:
        user = new_user()
        create_endpoint(user, receiver.url)
        job = Job.create(user=user.id, feature="image_generation", credits_charged=2)
        Job.update(status=PROCESSING).where(Job.id == job.id).execute()
        assert finish(job.id, FAILED, refund=True, error="boom")
        _deliver_all()
    finally:
        receiver.close()
    assert len(receiver.received) == 3
    delivery = WebhookDelivery.get()
    assert (delivery.status, delivery.attempts, delivery.event) == (DELIVERED, 3, "job.failed")
    ids = {r["headers"]["Studio-Delivery"] for r in receiver.received}
    assert ids == {delivery.id}


def test_retries_stop_when_the_schedule_ends(studio, monkeypatch):
    configure(monkeypatch, webhook_allow_private="true", webhook_retry_seconds="0")
    receiver = Receiver(answers=[503, 503, 503])
    try:
        user = new_user()
        endpoint = create_endpoint(user, receiver.url)
        delivery = send_test_event(user, endpoint.id)  # a test event is tried once only
        job = Job.create(user=user.id, feature="image_generation", credits_charged=2)
        Job.update(status=PROCESSING).where(Job.id == job.id).execute()
        finish(job.id, COMPLETED)
        _deliver_all()
    finally:
        receiver.close()
    assert (delivery.status, delivery.last_status_code) == ("failed", 503)
    job_delivery = WebhookDelivery.get(WebhookDelivery.job_id == job.id)
    assert (job_delivery.status, job_delivery.attempts) == ("failed", 2)


def test_the_signature_verifies_and_a_tampered_one_does_not():
    body = b'{"type":"job.completed"}'
    header = sign("whsec_x", body)
    assert verify("whsec_x", body, header)
    assert not verify("whsec_x", body.replace(b"completed", b"failed"), header)
    assert not verify("whsec_y", body, header)
    assert not verify("whsec_x", body, header.replace("v1=", "v1=0"))
    old = sign("whsec_x", body, timestamp=1_000_000)
    assert not verify("whsec_x", body, old)  # replayed long after


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://10.1.2.3/hook",
        "http://hooks.internal.example/hook",  # a name pointing inside
        "ftp://example.com/hook",
        "http://user:pw@example.com/hook",
    ],
)
def test_private_and_odd_targets_are_refused_by_default(studio, monkeypatch, url):
    monkeypatch.setattr(
        webhook_targets,
        "resolve",
        lambda host, port: {"hooks.internal.example": ["192.168.1.5"]}.get(host, ["127.0.0.1"]),
    )
    with pytest.raises(ValidationFailed) as refused:
        create_endpoint(new_user(), url)
    assert refused.value.field == "url"


def test_a_public_name_is_accepted(studio, monkeypatch):
    monkeypatch.setattr(webhook_targets, "resolve", lambda host, port: ["93.184.215.14"])
    assert create_endpoint(new_user(), "https://hooks.example.com/x").url.startswith("https://")
