"""Buying credits: packages, Checkout against a local stand-in for Stripe, and the webhook.

Webhooks are signed with the stripe library's own test helper; credits must be added exactly
once per Checkout Session whatever the retries, duplicates, races or order of events.
"""

from __future__ import annotations

import json
import threading
import time

import pytest

from billing.ledger import balance
from billing.payments import (
    NOT_CONFIGURED,
    WebhookRejected,
    create_checkout,
    get_package,
    handle_webhook,
    list_payments,
    load_packages,
)
from billing.payments_model import Payment
from studio.db import database, is_postgres
from studio.errors import ServiceUnavailable, ValidationFailed
from studio.models import LedgerEntry
from tests.conftest import configure
from tests.factories import assert_ledger_consistent, new_user
from tests.stripe_fakes import (
    PUBLIC_URL,
    SECRET_KEY,
    FakeStripe,
    invoice_event,
    session_event,
    sign,
    stripe_settings,
)


@pytest.fixture
def fake_stripe():
    fake = FakeStripe()
    yield fake
    fake.close()


def purchases(user) -> list[LedgerEntry]:
    return list(
        LedgerEntry.select().where(
            (LedgerEntry.user == user.id) & LedgerEntry.key.startswith("stripe:")
        )
    )


def check(user, credits: int, paid_sessions: int) -> None:
    """Balance, one ledger entry per paid session, and balance == sum of entries."""
    assert balance(user.id) == credits
    assert len(purchases(user)) == paid_sessions
    assert_ledger_consistent(user)


@pytest.fixture
def bought(studio, monkeypatch, fake_stripe):
    """A user (50 credits) with an open Checkout Session for the Pro package."""
    stripe_settings(monkeypatch, fake_stripe)
    user = new_user()
    return user, create_checkout(user, "pro")


# Packages and checkout


def test_packages_are_the_three_from_the_data_file():
    packages = load_packages()
    assert [(p.id, p.name, p.credits, p.price_cents, p.currency) for p in packages.values()] == [
        ("starter", "Starter", 100, 2900, "usd"),
        ("pro", "Pro", 500, 7900, "usd"),
        ("enterprise", "Enterprise", 2000, 19900, "usd"),
    ]
    assert packages["pro"].price_text == "$79.00"
    with pytest.raises(ValidationFailed) as info:
        get_package("platinum")
    assert info.value.field == "package" and "starter, pro, enterprise" in info.value.message


def test_checkout_sends_stripe_what_it_needs(bought, fake_stripe):
    user, payment = bought
    [request] = fake_stripe.requests
    form, headers = request["form"], request["headers"]
    assert request["path"] == "/v1/checkout/sessions"
    assert headers["Authorization"] == f"Bearer {SECRET_KEY}"
    assert headers["Idempotency-Key"] == f"checkout:{payment.id}"
    assert form["mode"] == "payment"
    assert form["line_items[0][price_data][unit_amount]"] == "7900"
    assert form["line_items[0][price_data][currency]"] == "usd"
    assert form["line_items[0][price_data][product_data][name]"] == "Pro: 500 credits"
    assert form["line_items[0][quantity]"] == "1"
    assert form["client_reference_id"] == str(user.id)
    assert form["customer_email"] == user.email
    assert form["metadata[user_id]"] == str(user.id)
    assert form["metadata[package]"] == "pro"
    assert form["metadata[payment_id]"] == payment.id
    assert form["success_url"] == f"{PUBLIC_URL}/?payment={payment.id}"
    assert form["cancel_url"] == f"{PUBLIC_URL}/?payment={payment.id}&cancelled=1"
    assert form["invoice_creation[enabled]"] == "true"
    assert form["invoice_creation[invoice_data][metadata][payment_id]"] == payment.id
    # The pending row records the session; nothing is credited before Stripe confirms.
    assert payment.status == "pending" and payment.session_id.startswith("cs_test_")
    assert payment.checkout_url.endswith(payment.session_id)
    assert (payment.credits, payment.amount, payment.currency) == (500, 7900, "usd")
    check(user, 50, paid_sessions=0)


