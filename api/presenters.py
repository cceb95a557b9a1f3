"""camelCase views of users, ledger entries, packages, payments and API keys."""

from __future__ import annotations

from billing.payments import Package, Payment, format_amount
from studio.api_keys import ApiKey
from studio.models import LedgerEntry, User
from worker.views import iso


def user_view(user: User) -> dict:
    return {
        "id": user.id,
        "email": user.email,
        "credits": user.credits,
        "createdAt": iso(user.created_at),
    }


def entry_view(entry: LedgerEntry) -> dict:
    return {
        "id": entry.id,
        "amount": entry.amount,
        "reason": entry.reason,
        "jobId": entry.job_id,
        "createdAt": iso(entry.created_at),
    }


def package_view(package: Package) -> dict:
    return {
        "id": package.id,
        "name": package.name,
        "credits": package.credits,
        "priceCents": package.price_cents,
        "currency": package.currency,
        "price": package.price_text,
    }


def payment_view(payment: Payment) -> dict:
    return {
        "id": payment.id,
        "package": payment.package,
        "packageName": payment.package_name,
        "credits": payment.credits,
        "amount": payment.amount,
        "currency": payment.currency,
        "price": format_amount(payment.amount, payment.currency),
        "status": payment.status,
        "invoiceUrl": payment.invoice_url,
        "createdAt": iso(payment.created_at),
        "paidAt": iso(payment.paid_at),
    }


def key_view(key: ApiKey) -> dict:
    return {
        "id": key.id,
        "name": key.name,
        "prefix": key.prefix,
        "scopes": list(key.scopes or []),
        "createdAt": iso(key.created_at),
        "lastUsedAt": iso(key.last_used_at),
        "revokedAt": iso(key.revoked_at),
    }
