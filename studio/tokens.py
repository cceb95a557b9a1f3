"""Login tokens: JWT HS256 with an expiry, verified with a fixed algorithm list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt

from studio.errors import AuthError
from studio.models import User
from studio.settings import get_settings

ALGORITHM = "HS256"


def issue_token(user: User) -> str:
    """A signed token for this user, valid for the configured number of days."""
    settings = get_settings()
    now = datetime.now(UTC)
    claims = {
        "sub": str(user.id),
        "iat": now,
        "exp": now + timedelta(days=settings.token_days),
    }
    return jwt.encode(claims, settings.resolved_secret_key, algorithm=ALGORITHM)


def user_from_token(token: str | None) -> User:
    """The user a valid token belongs to; AuthError for a missing, bad or expired one."""
    if not token:
        raise AuthError("log in first: no token given")
    token = token.removeprefix("Bearer ").strip()
    try:
        claims = jwt.decode(
            token,
            get_settings().resolved_secret_key,
            algorithms=[ALGORITHM],
            options={"require": ["exp", "sub"]},
        )
    except jwt.ExpiredSignatureError:
        raise AuthError("your session has expired: log in again") from None
    except jwt.InvalidTokenError:
        raise AuthError("invalid token: log in again") from None
    user = User.get_or_none(User.id == int(claims["sub"]))
    if user is None:
        raise AuthError("invalid token: log in again")
    return user
