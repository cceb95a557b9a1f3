"""The payments table: one row per Stripe Checkout Session the studio opened."""

from __future__ import annotations

from peewee import (
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from studio.models import BaseModel, User, new_id, utcnow

# A payment's life: pending (Checkout open) → paid, or processing (Checkout completed, the
# bank transfer or similar is still settling) → paid | failed, or pending → expired.
PENDING, PROCESSING, PAID, FAILED, EXPIRED = "pending", "processing", "paid", "failed", "expired"
PAYMENT_STATES = (PENDING, PROCESSING, PAID, FAILED, EXPIRED)


class Payment(BaseModel):
    id = CharField(primary_key=True, max_length=32, default=new_id)
    user_id: int
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
