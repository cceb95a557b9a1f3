"""Signing webhook deliveries like Stripe: `Studio-Signature: t=<unix time>,v1=<hex>` where
v1 = HMAC-SHA256(secret, f"{t}.{body}")."""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "Studio-Signature"
TOLERANCE_SECONDS = 300


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The Studio-Signature header value for a body sent now (or at `timestamp`)."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def verify(
    secret: str, body: bytes, header: str, tolerance: int = TOLERANCE_SECONDS, now: float = 0
) -> bool:
    """Whether a received body carries a valid, recent signature (what a receiver checks)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    t = parts.get("t", "")
    if not t.isdigit() or abs((now or time.time()) - int(t)) > tolerance:
        return False
    expected = sign(secret, body, int(t)).split("v1=", 1)[1]
    return any(
        hmac.compare_digest(expected, value)
        for key, value in (p.split("=", 1) for p in header.split(",") if "=" in p)
        if key == "v1"
    )