def test_checkout_without_keys_says_so_and_writes_nothing(studio, fake_stripe, monkeypatch):
    configure(monkeypatch, stripe_api_base=fake_stripe.url)  # keys left empty
    user = new_user()
    with pytest.raises(ServiceUnavailable) as info:
        create_checkout(user, "pro")
    assert info.value.message == NOT_CONFIGURED and "not configured" in info.value.message
    assert fake_stripe.requests == []
    assert list_payments(user) == []
    with pytest.raises(ServiceUnavailable):
        handle_webhook(b"{}", "t=1,v1=00")
    check(user, 50, paid_sessions=0)


def test_checkout_refused_by_stripe_leaves_no_payment(studio, fake_stripe, monkeypatch):
    stripe_settings(monkeypatch, fake_stripe)
    fake_stripe.refuse = True
    user = new_user()
    with pytest.raises(ServiceUnavailable) as info:
        create_checkout(user, "starter")
    assert "nothing was charged" in info.value.message
    assert list_payments(user) == []
    check(user, 50, paid_sessions=0)


# The webhook: signatures and timestamps


def test_valid_completed_event_credits_the_package(bought):
    user, payment = bought
    payload = session_event("checkout.session.completed", payment, invoice="in_123")
    assert handle_webhook(payload, sign(payload)) == "credited"
    payment = Payment.get_by_id(payment.id)
    assert (payment.status, payment.invoice_id) == ("paid", "in_123")
    [entry] = purchases(user)
    assert entry.key == f"stripe:{payment.session_id}"
    assert entry.reason == "purchase: Pro (500 credits, $79.00)"
    check(user, 550, paid_sessions=1)


def _rejected(user, payment, payload: bytes, header: str) -> None:
    with pytest.raises(WebhookRejected) as info:
        handle_webhook(payload, header)
    assert info.value.status == 400
    assert Payment.get_by_id(payment.id).status == "pending"
    check(user, 50, paid_sessions=0)


def test_tampered_body_is_rejected(bought):
    user, payment = bought
    unpaid = session_event("checkout.session.completed", payment, payment_status="unpaid")
    tampered = unpaid.replace(b'"unpaid"', b'"paid"')
    _rejected(user, payment, tampered, sign(unpaid))


def test_wrong_secret_is_rejected(bought):
    user, payment = bought
    payload = session_event("checkout.session.completed", payment)
    _rejected(user, payment, payload, sign(payload, secret="whsec_someone_else"))


def test_missing_or_garbled_signature_is_rejected(bought):
    user, payment = bought
    payload = session_event("checkout.session.completed", payment)
    for header in (None, "", "garbage", "t=notanumber,v1=abc", f"t={int(time.time())}"):
        _rejected(user, payment, payload, header)


@pytest.mark.parametrize(
    "offset", [-301, -3600, 301, 3600], ids=["old", "very-old", "future", "far-future"]
)
def test_timestamps_outside_the_tolerance_are_rejected(bought, offset):
    user, payment = bought
    payload = session_event("checkout.session.completed", payment)
    _rejected(user, payment, payload, sign(payload, timestamp=int(time.time()) + offset))


@pytest.mark.parametrize("offset", [-240, 60], ids=["a-little-late", "clock-skew"])
def test_timestamps_within_the_tolerance_are_accepted(bought, offset):
    user, payment = bought
    payload = session_event("checkout.session.completed", payment)
    assert handle_webhook(payload, sign(payload, timestamp=int(time.time()) + offset)) == "credited"
    check(user, 550, paid_sessions=1)


def test_signed_body_that_is_not_an_event_is_rejected(bought):
    user, payment = bought
    for payload in (b"not json", b"[]", b'{"type": "checkout.session.completed"}'):
        _rejected(user, payment, payload, sign(payload))


# The webhook: exactly once, whatever the order


def test_same_event_three_times_in_a_row_credits_once(bought):
    user, payment = bought
    payload = session_event("checkout.session.completed", payment)
    outcomes = [handle_webhook(payload, sign(payload)) for _ in range(3)]
    assert outcomes == ["credited", "already credited", "already credited"]
    check(user, 550, paid_sessions=1)


