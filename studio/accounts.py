"""User accounts: email + bcrypt password."""

from __future__ import annotations

import logging
import re
from functools import cache

import bcrypt
from peewee import IntegrityError

from studio.errors import AuthError, Conflict, NotFound, ValidationFailed
from studio.models import User
from studio.settings import get_settings

logger = logging.getLogger(__name__)

MIN_PASSWORD_BYTES = 8
MAX_PASSWORD_BYTES = 72  # bcrypt ignores anything past 72 bytes: refuse rather than truncate
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@cache
def _dummy_hash(rounds: int) -> bytes:
    """A real hash at full cost, checked when the email is unknown, so a login takes the same
    time whether or not the account exists."""
    return bcrypt.hashpw(b"not-a-real-password", bcrypt.gensalt(rounds))


def normalise_email(email: str) -> str:
    """Trim and lower-case an email address; raise ValidationFailed when it is not one."""
    email = (email or "").strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise ValidationFailed("must be a valid email address", field="email")
    return email


def check_password_rules(password: str) -> bytes:
    """The password as bytes if it is 8–72 bytes long, else ValidationFailed naming the rule."""
    raw = (password or "").encode("utf-8")
    if len(raw) < MIN_PASSWORD_BYTES:
        raise ValidationFailed(
            f"must be at least {MIN_PASSWORD_BYTES} characters long", field="password"
        )
    if len(raw) > MAX_PASSWORD_BYTES:
        raise ValidationFailed(
            f"must be at most {MAX_PASSWORD_BYTES} bytes long (bcrypt's limit)", field="password"
        )
    return raw


def hash_password(password: str) -> str:
    """A bcrypt hash of a password that follows the rules (slow on purpose: do it outside
    transactions)."""
    raw = check_password_rules(password)
    return bcrypt.hashpw(raw, bcrypt.gensalt(get_settings().bcrypt_rounds)).decode()


def create_user(email: str, password_hash: str) -> User:
    """Insert a user; Conflict when the email is taken."""
    email = normalise_email(email)
    try:
        with User._meta.database.atomic():
            user = User.create(email=email, password_hash=password_hash)
    except IntegrityError:
        raise Conflict("an account with this email already exists", field="email") from None
    logger.info("account created user_id=%s", user.id)
    return user


def authenticate(email: str, password: str) -> User:
    """The user with this email and password; AuthError otherwise (same message either way)."""
    try:
        email = normalise_email(email)
    except ValidationFailed:
        email = ""
    user = User.get_or_none(User.email == email) if email else None
    raw = (password or "").encode("utf-8")[:MAX_PASSWORD_BYTES]
    hashed = user.password_hash.encode() if user else _dummy_hash(get_settings().bcrypt_rounds)
    if not bcrypt.checkpw(raw, hashed) or user is None:
        raise AuthError("wrong email or password")
    return user


def get_user(user_id: int) -> User:
    user = User.get_or_none(User.id == user_id)
    if user is None:
        raise NotFound("no such user")
    return user
