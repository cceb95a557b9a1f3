"""The "Buy credits" tab (packages, Stripe Checkout, the return view) and its Gradio API."""

from __future__ import annotations

import html
import logging
from typing import TypedDict

import gradio as gr

from billing.ledger import balance
from billing.payments import (
    NOT_CONFIGURED,
    Payment,
    create_checkout,
    format_amount,
    get_payment,
    list_payments,
    load_packages,
    payments_configured,
)
from billing.payments_model import EXPIRED, FAILED, PAID, PENDING, PROCESSING
from studio.errors import StudioError
from studio.models import User
from ui.guard import require_user, shown_to_user
from ui.status import badge_text

logger = logging.getLogger(__name__)

POLL_SECONDS = 2.0
MAX_POLLS = 150  # stop watching after about five minutes; "Refresh" still works
WAITING = (PENDING, PROCESSING)
# Runs in the browser after the server answered with the Checkout URL.
REDIRECT_JS = "(url) => { if (url) { window.location.assign(url); } }"


def _status_text(payment: Payment, user: User, cancelled: bool = False) -> str:
    what = f"{payment.package_name} ({payment.credits} credits, "
    what += f"{format_amount(payment.amount, payment.currency)})"
    if payment.status == PAID:
        text = f"**Payment received:** {what}. Your balance is **{balance(user.id)} credits**."
        if payment.invoice_url:
            text += f" [View the invoice]({payment.invoice_url})"
        return text
    if payment.status == PENDING and cancelled:
        return f"Checkout for {what} was cancelled: nothing was charged."
    return {
        PENDING: f"Waiting for Stripe to confirm your payment for {what}…",
        PROCESSING: f"Your payment for {what} is processing; the credits arrive when it clears.",
        FAILED: f"The payment for {what} failed: nothing was charged or added. You can try again.",
        EXPIRED: f"The checkout for {what} expired: nothing was charged.",
    }.get(payment.status, f"Payment for {what}: {payment.status}.")


def _toast(payment: Payment, cancelled: bool) -> str:
    """A one-line notice for the page Checkout returns to, whichever tab is open."""
    if payment.status == PAID:
        return f"Payment received: {payment.credits} credits added."
    if payment.status == PENDING and cancelled:
        return "Checkout cancelled: nothing was charged."
    if payment.status in WAITING:
        return "Waiting for Stripe to confirm your payment: see the Buy credits tab."
    return f"Your payment is {payment.status}: see the Buy credits tab."


def _history(user: User) -> str:
    rows = list_payments(user, limit=20)
    if not rows:
        return "No purchases yet."
    lines = [
        "| Date (UTC) | Package | Credits | Amount | Status | Invoice |",
        "|---|---|---|---|---|---|",
    ]
    for p in rows:
        invoice = f"[invoice]({p.invoice_url})" if p.invoice_url else ""
        lines.append(
            f"| {p.created_at:%Y-%m-%d %H:%M} | {p.package_name} | {p.credits} "
            f"| {format_amount(p.amount, p.currency)} | {p.status} | {invoice} |"
        )
    return "\n".join(lines)


def _intro(configured: bool) -> str:
    if not configured:
        return f"**{NOT_CONFIGURED}** Credits can still be granted by the operator."
    return "Pay securely with Stripe Checkout; the credits are added as soon as Stripe confirms."


