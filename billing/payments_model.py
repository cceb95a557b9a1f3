"""The payments table: one row per Stripe Checkout Session the studio opened."""

from __future__ import annotations

import threading

from peewee import (
    CharField,
    DatabaseError,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from studio.db import database
from studio.models import BaseModel, User, new_id, utcnow

# A payment's life: pending (Checkout open) → paid, or processing (Checkout completed, the
# bank transfer or similar is still settling) → paid | failed, or pending → expired.
PENDING, PROCESSING, PAID, FAILED, EXPIRED = "pending", "processing", "paid", "failed", "expired"
PAYMENT_STATES = (PENDING, PROCESSING, PAID, FAILED, EXPIRED)


class Payment(BaseModel):
    id = CharField(primary_key=True, max_length=32, default=new_id)
    user = ForeignKeyField(User, backref="payments", on_delete="CASCADE")
    package = CharField(max_length=50)
    package_name = CharField(max_length=100)
    credits = IntegerField()
    amount = IntegerField()  # in the currency's smallest unit (cents)
    currency = CharField(max_length=3)
    status = CharField(max_length=20, default=PENDING, index=True)
    session_id = CharField(null=True, unique=True, max_length=255)
    checkout_url = TextField(null=True)
    invoice_id = CharField(null=True, max_length=255)
    invoice_url = TextField(null=True)
    created_at = DateTimeField(default=utcnow, index=True)
    paid_at = DateTimeField(null=True)

    class Meta:
        table_name = "payments"


_lock = threading.Lock()
_ready_for: object | None = None


def ensure_tables() -> None:
    """Create the payments table once per database connection target.

    studio.db creates only studio's own tables; this keeps studio free of billing. Keyed on the
    underlying database object, which init_database replaces whenever the URL changes.
    """
    global _ready_for
    target = database.obj
    if target is None or target is _ready_for:
        return
    with _lock:
        if target is _ready_for:
            return
        try:
            database.create_tables([Payment], safe=True)
        except DatabaseError:
            # Another process may have created it at the same moment (PostgreSQL can report
            # that as a duplicate type even with IF NOT EXISTS).
            if not database.table_exists(Payment._meta.table_name):
                raise
        _ready_for = target
