"""Request dependencies: the logged-in user (login token or API key) and the token they came
with."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from studio.models import User
from studio.ratelimit import client_address
from studio.tokens import user_from_token

# Past any real list; keeps the number inside the 64-bit integer a database OFFSET takes.
MAX_OFFSET = 1_000_000_000

_bearer = HTTPBearer(
    auto_error=False,
    description="An API key (`sk_studio_…`, from /keys) or the token from /auth/login",
)
# What a scoped API key needs, by path under /api/v1 and method; other routes (keys, webhooks,
# checkout, password) need a key without scopes or a login token.
_SCOPES = (
    (("/jobs", "/events"), ("GET", "HEAD"), "jobs:read"),
    (("/jobs",), ("POST", "DELETE"), "jobs:write"),
    (
        ("/users/credits", "/users/transactions", "/users/profile", "/payments"),
        ("GET",),
        "billing:read",
    ),
)


def current_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str | None:
    """The bearer token that came with the request, if any."""
    return credentials.credentials if credentials else None


def current_user(request: Request, token: Annotated[str | None, Depends(current_token)]) -> User:
    """The user whose bearer token or API key came with the request (401 otherwise; 403 for
    a scoped key without the route's scope)."""
    return user_from_token(token, required_scope(request.method, request.url.path))


def required_scope(method: str, path: str) -> str | None:
    """The scope a scoped API key needs for a request; None when only unscoped keys may."""
    path = path.removeprefix("/api/v1")
    for prefixes, methods, scope in _SCOPES:
        if method in methods and any(path == p or path.startswith(p + "/") for p in prefixes):
            return scope
    return None


def caller_address(request: Request) -> str:
    """The caller's IP address (X-Forwarded-For only from STUDIO_TRUSTED_PROXIES)."""
    peer = request.client.host if request.client else None
    return client_address(peer, request.headers.get("x-forwarded-for"))


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Any unique string (a UUID): the same key and body within 24 h returns the "
        "first answer instead of doing the work again; with another body, 422",
        examples=["5f0c7a52-0a43-4a57-9d0e-2b1f3c1d9e77"],
    ),
]
CallerAddress = Annotated[str, Depends(caller_address)]
CurrentToken = Annotated[str | None, Depends(current_token)]
CurrentUser = Annotated[User, Depends(current_user)]
