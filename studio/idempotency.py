"""Idempotent requests: the same Idempotency-Key and body within 24 h gives the first answer.

The first request with a key claims it by inserting a row (unique per user and key); a
concurrent twin finds the row and waits for the first one's answer instead of doing the work
again, so two submits with one key make one job and one charge.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, IntegrityError

from studio.db import database
from studio.errors import Conflict, ValidationFailed
from studio.models import BaseModel, JSONText, User, utcnow

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
KEEP = timedelta(hours=24)
MAX_KEY_LENGTH = 255
WAIT_SECONDS = 60.0  # how long a twin waits for the first request's answer
POLL_SECONDS = 0.05


class IdempotencyRecord(BaseModel):
    id: int
    user_id: int
    user = ForeignKeyField(User, on_delete="CASCADE")
    key = CharField(max_length=MAX_KEY_LENGTH)
    fingerprint = CharField(max_length=64)  # SHA-256 of what was asked (route + body)
    status_code = IntegerField(null=True)  # null while the first request is still working
    response: Any = JSONText(null=True)
    created_at = DateTimeField(default=utcnow, index=True)

    class Meta:
        table_name = "idempotency_records"
        indexes = ((("user", "key"), True),)


def fingerprint(route: str, body: dict[str, Any]) -> str:
    """A digest of a request: the route and its fields (uploaded bytes by their own digest)."""
    fields = {
        name: {"sha256": hashlib.sha256(value).hexdigest()} if isinstance(value, bytes) else value
        for name, value in body.items()
    }
    canonical = json.dumps([route, fields], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: str) -> str:
    """The key as given, or ValidationFailed naming the header."""
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ValidationFailed(
            f"must be 1–{MAX_KEY_LENGTH} printable ASCII characters (a UUID is ideal)", HEADER
        )
    return key


def run_once(
    user_id: int, key: str, digest: str, work: Callable[[], tuple[int, dict[str, Any]]]
) -> tuple[int, dict[str, Any], bool]:
    """(status, body, replayed): `work()`'s answer, or the stored answer of the first request
    that used this key. A studio error from `work` frees the key (nothing was done)."""
    check_key(key)
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        record = _claim(user_id, key, digest)
        if record is None:
            break
        if record.fingerprint != digest:
            raise ValidationFailed("this key was already used for a different request", HEADER)
        if record.status_code is not None:
            logger.info("idempotent replay user_id=%s key_id=%s", user_id, record.id)
            return record.status_code, record.response, True
        if time.monotonic() > deadline:
            raise Conflict("a request with this key is still being processed; retry", HEADER)
        time.sleep(POLL_SECONDS)
    try:
        status, body = work()
    except BaseException:
        _release(user_id, key)
        raise
    IdempotencyRecord.update(status_code=status, response=body).where(
        (IdempotencyRecord.user == user_id) & (IdempotencyRecord.key == key)
    ).execute()
    return status, body, False


def replayed_header(replayed: bool) -> dict[str, str]:
    """The header telling a client it got a stored answer."""
    return {"Idempotent-Replayed": "true"} if replayed else {}


def _claim(user_id: int, key: str, digest: str) -> IdempotencyRecord | None:
    """None when this call claimed the key; else the live record another request holds."""
    IdempotencyRecord.delete().where(
        (IdempotencyRecord.user == user_id)
        & (IdempotencyRecord.key == key)
        & (IdempotencyRecord.created_at < utcnow() - KEEP)
    ).execute()
    try:
        with database.atomic():
            IdempotencyRecord.create(user=user_id, key=key, fingerprint=digest)
        return None
    except IntegrityError:
        record = IdempotencyRecord.get_or_none(
            (IdempotencyRecord.user == user_id) & (IdempotencyRecord.key == key)
        )
        # Gone already: the first request failed and freed it; try to claim it again.
        return record if record is not None else _claim(user_id, key, digest)


def _release(user_id: int, key: str) -> None:
    IdempotencyRecord.delete().where(
        (IdempotencyRecord.user == user_id)
        & (IdempotencyRecord.key == key)
        & IdempotencyRecord.status_code.is_null()
    ).execute()


def forget_expired() -> int:
    """Delete records older than 24 h (the worker's maintenance calls this)."""
    return (
        IdempotencyRecord.delete().where(IdempotencyRecord.created_at < utcnow() - KEEP).execute()
    )
