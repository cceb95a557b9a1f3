"""camelCase views of users and ledger entries."""

from __future__ import annotations

from studio.models import LedgerEntry, User


def user_view(user: User) -> dict:
    return {
        "id": user.id,
        "email": user.email,
        "credits": user.credits,
        "createdAt": user.created_at.isoformat(timespec="seconds") + "Z",
    }


def entry_view(entry: LedgerEntry) -> dict:
    return {
        "id": entry.id,
        "amount": entry.amount,
        "reason": entry.reason,
        "jobId": entry.job_id,
        "createdAt": entry.created_at.isoformat(timespec="milliseconds") + "Z",
    }
