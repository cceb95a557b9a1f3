"""Database tables: users, the credit ledger, jobs (the job row is the truth) and login
sessions."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from studio.db import database

PENDING, PROCESSING, COMPLETED, FAILED, CANCELLED = (
    "pending",
    "processing",
    "completed",
    "failed",
    "cancelled",
)
ACTIVE_STATES = (PENDING, PROCESSING)
FINAL_STATES = (COMPLETED, FAILED, CANCELLED)


def utcnow() -> datetime:
    """Naive UTC now (what both SQLite and PostgreSQL columns store)."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_id() -> str:
    return uuid.uuid4().hex


class JSONText(TextField):
    """JSON stored as text: identical on SQLite and PostgreSQL."""

    def db_value(self, value: Any) -> str | None:
        return None if value is None else json.dumps(value, separators=(",", ":"))

    def python_value(self, value: str | None) -> Any:
        return None if value is None else json.loads(value)


class BaseModel(Model):
    class Meta:
        database = database


class User(BaseModel):
    id: int  # peewee's implicit auto-increment key, declared for type checkers
    email = CharField(unique=True, max_length=254)
    password_hash = CharField(max_length=100)
    # A cached balance for the conditional debit; the ledger is the record and
    # every change to this column is written in the same transaction as its entry.
    credits = IntegerField(default=0)
    is_admin = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "users"


class LedgerEntry(BaseModel):
    id: int
    user_id: int  # the foreign key's column, as peewee exposes it
    user = ForeignKeyField(User, backref="ledger", on_delete="CASCADE")
    amount = IntegerField()
    reason = CharField(max_length=200)
    key = CharField(unique=True, max_length=200)  # idempotency: one entry per key, ever
    job_id = CharField(null=True, max_length=32, index=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "ledger_entries"


class Job(BaseModel):
    id = CharField(primary_key=True, max_length=32, default=new_id)
    user_id: int
    user = ForeignKeyField(User, backref="jobs", on_delete="CASCADE")
    feature = CharField(max_length=50)
    status = CharField(max_length=20, default=PENDING, index=True)
    params: Any = JSONText(default=dict)
    credits_charged = IntegerField()
    progress = FloatField(default=0.0)
    stage = CharField(max_length=200, default="Queued")
    preview = TextField(null=True)  # storage key of the latest preview image
    error = TextField(null=True)
    outputs: Any = JSONText(default=list)  # [{name, key, contentType, size}]
    metrics: Any = JSONText(default=dict)
    attempts = IntegerField(default=0)
    worker_id = CharField(null=True, max_length=100)
    lease_expires_at = DateTimeField(null=True, index=True)
    cancel_requested = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow, index=True)
    enqueued_at = DateTimeField(null=True)
    started_at = DateTimeField(null=True)
    finished_at = DateTimeField(null=True)
    processing_time = FloatField(null=True)
    expired_at = DateTimeField(null=True)  # when retention deleted its files (the row stays)
    request_id = CharField(null=True, max_length=32)  # the submitting request's, for the logs

    class Meta:
        table_name = "jobs"


class LoginSession(BaseModel):
    """One issued login token (its `jti`): logging out or changing the password revokes it."""

    id = CharField(primary_key=True, max_length=32, default=new_id)
    user_id: int
    user = ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField(index=True)
    revoked_at = DateTimeField(null=True)

    class Meta:
        table_name = "login_sessions"


class WorkerBeat(BaseModel):
    """A worker process's latest heartbeat: what it serves, what it runs, its GPUs."""

    id = CharField(primary_key=True, max_length=100)  # host:pid
    host = CharField(max_length=100)
    queues = CharField(max_length=200)
    started_at = DateTimeField(default=utcnow)
    last_seen = DateTimeField(default=utcnow, index=True)
    running = IntegerField(default=0)  # jobs it holds now
    gpus: Any = JSONText(default=list)  # [{index, name, utilization, memoryUsed, memoryTotal}]

    class Meta:
        table_name = "workers"


ALL_MODELS = [User, LedgerEntry, Job, LoginSession, WorkerBeat]
