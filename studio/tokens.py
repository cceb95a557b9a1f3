"""Login tokens: JWT HS256 with an expiry and a session id (`jti`) the server can revoke.

Wherever a login token is accepted, an API key (`sk_studio_…`, studio/api_keys.py) is too.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import jwt

from studio.api_keys import is_api_key, key_user
from studio.errors import AuthError
from studio.models import LoginSession, User, utcnow
from studio.settings import get_settings

logger = logging.getLogger(__name__)

ALGORITHM = "HS256"


def issue_token(user: User) -> str:
    """A signed token for a new session of this user, valid for the configured number of
    days."""
    settings = get_settings()
    now = datetime.now(UTC)
    expires = now + timedelta(days=settings.token_days)
    # Sessions that ended on their own are forgotten as the user starts new ones.
    LoginSession.delete().where(
        (LoginSession.user == user.id) & (LoginSession.expires_at < utcnow())
    ).execute()
    session = LoginSession.create(user=user.id, expires_at=expires.replace(tzinfo=None))
    claims = {"sub": str(user.id), "jti": session.id, "iat": now, "exp": expires}
    return jwt.encode(claims, settings.resolved_secret_key, algorithm=ALGORITHM)


def user_from_token(token: str | None, scope: str | None = None) -> User:
    """The user a valid token or API key belongs to; AuthError for a missing, bad, expired or
    revoked one. A scoped API key must hold `scope` (None: only unscoped keys pass)."""
    if token and is_api_key(token):
        return key_user(token, scope)
    session = _session(token)
    user = User.get_or_none(User.id == session.user_id)
    if user is None:
        raise AuthError("invalid token: log in again")
    return user


def revoke_token(token: str | None) -> bool:
    """End the session this token belongs to (log out); False when it was not a live one."""
    try:
        session = _session(token)
    except AuthError:
        return False
    LoginSession.update(revoked_at=utcnow()).where(LoginSession.id == session.id).execute()
    logger.info("logged out user_id=%s", session.user_id)
    return True


def revoke_other_sessions(user: User, keep_token: str | None) -> int:
    """End every session of this user but the one `keep_token` belongs to; how many ended."""
    # An API key is no session: with one, every login session ends.
    keep = _claims(keep_token).get("jti") if keep_token and not is_api_key(keep_token) else None
    ended = (
        LoginSession.update(revoked_at=utcnow())
        .where(
            (LoginSession.user == user.id)
            & LoginSession.revoked_at.is_null()
            & (LoginSession.id != (keep or ""))
        )
        .execute()
    )
    logger.info("ended %d other sessions user_id=%s", ended, user.id)
    return ended


def signed_user_id(token: str | None) -> int | None:
    """The user id a correctly signed, unexpired token names, without a database read (for
    counting requests per user); None otherwise."""
    try:
        return _user_id(_claims(token)["sub"])
    except AuthError:
        return None


def _claims(token: str | None) -> dict:
    if not token:
        raise AuthError("log in first: no token given")
    token = token.removeprefix("Bearer ").strip()
    try:
        return jwt.decode(
            token,
            get_settings().resolved_secret_key,
            algorithms=[ALGORITHM],
            options={"require": ["exp", "sub", "jti"]},
        )
    except jwt.ExpiredSignatureError:
        raise AuthError("your session has expired: log in again") from None
    except jwt.InvalidTokenError:
        raise AuthError("invalid token: log in again") from None


def _session(token: str | None) -> LoginSession:
    """The live session a token names: signed, unexpired, for a user id, and not revoked."""
    claims = _claims(token)
    user_id = _user_id(claims["sub"])
    session_id = claims["jti"]
    session = (
        LoginSession.get_or_none(LoginSession.id == session_id)
        if user_id is not None and isinstance(session_id, str) and len(session_id) <= 32
        else None
    )
    if session is None or session.user_id != user_id:
        raise AuthError("invalid token: log in again")
    if session.revoked_at is not None:
        raise AuthError("you have logged out of this session: log in again")
    return session


def _user_id(subject: object) -> int | None:
    """The user id a token names, or None when `sub` is not one (a forged or foreign token)."""
    if not isinstance(subject, str) or not subject.isascii() or not subject.isdigit():
        return None
    user_id = int(subject)
    return user_id if 0 < user_id < 2**63 else None
