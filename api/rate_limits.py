"""Request rate limits for /api/v1: writes and reads per user (per address before login)."""

from __future__ import annotations

import logging

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response
from studio.ratelimit import client_address, hit
from studio.tokens import signed_user_id

logger = logging.getLogger(__name__)

READ_METHODS = ("GET", "HEAD")
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class RateLimits:
    """429 with Retry-After and RateLimit-* headers once a client's writes or reads run out.

    Health checks and Stripe's webhook are not counted (monitoring and Stripe's retries
    must always get through); the route never runs for a refused request, so nothing is
    charged.
    """

    def __init__(self, app: ASGIApp, prefix: str = "/api/v1"):
        self.app = app
        self.prefix = prefix
        self.exempt = {f"{prefix}/health", f"{prefix}/payments/webhook"}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path, method = scope.get("path", ""), scope.get("method", "")
        kind = "writes" if method in WRITE_METHODS else "reads" if method in READ_METHODS else ""
        if (
            scope["type"] != "http"
            or not kind
            or not path.startswith(self.prefix)
            or path in self.exempt
        ):
            await self.app(scope, receive, send)
            return
        quota = hit(kind, _client_key(scope))
        if quota is None:
            await self.app(scope, receive, send)
            return
        if not quota.allowed:
            logger.info("rate limited %s %s kind=%s", method, path, kind)
            response = error_response(
                429,
                "rate_limited",
                f"too many requests: try again in {quota.reset_after} s",
                headers={"Retry-After": str(quota.reset_after), **quota.headers()},
            )
            await response(scope, receive, send)
            return

        async def send_with_quota(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in quota.headers().items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_quota)


def _client_key(scope: Scope) -> str:
    """`user:<id>` for a correctly signed token, else `address:<ip>`."""
    headers = Headers(scope=scope)
    authorization = headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        user_id = signed_user_id(authorization[7:])
        if user_id is not None:
            return f"user:{user_id}"
    client = scope.get("client")
    return "address:" + client_address(
        client[0] if client else None, headers.get("x-forwarded-for")
    )
