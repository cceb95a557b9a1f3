"""API keys: long-lived `sk_studio_…` bearer tokens for programs, stored only as hashes.

A key is shown once, when it is created; the database keeps its SHA-256 (a key has 256 bits
of randomness, so a fast hash is enough to look it up and useless to guess from) and a short
prefix to recognise it in lists. Revoking is immediate.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta
from typing import Any

from peewee import CharField, DateTimeField, ForeignKeyField

from studio.errors import AuthError, Forbidden, NotFound, ValidationFailed
from studio.models import BaseModel, JSONText, User, new_id, utcnow

logger = logging.getLogger(__name__)

PREFIX = "sk_studio_"
# A key with no scopes may do everything its user may; scopes narrow a REST key.
SCOPES = ("jobs:write", "jobs:read", "billing:read")
MAX_KEYS = 50  # per user: plenty for scripts and CI, not an unbounded table
LAST_USED_EVERY = timedelta(seconds=60)  # one write a minute per key, not one per request


class ApiKey(BaseModel):
    id = CharField(primary_key=True, max_length=32, default=new_id)
    user_id: int
    user = ForeignKeyField(User, backref="api_keys", on_delete="CASCADE")
    name = CharField(max_length=100)
    prefix = CharField(max_length=24)  # `sk_studio_` and the first characters, for lists
    key_hash = CharField(max_length=64, unique=True)
    scopes: Any = JSONText(default=list)
    created_at = DateTimeField(default=utcnow)
    last_used_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)

    class Meta:
        table_name = "api_keys"


def is_api_key(token: str | None) -> bool:
    """Whether a bearer token is an API key (rather than a login token)."""
    return bool(token) and str(token).removeprefix("Bearer ").strip().startswith(PREFIX)


def create_key(user: User, name: str, scopes: list[str] | None = None) -> tuple[ApiKey, str]:
    """A new key for this user and its secret (the only time the secret exists in clear)."""
    name = (name or "").strip()
    if not name or len(name) > 100 or not name.isprintable():
        raise ValidationFailed("give the key a name of 1–100 printable characters", "name")
    scopes = sorted(set(scopes or []))
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValidationFailed(f"unknown scope {unknown[0]!r}; use {', '.join(SCOPES)}", "scopes")
    live = ApiKey.select().where((ApiKey.user == user.id) & ApiKey.revoked_at.is_null()).count()
    if live >= MAX_KEYS:
        raise ValidationFailed(f"at most {MAX_KEYS} keys: revoke one first", "name")
    secret = PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.create(
        user=user.id,
        name=name,
        prefix=secret[: len(PREFIX) + 6],
        key_hash=_hash(secret),
        scopes=scopes,
    )
    logger.info("api key created user_id=%s key_id=%s", user.id, key.id)
    return key, secret


def list_keys(user: User) -> list[ApiKey]:
    """The user's keys, newest first, revoked ones included (they show when they ended)."""
    return list(
        ApiKey.select()
        .where(ApiKey.user == user.id)
        .order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
    )


def revoke_key(user: User, key_id: str) -> ApiKey:
    """Revoke one of the user's keys at once; another user's key is NotFound."""
    key = ApiKey.get_or_none((ApiKey.id == str(key_id)) & (ApiKey.user == user.id))
    if key is None:
        raise NotFound("no such API key", field="id")
    if key.revoked_at is None:
        ApiKey.update(revoked_at=utcnow()).where(ApiKey.id == key.id).execute()
        logger.info("api key revoked user_id=%s key_id=%s", user.id, key.id)
    return ApiKey.get_by_id(key.id)


def key_user(token: str, scope: str | None = None) -> User:
    """The user a live API key belongs to; AuthError for an unknown or revoked key, Forbidden
    when a scoped key lacks `scope` (None: the caller needs a key without scopes)."""
    secret = token.removeprefix("Bearer ").strip()
    key = ApiKey.get_or_none(ApiKey.key_hash == _hash(secret))
    if key is None:
        raise AuthError("invalid API key")
    if key.revoked_at is not None:
        raise AuthError("this API key was revoked")
    if key.scopes and scope not in key.scopes:
        needed = scope or "a key without scopes"
        raise Forbidden(f"this API key's scopes ({', '.join(key.scopes)}) do not allow {needed}")
    user = User.get_or_none(User.id == key.user_id)
    if user is None:
        raise AuthError("invalid API key")
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_EVERY:
        ApiKey.update(last_used_at=now).where(ApiKey.id == key.id).execute()
    return user


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()
