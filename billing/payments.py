"""Buying credits with Stripe: packages, Checkout Sessions and the webhook that credits them.

Credits are added exactly once per Checkout Session, whatever retries, duplicates, races or
order of events: the ledger key `stripe:<session id>` is unique, and the payment row and the
grant change in one transaction.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import stripe

from billing.ledger import grant
from billing.payments_model import (
    EXPIRED,
    FAILED,
    PAID,
    PENDING,
    PROCESSING,
    Payment,
)
from studio.db import is_postgres, write_transaction
from studio.errors import NotFound, ServiceUnavailable, StudioError, ValidationFailed
from studio.models import User, utcnow
from studio.settings import get_settings
from studio.telemetry import CREDITS_PURCHASED

logger = logging.getLogger(__name__)

PACKAGES_FILE = Path(__file__).with_name("packages.json")
WEBHOOK_TOLERANCE = 300  # seconds, either side of our clock
NOT_CONFIGURED = (
    "Payments are not configured on this studio: the operator has not set the Stripe keys."
)

COMPLETED = "checkout.session.completed"
ASYNC_SUCCEEDED = "checkout.session.async_payment_succeeded"
ASYNC_FAILED = "checkout.session.async_payment_failed"
SESSION_EXPIRED = "checkout.session.expired"
SESSION_EVENTS = (COMPLETED, ASYNC_SUCCEEDED, ASYNC_FAILED, SESSION_EXPIRED)
# Checkout's invoice is finalised after the session completes; these carry its hosted URL.
INVOICE_EVENTS = ("invoice.finalized", "invoice.paid")
WEBHOOK_EVENTS = SESSION_EVENTS + ("invoice.paid",)  # what an operator selects in Stripe


class WebhookRejected(StudioError):
    """A webhook whose signature, timestamp or body cannot be trusted (nothing is written)."""

    status = 400
    code = "invalid_webhook"


@dataclass(frozen=True)
class Package:
    id: str
    name: str
    credits: int
    price_cents: int
    currency: str

    @property
    def price_text(self) -> str:
        return format_amount(self.price_cents, self.currency)


def format_amount(cents: int, currency: str) -> str:
    """A price for people: "$79.00", or "79.00 EUR" for other currencies."""
    if currency.lower() == "usd":
        return f"${cents / 100:,.2f}"
    return f"{cents / 100:,.2f} {currency.upper()}"


@lru_cache(maxsize=1)
def load_packages() -> dict[str, Package]:
    """The credit packages from packages.json, by id, in file order."""
    packages: dict[str, Package] = {}
    for entry in json.loads(PACKAGES_FILE.read_text(encoding="utf-8")):
        package = Package(**entry)
        if package.credits <= 0 or package.price_cents <= 0:
            raise ValueError(
                f"package {package.id!r} needs positive credits and price_cents "
                f"but has {package.credits} and {package.price_cents}"
            )
        if len(package.currency) != 3 or package.currency != package.currency.lower():
            raise ValueError(f"package {package.id!r} has currency {package.currency!r}: use 'usd'")
        if package.id in packages:
            raise ValueError(f"package id {package.id!r} appears twice in {PACKAGES_FILE.name}")
        packages[package.id] = package
    return packages


def get_package(package_id: str) -> Package:
    """The package with this id; ValidationFailed naming the choices otherwise."""
    packages = load_packages()
    if package_id not in packages:
        raise ValidationFailed(
            f"unknown package {package_id!r}: choose one of {', '.join(packages)}",
            field="package",
        )
    return packages[package_id]


def payments_configured() -> bool:
    """Whether both Stripe keys are set (without them nothing can be bought or credited)."""
    settings = get_settings()
    return bool(settings.stripe_secret_key and settings.stripe_webhook_secret)


def _require_configured() -> None:
    if not payments_configured():
        raise ServiceUnavailable(NOT_CONFIGURED)


@lru_cache(maxsize=4)
def _stripe_client(secret_key: str, api_base: str) -> stripe.StripeClient:
    # A client of our own rather than the library's globals, so the key and API base
    # (stripe-mock, a test stand-in) never leak between settings or threads.
    base_addresses: Any = {"api": api_base} if api_base else None
    return stripe.StripeClient(secret_key, base_addresses=base_addresses, max_network_retries=2)


def _client() -> stripe.StripeClient:
    settings = get_settings()
    return _stripe_client(settings.stripe_secret_key, settings.stripe_api_base.rstrip("/"))


def create_checkout(user: User, package_id: str) -> Payment:
    """Open a Stripe Checkout Session for a package; a pending payment row records it."""
    _require_configured()
    package = get_package(package_id)
    payment = Payment.create(
        user=user.id,
        package=package.id,
        package_name=package.name,
        credits=package.credits,
        amount=package.price_cents,
        currency=package.currency,
    )
    back = f"{get_settings().resolved_public_url}/?payment={payment.id}"
    metadata = {"user_id": str(user.id), "package": package.id, "payment_id": payment.id}
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": package.currency,
                    "unit_amount": package.price_cents,
                    "product_data": {"name": f"{package.name}: {package.credits} credits"},
                },
                "quantity": 1,
            }
        ],
        "client_reference_id": str(user.id),
        "customer_email": user.email,
        "metadata": metadata,
        "success_url": back,
        "cancel_url": f"{back}&cancelled=1",
        # Stripe then issues an invoice; its metadata lets invoice events find this payment.
        "invoice_creation": {"enabled": True, "invoice_data": {"metadata": metadata}},
    }
    try:
        # The key makes the library's own retries (and any replay of this call) one session.
        session = _client().v1.checkout.sessions.create(
            params=cast(Any, params), options={"idempotency_key": f"checkout:{payment.id}"}
        )
    except stripe.StripeError as exc:
        Payment.delete_by_id(payment.id)
        logger.warning(
            "checkout not created payment_id=%s user_id=%s error=%s status=%s code=%s",
            payment.id,
            user.id,
            type(exc).__name__,
            exc.http_status,
            exc.code,
        )
        raise ServiceUnavailable(
            "Stripe could not open a checkout just now; nothing was charged. Try again shortly."
        ) from None
    Payment.update(session_id=session.id, checkout_url=session.url).where(
        Payment.id == payment.id
    ).execute()
    logger.info(
        "checkout created payment_id=%s user_id=%s package=%s session_id=%s",
        payment.id,
        user.id,
        package.id,
        session.id,
    )
    return Payment.get_by_id(payment.id)


def _signed_at(header: str) -> int:
    for part in header.split(","):
        name, _, value = part.partition("=")
        if name.strip() == "t":
            return int(value)
    raise ValueError("no timestamp")


def verify_event(
    payload: bytes | str,
    signature: str | None,
    secret: str,
    tolerance: int = WEBHOOK_TOLERANCE,
) -> dict[str, Any]:
    """The event in a webhook body, once its signature and timestamp check out."""
    try:
        stripe.WebhookSignature.verify_header(payload, signature, secret, tolerance)
        # stripe-python only rejects timestamps older than the tolerance; one far ahead of our
        # clock is as suspect (a signature minted now to be replayed later).
        future = _signed_at(signature or "") > time.time() + tolerance
    except (stripe.SignatureVerificationError, ValueError):
        raise WebhookRejected("the Stripe-Signature header does not match this body") from None
    if future:
        raise WebhookRejected("the Stripe-Signature timestamp is in the future")
    try:
        event = json.loads(payload)
    except ValueError:
        raise WebhookRejected("the webhook body is not JSON") from None
    if (
        not isinstance(event, dict)
        or not isinstance(event.get("type"), str)
        or not isinstance(event.get("data"), dict)
        or not isinstance(event["data"].get("object"), dict)
    ):
        raise WebhookRejected("the webhook body is not a Stripe event")
    return event


def handle_webhook(payload: bytes | str, signature: str | None) -> str:
    """Verify a Stripe webhook and apply it; returns what was done."""
    secret = get_settings().stripe_webhook_secret
    if not secret:
        raise ServiceUnavailable(NOT_CONFIGURED)
    event = verify_event(payload, signature, secret)
    kind, obj = event["type"], event["data"]["object"]
    if kind in SESSION_EVENTS:
        outcome = _apply_session_event(kind, obj)
    elif kind in INVOICE_EVENTS:
        outcome = _record_invoice(obj)
    else:
        outcome = "ignored"
    logger.info("stripe webhook event_id=%s type=%s outcome=%s", event.get("id"), kind, outcome)
    return outcome


def _purchase_reason(payment: Payment) -> str:
    price = format_amount(payment.amount, payment.currency)
    return f"purchase: {payment.package_name} ({payment.credits} credits, {price})"


def _invoice_of(obj: dict[str, Any]) -> tuple[str | None, str | None]:
    """(invoice id, hosted URL) from a session's `invoice`: an id, or the expanded object."""
    invoice = obj.get("invoice")
    if isinstance(invoice, str):
        return invoice, None
    if isinstance(invoice, dict):
        return invoice.get("id"), invoice.get("hosted_invoice_url")
    return None, None


