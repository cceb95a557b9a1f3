"""The credit ledger: append-only entries with unique keys.

`users.credits` is a cached balance used for the conditional debit; it only
ever changes in the same transaction as the entry that explains it, so the
balance always equals the sum of the entries.
"""

from __future__ import annotations

import logging

from peewee import SQL, IntegrityError, fn

from studio.db import database
from studio.errors import InsufficientCredits
from studio.models import LedgerEntry, User

logger = logging.getLogger(__name__)


def grant(user_id: int, amount: int, reason: str, key: str, job_id: str | None = None) -> bool:
    """Add credits once per key; False (and no change) if the key was already used."""
    if amount <= 0:
        raise ValueError("a grant must be positive")
    try:
        with database.atomic():
            LedgerEntry.create(user=user_id, amount=amount, reason=reason, key=key, job_id=job_id)
            User.update(credits=User.credits + amount).where(User.id == user_id).execute()
    except IntegrityError:
        logger.info("ledger key already used, nothing granted key=%s", key)
        return False
    return True


def debit(user_id: int, amount: int, reason: str, key: str, job_id: str | None = None) -> None:
    """Take credits, never below zero; InsufficientCredits when the balance is short.

    Call inside the caller's transaction so the debit and what it pays for commit together.
    """
    if amount <= 0:
        raise ValueError("a debit must be positive")
    with database.atomic():
        # The WHERE makes the check and the update one step, whatever runs concurrently.
        taken = (
            User.update(credits=User.credits - amount)
            .where((User.id == user_id) & (User.credits >= amount))
            .execute()
        )
        if taken != 1:
            balance = User.select(User.credits).where(User.id == user_id).scalar() or 0
            raise InsufficientCredits(
                f"this needs {amount} credits and you have {balance}", field="credits"
            )
        LedgerEntry.create(user=user_id, amount=-amount, reason=reason, key=key, job_id=job_id)


def balance(user_id: int) -> int:
    """The user's current balance."""
    return User.select(User.credits).where(User.id == user_id).scalar() or 0


def ledger_sum(user_id: int) -> int:
    """The sum of the user's entries (equals balance(); checked by tests)."""
    total = (
        LedgerEntry.select(fn.COALESCE(fn.SUM(LedgerEntry.amount), 0))
        .where(LedgerEntry.user == user_id)
        .scalar()
    )
    return int(total or 0)


def history(user_id: int, limit: int = 100, offset: int = 0) -> list[LedgerEntry]:
    """The user's entries, newest first."""
    return list(
        LedgerEntry.select()
        .where(LedgerEntry.user == user_id)
        .order_by(LedgerEntry.created_at.desc(), SQL("id DESC"))
        .limit(limit)
        .offset(offset)
    )
