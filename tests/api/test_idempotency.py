"""Idempotency-Key on job submits and checkout: one job, one charge, one Checkout Session."""

from __future__ import annotations

import threading

import pytest

from billing.payments_model import Payment
from studio.models import Job, User
from tests.api.rest import new_account, rest_client
from tests.conftest import configure
from tests.factories import assert_ledger_consistent
from tests.stripe_fakes import FakeStripe, stripe_settings

JOB = {"prompt": "a red fox in the snow", "width": 512, "height": 512, "steps": 2}


@pytest.fixture(params=["sqlite", "postgres"])
def client(request, studio, monkeypatch):
    if request.param == "postgres":
        configure(monkeypatch, database_url=request.getfixturevalue("postgres_url"))
    with rest_client() as c:
        yield c


@pytest.fixture
def account(client) -> dict:
    return new_account(client, email="ida@example.com")


def _submit(client, headers, key, body=JOB):
    return client.post(
        "/jobs/image-generation", json=body, headers={**headers, "Idempotency-Key": key}
    )


def test_the_same_key_concurrently_makes_one_job_and_one_charge(client, account):
    answers = []
    start = threading.Barrier(6)

    def send():
        start.wait()
        answers.append(_submit(client, account, "order-42"))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a.status_code for a in answers] == [202] * 6
    assert len({a.json()["id"] for a in answers}) == 1
    assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == 5
    assert Job.select().count() == 1
    assert client.get("/users/credits", headers=account).json() == {"credits": 48}
    assert_ledger_consistent(User.get(User.email == "ida@example.com"))


def test_a_retry_replays_and_another_body_is_422(client, account):
    first = _submit(client, account, "k1")
    again = _submit(client, account, "k1")
    assert again.status_code == 202 and again.json() == first.json()
    other = _submit(client, account, "k1", {**JOB, "prompt": "a blue fox"})
    assert other.status_code == 422
    assert other.json()["error"]["field"] == "Idempotency-Key"
    assert _submit(client, account, "k2").json()["id"] != first.json()["id"]
    assert Job.select().count() == 2
    assert client.get("/users/credits", headers=account).json() == {"credits": 46}


def test_a_refused_request_leaves_the_key_free(client, account):
    bad = _submit(client, account, "k3", {**JOB, "width": 3})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "width"
    fixed = _submit(client, account, "k3")
    assert fixed.status_code == 202 and "Idempotent-Replayed" not in fixed.headers
    long_key = _submit(client, account, "x" * 300)
    assert long_key.status_code == 422 and long_key.json()["error"]["field"] == "Idempotency-Key"
    assert Job.select().count() == 1


def test_checkout_with_a_key_opens_one_session(client, account, monkeypatch):
    fake = FakeStripe()
    try:
        stripe_settings(monkeypatch, fake)
        headers = {**account, "Idempotency-Key": "buy-pro-1"}
        first = client.post("/payments/create-checkout", json={"package": "pro"}, headers=headers)
        again = client.post("/payments/create-checkout", json={"package": "pro"}, headers=headers)
    finally:
        fake.close()
    assert first.status_code == again.status_code == 201
    assert again.json()["paymentId"] == first.json()["paymentId"]
    assert len(fake.requests) == 1 and Payment.select().count() == 1
