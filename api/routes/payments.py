"""Buying credits: packages, Stripe Checkout, the Stripe webhook and the user's payments."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api.deps import MAX_OFFSET, CurrentUser, IdempotencyKey
from api.presenters import package_view, payment_view
from api.schemas import (
    Checkout,
    Packages,
    Payments,
    PaymentStatus,
    WebhookReceived,
    errors,
)
from billing.ledger import balance
from billing.payments import (
    create_checkout,
    get_payment,
    handle_webhook,
    list_payments,
    load_packages,
    payments_configured,
)
from studio.idempotency import fingerprint, replayed_header, run_once

router = APIRouter(prefix="/payments", tags=["payments"])


class CheckoutRequest(BaseModel):
    package: str


@router.get("/packages", response_model=Packages)
def packages() -> dict:
    """The credit packages for sale, and whether payments are configured."""
    return {
        "packages": [package_view(p) for p in load_packages().values()],
        "configured": payments_configured(),
    }


@router.post(
    "/create-checkout", status_code=201, response_model=Checkout, responses=errors(403, 503)
)
def create_checkout_session(
    body: CheckoutRequest, user: CurrentUser, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Open a Stripe Checkout Session for a package; send the user to `checkoutUrl`.

    503 when Stripe is not configured on this studio. With an Idempotency-Key, a retry
    within 24 h returns the same session.
    """

    def work() -> tuple[int, dict]:
        payment = create_checkout(user, body.package)
        view = payment_view(payment)
        return 201, {"paymentId": payment.id, "checkoutUrl": payment.checkout_url, **view}

    if idempotency_key is None:
        return JSONResponse(work()[1], status_code=201)
    digest = fingerprint("payments/create-checkout", body.model_dump())
    status, answer, replayed = run_once(user.id, idempotency_key, digest, work)
    return JSONResponse(answer, status_code=status, headers=replayed_header(replayed))


@router.post("/webhook", response_model=WebhookReceived, responses=errors(503))
async def stripe_webhook(request: Request) -> dict:
    """Stripe's webhook: verified on the raw body with the endpoint secret (400 if it fails)."""
    payload = await request.body()
    signature = request.headers.get("stripe-signature")
    outcome = await run_in_threadpool(handle_webhook, payload, signature)
    return {"received": True, "outcome": outcome}


@router.get("", response_model=Payments, responses=errors(403))
def payments(
    user: CurrentUser,
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> dict:
    """The user's payments, newest first, with the Stripe invoice link once there is one."""
    return {"payments": [payment_view(p) for p in list_payments(user, limit, offset)]}


@router.get("/{payment_id}", response_model=PaymentStatus, responses=errors(403))
def payment(payment_id: str, user: CurrentUser) -> dict:
    """One payment's status and the user's balance (for the page Checkout returns to)."""
    return {**payment_view(get_payment(user, payment_id)), "balance": balance(user.id)}