def _deliver_concurrently(payload: bytes, times: int = 3) -> list[str]:
    barrier = threading.Barrier(times)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            barrier.wait()
            outcomes.append(handle_webhook(payload, sign(payload)))
        except Exception as exc:  # noqa: BLE001 — reported by the assertion below
            errors.append(exc)
        finally:
            database.close()

    threads = [threading.Thread(target=deliver) for _ in range(times)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return sorted(outcomes)


def test_same_event_three_times_concurrently_credits_once_sqlite(bought):
    user, payment = bought
    payload = session_event("checkout.session.completed", payment)
    assert _deliver_concurrently(payload) == ["already credited", "already credited", "credited"]
    assert Payment.get_by_id(payment.id).status == "paid"
    check(user, 550, paid_sessions=1)


def test_same_event_three_times_concurrently_credits_once_postgres(
    studio, monkeypatch, fake_stripe, postgres_url
):
    stripe_settings(monkeypatch, fake_stripe)
    configure(monkeypatch, database_url=postgres_url)
    assert is_postgres()
    user = new_user()
    payment = create_checkout(user, "enterprise")
    payload = session_event("checkout.session.completed", payment)
    assert _deliver_concurrently(payload) == ["already credited", "already credited", "credited"]
    assert Payment.get_by_id(payment.id).status == "paid"
    check(user, 2050, paid_sessions=1)


def test_async_success_arriving_before_completed(bought):
    user, payment = bought
    succeeded = session_event("checkout.session.async_payment_succeeded", payment)
    completed = session_event("checkout.session.completed", payment, payment_status="unpaid")
    assert handle_webhook(succeeded, sign(succeeded)) == "credited"
    assert handle_webhook(completed, sign(completed)) == "unchanged (paid)"
    assert Payment.get_by_id(payment.id).status == "paid"
    check(user, 550, paid_sessions=1)


def test_unpaid_completed_then_async_failure_adds_nothing(bought):
    user, payment = bought
    completed = session_event("checkout.session.completed", payment, payment_status="unpaid")
    failed = session_event(
        "checkout.session.async_payment_failed", payment, payment_status="unpaid"
    )
    assert handle_webhook(completed, sign(completed)) == "marked processing"
    check(user, 50, paid_sessions=0)
    assert handle_webhook(failed, sign(failed)) == "marked failed"
    # A late re-delivery of the unpaid `completed` must not reopen the failed payment.
    assert handle_webhook(completed, sign(completed)) == "unchanged (failed)"
    assert Payment.get_by_id(payment.id).status == "failed"
    check(user, 50, paid_sessions=0)


def test_unpaid_completed_then_async_success_credits_once(bought):
    user, payment = bought
    completed = session_event("checkout.session.completed", payment, payment_status="unpaid")
    succeeded = session_event("checkout.session.async_payment_succeeded", payment)
    assert handle_webhook(completed, sign(completed)) == "marked processing"
    assert handle_webhook(succeeded, sign(succeeded)) == "credited"
    assert handle_webhook(succeeded, sign(succeeded)) == "already credited"
    check(user, 550, paid_sessions=1)


def test_expired_session_is_marked_without_credit(bought):
    user, payment = bought
    payload = session_event("checkout.session.expired", payment, payment_status="unpaid")
    assert handle_webhook(payload, sign(payload)) == "marked expired"
    assert Payment.get_by_id(payment.id).status == "expired"
    check(user, 50, paid_sessions=0)


def test_unknown_event_types_and_foreign_sessions_are_ignored(bought):
    user, payment = bought
    other = json.dumps(
        {"id": "evt_1", "object": "event", "type": "customer.created", "data": {"object": {}}}
    ).encode()
    assert handle_webhook(other, sign(other)) == "ignored"
    foreign = Payment(id="f" * 32, user_id=user.id, session_id="cs_not_ours", package="pro")
    foreign.amount, foreign.currency = 7900, "usd"
    payload = session_event("checkout.session.completed", foreign)
    assert handle_webhook(payload, sign(payload)) == "ignored: not a studio payment"
    assert Payment.get_by_id(payment.id).status == "pending"
    check(user, 50, paid_sessions=0)


def test_invoice_event_records_the_hosted_invoice_link(bought):
    user, payment = bought
    completed = session_event("checkout.session.completed", payment, invoice="in_42")
    handle_webhook(completed, sign(completed))
    payload = invoice_event(payment, "in_42")
    assert handle_webhook(payload, sign(payload)) == "invoice recorded"
    [listed] = list_payments(user)
    assert (listed.status, listed.invoice_id) == ("paid", "in_42")
    assert listed.invoice_url == "https://invoice.stripe.test/i/in_42"
    check(user, 550, paid_sessions=1)
