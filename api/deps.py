"""Request dependencies: the logged-in user and the token they came with."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from studio.models import User
from studio.ratelimit import client_address
from studio.tokens import user_from_token

# Past any real list; keeps the number inside the 64-bit integer a database OFFSET takes.
MAX_OFFSET = 1_000_000_000

_bearer = HTTPBearer(auto_error=False, description="The token from /auth/login or /auth/register")


def current_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str | None:
    """The bearer token that came with the request, if any."""
    return credentials.credentials if credentials else None


def current_user(token: Annotated[str | None, Depends(current_token)]) -> User:
    """The user whose bearer token came with the request (401 otherwise)."""
    return user_from_token(token)


def caller_address(request: Request) -> str:
    """The caller's IP address (X-Forwarded-For only from STUDIO_TRUSTED_PROXIES)."""
    peer = request.client.host if request.client else None
    return client_address(peer, request.headers.get("x-forwarded-for"))


CallerAddress = Annotated[str, Depends(caller_address)]
CurrentToken = Annotated[str | None, Depends(current_token)]
CurrentUser = Annotated[User, Depends(current_user)]
