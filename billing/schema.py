"""Every table the studio uses, created once at start-up by the app, the worker and the CLIs."""

from __future__ import annotations

from billing.payments_model import Payment
from billing.verification import EmailVerification
from studio.api_keys import ApiKey
from studio.db import create_tables
from studio.idempotency import IdempotencyRecord
from studio.models import ALL_MODELS
from studio.webhook_models import WEBHOOK_MODELS

TABLES = (*ALL_MODELS, Payment, EmailVerification, ApiKey, IdempotencyRecord, *WEBHOOK_MODELS)


def create_all_tables() -> None:
    """Create the missing tables (safe to call from several processes at once)."""
    create_tables(TABLES)
