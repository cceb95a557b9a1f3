"""Email verification for public deployments: the signup credits arrive when the emailed
link is opened (STUDIO_REQUIRE_EMAIL_VERIFICATION)."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from peewee import CharField, DateTimeField, ForeignKeyField

from billing.ledger import grant
from studio.db import write_transaction
from studio.errors import ValidationFailed
from studio.mail import send_mail
from studio.models import BaseModel, User, utcnow
from studio.settings import get_settings

logger = logging.getLogger(__name__)

INVALID = "this verification link is not valid or has expired; log in to get a new one"


class EmailVerification(BaseModel):
    """One account's pending or done verification (only the token's hash is stored)."""

    id: int  # peewee's implicit key, declared for type checkers
    user_id: int
    user = ForeignKeyField(User, unique=True, on_delete="CASCADE")
    token_hash = CharField(unique=True, max_length=64)
    sent_at = DateTimeField(default=utcnow)
    verified_at = DateTimeField(null=True)

    class Meta:
        table_name = "email_verifications"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def send_verification(user: User) -> bool:
    """A new link for `user` (an older one stops working); whether the email went out."""
    token = secrets.token_urlsafe(32)
    with write_transaction():
        row = EmailVerification.get_or_none(EmailVerification.user == user.id)
        if row is not None and row.verified_at is not None:
            return False
        if row is None:
            EmailVerification.create(user=user.id, token_hash=_hash(token))
        else:
            row.token_hash, row.sent_at = _hash(token), utcnow()
            row.save()
    settings = get_settings()
    link = f"{settings.resolved_public_url}/api/v1/auth/verify?token={token}"
    body = (
        f"Welcome to AI Studio.\n\nOpen this link to confirm your email and get your "
        f"{settings.signup_credits} free credits:\n\n{link}\n\n"
        f"It works for {settings.verification_days:g} days. If you did not sign up, ignore "
        "this email."
    )
    return send_mail(user.email, "Confirm your AI Studio account", body)


def verify(token: str) -> User:
    """Mark the account behind a link verified and grant its signup credits (once)."""
    row = EmailVerification.get_or_none(EmailVerification.token_hash == _hash(token or ""))
    days = get_settings().verification_days
    if row is None or (row.verified_at is None and row.sent_at < utcnow() - timedelta(days=days)):
        raise ValidationFailed(INVALID, field="token")
    with write_transaction():
        if row.verified_at is None:
            EmailVerification.update(verified_at=utcnow()).where(
                (EmailVerification.id == row.id) & EmailVerification.verified_at.is_null()
            ).execute()
        credits = get_settings().signup_credits
        if credits > 0:
            grant(row.user_id, credits, "signup bonus", key=f"signup:{row.user_id}")
    logger.info("email verified user_id=%s", row.user_id)
    return User.get_by_id(row.user_id)


def awaiting_verification(user: User) -> bool:
    """Whether the account still waits for its emailed link."""
    return (
        EmailVerification.select()
        .where((EmailVerification.user == user.id) & EmailVerification.verified_at.is_null())
        .exists()
    )
