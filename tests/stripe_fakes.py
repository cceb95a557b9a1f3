"""A local stand-in for Stripe's API and Stripe-signed webhook events, for tests."""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import stripe

from billing.payments_model import Payment
from tests.conftest import configure

WHSEC = "whsec_test_studio_secret"
SECRET_KEY = "sk_test_studio"
PUBLIC_URL = "https://studio.example"


class FakeStripe:
    """Stands in for api.stripe.com on 127.0.0.1: records each request, answers a session."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.refuse = False  # answer 400 like Stripe does for bad parameters
        self._sessions: dict[str, dict] = {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                fake.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "form": dict(parse_qsl(body)),
                    }
                )
                if fake.refuse:
                    error = {"type": "invalid_request_error", "message": "No such thing"}
                    self._answer(400, {"error": error})
                    return
                key = self.headers.get("Idempotency-Key", uuid.uuid4().hex)
                if key not in fake._sessions:  # Stripe answers a replayed key with the same object
                    session_id = f"cs_test_{uuid.uuid4().hex[:16]}"
                    fake._sessions[key] = {
                        "id": session_id,
                        "object": "checkout.session",
                        "url": f"https://checkout.stripe.test/c/pay/{session_id}",
                        "mode": "payment",
                        "status": "open",
                        "payment_status": "unpaid",
                    }
                self._answer(200, fake._sessions[key])

            def _answer(self, status: int, body: dict) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def stripe_settings(monkeypatch, fake: FakeStripe) -> None:
    """Test keys, this stand-in as Stripe's API, and a public URL to come back to."""
    configure(
        monkeypatch,
        stripe_secret_key=SECRET_KEY,
        stripe_webhook_secret=WHSEC,
        stripe_api_base=fake.url,
        public_url=PUBLIC_URL,
    )


def session_event(
    kind: str, payment: Payment, payment_status: str = "paid", invoice: object = None
) -> bytes:
    """A Stripe event about the payment's Checkout Session, as Stripe would send it."""
    session = {
        "id": payment.session_id,
        "object": "checkout.session",
        "mode": "payment",
        "payment_status": payment_status,
        "amount_total": payment.amount,
        "currency": payment.currency,
        "client_reference_id": str(payment.user_id),
        "metadata": {
            "user_id": str(payment.user_id),
            "package": payment.package,
            "payment_id": payment.id,
        },
        "invoice": invoice,
    }
    event = {
        "id": f"evt_{uuid.uuid4().hex[:16]}",
        "object": "event",
        "type": kind,
        "created": int(time.time()),
        "data": {"object": session},
    }
    return json.dumps(event).encode()


def sign(payload: bytes, secret: str = WHSEC, timestamp: int | None = None) -> str:
    """The Stripe-Signature header, made by the stripe library's own helper."""
    return stripe.WebhookSignature.generate_signature_header(
        payload.decode(), secret, timestamp=timestamp
    )


def invoice_event(payment: Payment, invoice_id: str) -> bytes:
    """Stripe's `invoice.paid` for the invoice of the payment's session."""
    invoice = {
        "id": invoice_id,
        "object": "invoice",
        "hosted_invoice_url": f"https://invoice.stripe.test/i/{invoice_id}",
        "metadata": {"payment_id": payment.id},
    }
    event = {
        "id": f"evt_{uuid.uuid4().hex[:16]}",
        "object": "event",
        "type": "invoice.paid",
        "data": {"object": invoice},
    }
    return json.dumps(event).encode()
