"""A new account with its welcome credits, in one transaction (or, when email verification
is required, once the emailed link is opened)."""

from __future__ import annotations

from billing.ledger import grant
from billing.verification import send_verification
from studio.accounts import create_user, hash_password, normalise_email
from studio.db import write_transaction
from studio.models import User
from studio.ratelimit import hit, refuse_if_exhausted
from studio.settings import get_settings


def register(email: str, password: str, address: str | None = None) -> User:
    """Create the account and grant the signup credits; both or neither. With the caller's
    `address`, RateLimited after STUDIO_SIGNUPS_PER_IP_DAY accounts from it (credit farming)."""
    if address:
        refuse_if_exhausted("signups", address, "too many new accounts from this address today")
    email = normalise_email(email)
    password_hash = hash_password(password)
    settings = get_settings()
    with write_transaction():
        user = create_user(email, password_hash)
        if settings.signup_credits > 0 and not settings.require_email_verification:
            grant(user.id, settings.signup_credits, "signup bonus", key=f"signup:{user.id}")
    if address:
        hit("signups", address)
    if settings.require_email_verification:
        send_verification(user)  # the credits come with the link
    return User.get_by_id(user.id)