def _payment_for_update(payment_id: Any, session_id: str) -> Payment | None:
    condition = Payment.session_id == session_id
    if isinstance(payment_id, str) and payment_id:
        condition |= Payment.id == payment_id
    query = Payment.select().where(condition)
    if is_postgres():
        # Events for one session may arrive at once; they apply one after the other.
        # (SQLite's IMMEDIATE transaction already serialises writers.)
        query = query.for_update()
    return query.first()


def _apply_session_event(kind: str, session: dict[str, Any]) -> str:
    session_id = session.get("id")
    if not isinstance(session_id, str) or not session_id:
        return "ignored: no session id"
    payment_id = (session.get("metadata") or {}).get("payment_id")
    paid = kind == ASYNC_SUCCEEDED or (
        kind == COMPLETED and session.get("payment_status") == "paid"
    )
    invoice_id, invoice_url = _invoice_of(session)
    credited = False
    with write_transaction():
        payment = _payment_for_update(payment_id, session_id)
        if payment is None:
            return "ignored: not a studio payment"
        if payment.session_id not in (None, session_id):
            logger.warning(
                "webhook session mismatch payment_id=%s session_id=%s", payment.id, session_id
            )
            return "ignored: session does not match the payment"
        payment.session_id = session_id
        payment.invoice_id = invoice_id or payment.invoice_id
        payment.invoice_url = invoice_url or payment.invoice_url
        if paid:
            credited = grant(
                payment.user_id,
                payment.credits,
                _purchase_reason(payment),
                key=f"stripe:{session_id}",
            )
            payment.status = PAID
            payment.paid_at = payment.paid_at or utcnow()
            outcome = "credited" if credited else "already credited"
        elif payment.status in (PENDING, PROCESSING):
            # Final states stay final: an unpaid `completed` arriving after the async success
            # or failure must not move the payment back to processing.
            payment.status = {COMPLETED: PROCESSING, ASYNC_FAILED: FAILED}.get(kind, EXPIRED)
            outcome = f"marked {payment.status}"
        else:
            outcome = f"unchanged ({payment.status})"
        payment.save()
    if credited:
        CREDITS_PURCHASED.labels(payment.package).inc(payment.credits)
        logger.info(
            "credits purchased payment_id=%s user_id=%s credits=%s",
            payment.id,
            payment.user_id,
            payment.credits,
        )
    return outcome