def build_payments_tab(token: gr.BrowserState, badge: gr.HTML) -> None:
    """The tab's contents; call inside `with gr.Tab("Buy credits"):`."""
    configured = payments_configured()
    gr.Markdown(_intro(configured))
    buttons: dict[str, gr.Button] = {}
    with gr.Row():
        for package in load_packages().values():
            with gr.Column(min_width=180):
                gr.Markdown(
                    f"### {package.name}\n**{package.credits} credits** · {package.price_text}"
                )
                buttons[package.id] = gr.Button(
                    f"Buy {package.name}", variant="primary", interactive=configured
                )
    # Rendered but hidden, so the redirect script in the browser can read it.
    checkout_url = gr.Textbox(visible="hidden")
    checkout_link = gr.HTML()
    status = gr.Markdown()
    watching = gr.State("")
    polls = gr.State(0)
    announced = gr.State("")  # the payment whose notice was already shown
    timer = gr.Timer(POLL_SECONDS, active=False)
    gr.Markdown("### Your purchases")
    history = gr.Markdown()
    refresh_btn = gr.Button("Refresh", size="sm")

    def buy_handler(package_id: str):
        @shown_to_user
        def buy(token_value: str):
            user = require_user(token_value)
            payment = create_checkout(user, package_id)
            link = html.escape(payment.checkout_url or "", quote=True)
            return (
                payment.checkout_url,
                f'<a href="{link}" target="_self">Continue to Stripe Checkout</a>',
                f"Opening Stripe Checkout for {payment.package_name}…",
                payment.id,
            )

        return buy

    for package_id, button in buttons.items():
        button.click(
            buy_handler(package_id),
            token,
            [checkout_url, checkout_link, status, watching],
            api_name=f"ui_buy_{package_id}",
            api_visibility="private",
        ).success(
            None,
            checkout_url,
            None,
            js=REDIRECT_JS,
            api_name=f"ui_open_checkout_{package_id}",
            api_visibility="private",
        )

    def show(
        token_value: str, payment_id: str, cancelled: bool = False, announced: str = ""
    ) -> tuple:
        """(status, watching, polls, timer, badge, history, announced) for the payment in view."""
        try:
            user = require_user(token_value) if token_value else None
        except gr.Error:
            user = None
        if user is None:
            message = "Log in to see your payment." if payment_id else ""
            return message, payment_id, 0, gr.Timer(active=False), gr.skip(), "", announced
        text, keep_watching = "", False
        if payment_id:
            try:
                payment = get_payment(user, payment_id)
            except StudioError:
                text = "This payment is not on your account."
            else:
                text = _status_text(payment, user, cancelled)
                keep_watching = payment.status in WAITING and not cancelled
                # Page load and the stored login arriving both land here: one notice is enough.
                if announced != payment_id:
                    gr.Info(_toast(payment, cancelled))
                    announced = payment_id
        timer_update = gr.Timer(active=keep_watching)
        return text, payment_id, 0, timer_update, badge_text(user), _history(user), announced

    def on_return(token_value: str, announced: str, request: gr.Request):
        # Stripe sends the buyer back to /?payment=<id> (and &cancelled=1 from "back").
        params = dict(request.query_params) if request else {}
        payment_id, cancelled = params.get("payment", ""), params.get("cancelled") == "1"
        return show(token_value, payment_id, cancelled, announced)

    def poll(token_value: str, payment_id: str, count: int):
        *shown, _ = show(token_value, payment_id, announced=payment_id)
        if count + 1 >= MAX_POLLS:
            shown[3] = gr.Timer(active=False)
        shown[2] = count + 1
        return tuple(shown)

    def refresh(token_value: str, payment_id: str):
        return show(token_value, payment_id, announced=payment_id)[:-1]

    outputs = [status, watching, polls, timer, badge, history]
    # No triggers: runs on page load (the return from Checkout) and when the token changes.
    gr.on(
        None,
        on_return,
        [token, announced],
        [*outputs, announced],
        api_name="ui_payment_return",
        api_visibility="private",
    )
    timer.tick(
        poll,
        [token, watching, polls],
        outputs,
        api_name="ui_payment_poll",
        api_visibility="private",
    )
    refresh_btn.click(
        refresh, [token, watching], outputs, api_name="ui_payment_refresh", api_visibility="private"
    )


class Checkout(TypedDict):
    paymentId: str
    checkoutUrl: str  # open in a browser to pay


class PaymentState(TypedDict):
    paymentId: str
    status: str  # pending, processing, paid, failed, expired
    credits: int
    invoiceUrl: str | None
    balance: int


@shown_to_user
def buy_credits(token: str, package: str) -> Checkout:
    """Start buying a credit package (starter, pro or enterprise).

    Returns {paymentId, checkoutUrl}: open checkoutUrl in a browser to pay; the credits are
    added when Stripe confirms the payment.
    """
    payment = create_checkout(require_user(token, "writes"), package)
    return {"paymentId": payment.id, "checkoutUrl": payment.checkout_url or ""}


@shown_to_user
def payment_status(token: str, payment_id: str) -> PaymentState:
    """A payment's status (pending, processing, paid, failed, expired) and your balance."""
    user = require_user(token)
    payment = get_payment(user, payment_id)
    return {
        "paymentId": payment.id,
        "status": payment.status,
        "credits": payment.credits,
        "invoiceUrl": payment.invoice_url,
        "balance": balance(user.id),
    }


def register_payment_endpoints() -> None:
    """Declare the payment API inside the current gr.Blocks."""
    gr.api(buy_credits, api_name="buy_credits")
    gr.api(payment_status, api_name="payment_status", concurrency_limit=None)
