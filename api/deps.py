"""Request dependencies: the logged-in user."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from studio.models import User
from studio.tokens import user_from_token

_bearer = HTTPBearer(auto_error=False, description="The token from /auth/login or /auth/register")


def current_user(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The user whose bearer token came with the request (401 otherwise)."""
    return user_from_token(credentials.credentials if credentials else None)


CurrentUser = Annotated[User, Depends(current_user)]
