"""/api/v1/payments over FastAPI's TestClient: packages, checkout, webhook, status, history."""

from __future__ import annotations

import json

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.errors import install_error_handlers
from api.routes import auth, payments
from billing.payments_model import Payment
from studio.models import LedgerEntry, User
from tests.conftest import configure
from tests.factories import assert_ledger_consistent
from tests.stripe_fakes import (
    WHSEC,
    FakeStripe,
    invoice_event,
    session_event,
    sign,
    stripe_settings,
)


@pytest.fixture
def stripe_api():
    """A local stand-in for Stripe's API."""
    fake = FakeStripe()
    yield fake
    fake.close()


@pytest.fixture
def client(studio):
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(auth.router, prefix="/api/v1")
    app.include_router(payments.router, prefix="/api/v1")
    with TestClient(app, base_url="http://testserver/api/v1") as c:
        yield c


def _register(client: TestClient, name: str = "buyer") -> tuple[dict, dict]:
    r = client.post(
        "/auth/register", json={"email": f"{name}@example.com", "password": "s3cret-password"}
    )
    assert r.status_code == 201, r.text
    body = r.json()
    return body["user"], {"authorization": f"Bearer {body['token']}"}


def _webhook(client: TestClient, payload: bytes, header: str | None = None):
    headers = {"content-type": "application/json"}
    if header is not None:
        headers["stripe-signature"] = header
    return client.post("/payments/webhook", content=payload, headers=headers)


def _consistent(user_id: int) -> None:
    assert_ledger_consistent(User.get_by_id(user_id))


def test_packages_are_listed_without_login(client):
    r = client.get("/payments/packages")
    assert r.status_code == 200
    body = r.json()
    assert body["configured"] is False
    assert [(p["id"], p["credits"], p["priceCents"], p["price"]) for p in body["packages"]] == [
        ("starter", 100, 2900, "$29.00"),
        ("pro", 500, 7900, "$79.00"),
        ("enterprise", 2000, 19900, "$199.00"),
    ]


def test_without_stripe_keys_the_endpoints_say_payments_are_not_configured(client):
    user, headers = _register(client)
    r = client.post("/payments/create-checkout", json={"package": "pro"}, headers=headers)
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "unavailable"
    assert "not configured" in r.json()["error"]["message"]
    payload = b'{"type": "checkout.session.completed"}'
    assert _webhook(client, payload, sign(payload)).status_code == 503
    assert Payment.select().count() == 0
    assert client.get("/payments", headers=headers).json() == {"payments": []}
    _consistent(user["id"])


def test_checkout_needs_a_login_and_a_known_package(client, stripe_api, monkeypatch):
    stripe_settings(monkeypatch, stripe_api)
    assert client.post("/payments/create-checkout", json={"package": "pro"}).status_code == 401
    _, headers = _register(client)
    r = client.post("/payments/create-checkout", json={"package": "gold"}, headers=headers)
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "package"
    r = client.post("/payments/create-checkout", json={}, headers=headers)
    assert r.status_code == 422 and r.json()["error"]["field"] == "package"
    assert stripe_api.requests == []


def test_buy_pay_return_and_replay(client, stripe_api: FakeStripe, monkeypatch):
    stripe_settings(monkeypatch, stripe_api)
    user, headers = _register(client)
    r = client.post("/payments/create-checkout", json={"package": "starter"}, headers=headers)
    assert r.status_code == 201, r.text
    started = r.json()
    assert started["checkoutUrl"].startswith("https://checkout.stripe.test/")
    assert started["status"] == "pending" and started["price"] == "$29.00"
    [sent] = stripe_api.requests
    assert sent["headers"]["Idempotency-Key"] == f"checkout:{started['paymentId']}"
    assert sent["form"]["line_items[0][price_data][unit_amount]"] == "2900"

    status = client.get(f"/payments/{started['paymentId']}", headers=headers).json()
    assert (status["status"], status["balance"]) == ("pending", 50)

    payment = Payment.get_by_id(started["paymentId"])
    payload = session_event("checkout.session.completed", payment, invoice="in_7")
    for expected in ("credited", "already credited", "already credited"):
        r = _webhook(client, payload, sign(payload))
        assert r.status_code == 200 and r.json() == {"received": True, "outcome": expected}
    payload = invoice_event(payment, "in_7")
    assert _webhook(client, payload, sign(payload)).json()["outcome"] == "invoice recorded"

    status = client.get(f"/payments/{payment.id}", headers=headers).json()
    assert (status["status"], status["balance"], status["credits"]) == ("paid", 150, 100)
    [listed] = client.get("/payments", headers=headers).json()["payments"]
    assert listed["invoiceUrl"] == "https://invoice.stripe.test/i/in_7"
    assert (listed["amount"], listed["currency"], listed["status"]) == (2900, "usd", "paid")
    assert listed["createdAt"].endswith("Z") and listed["paidAt"].endswith("Z")
    assert (
        LedgerEntry.select().where(LedgerEntry.key == f"stripe:{payment.session_id}").count() == 1
    )

    # Someone else cannot see it.
    _, other = _register(client, "someone-else")
    r = client.get(f"/payments/{payment.id}", headers=other)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    _consistent(user["id"])


def test_bad_signatures_are_400_and_write_nothing(client, stripe_api, monkeypatch):
    stripe_settings(monkeypatch, stripe_api)
    user, headers = _register(client)
    started = client.post(
        "/payments/create-checkout", json={"package": "pro"}, headers=headers
    ).json()
    payment = Payment.get_by_id(started["paymentId"])
    payload = session_event("checkout.session.completed", payment)
    for header in (None, sign(payload, secret="whsec_wrong"), sign(payload, timestamp=1)):
        r = _webhook(client, payload, header)
        assert r.status_code == 400
        assert r.json()["error"]["code"] == "invalid_webhook"
    assert Payment.get_by_id(payment.id).status == "pending"
    assert client.get("/payments/" + payment.id, headers=headers).json()["balance"] == 50
    _consistent(user["id"])


def test_unknown_event_types_get_200_and_are_ignored(client, monkeypatch):
    configure(monkeypatch, stripe_secret_key="sk_test_x", stripe_webhook_secret=WHSEC)
    event = {"id": "evt_1", "object": "event", "type": "charge.refunded", "data": {"object": {}}}
    payload = json.dumps(event).encode()
    r = _webhook(client, payload, sign(payload))
    assert r.status_code == 200 and r.json() == {"received": True, "outcome": "ignored"}
    assert client.get("/payments/packages").json()["configured"] is True