def _record_invoice(invoice: dict[str, Any]) -> str:
    invoice_id = invoice.get("id")
    payment_id = (invoice.get("metadata") or {}).get("payment_id")
    if not isinstance(invoice_id, str) or not isinstance(payment_id, str):
        return "ignored: not a studio invoice"
    values: dict[Any, Any] = {Payment.invoice_id: invoice_id}
    if invoice.get("hosted_invoice_url"):
        values[Payment.invoice_url] = invoice["hosted_invoice_url"]
    updated = Payment.update(values).where(Payment.id == payment_id).execute()
    return "invoice recorded" if updated else "ignored: not a studio invoice"


def list_payments(user: User, limit: int = 50, offset: int = 0) -> list[Payment]:
    """The user's payments, newest first."""
    return list(
        Payment.select()
        .where(Payment.user == user.id)
        .order_by(Payment.created_at.desc(), Payment.id.desc())
        .limit(limit)
        .offset(offset)
    )


def get_payment(user: User, payment_id: str) -> Payment:
    """One of the user's payments; NotFound for anyone else's."""
    payment = Payment.get_or_none((Payment.id == payment_id) & (Payment.user == user.id))
    if payment is None:
        raise NotFound("no such payment", field="payment")
    return payment


__all__ = [
    "NOT_CONFIGURED",
    "WEBHOOK_EVENTS",
    "Package",
    "Payment",
    "WebhookRejected",
    "create_checkout",
    "format_amount",
    "get_package",
    "get_payment",
    "handle_webhook",
    "list_payments",
    "load_packages",
    "payments_configured",
    "verify_event",
]
