"""User accounts: email + bcrypt password."""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import cache

import bcrypt
from peewee import IntegrityError

from studio.errors import AuthError, Conflict, Forbidden, NotFound, ValidationFailed
from studio.models import User
from studio.ratelimit import clear, hit, refuse_if_exhausted
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
    """NFKC-normalise, trim and lower-case an email address; ValidationFailed when it is not
    one (control or invisible characters, not exactly one @, over the length limits)."""
    email = unicodedata.normalize("NFKC", email or "").strip().lower()
    # Cc: control characters; Cf: zero-width and direction marks that hide a look-alike.
    hidden = any(unicodedata.category(ch) in ("Cc", "Cf") for ch in email)
    local = email.partition("@")[0]
    if hidden or len(email) > 254 or len(local) > 64 or not _EMAIL.match(email):
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


def authenticate(email: str, password: str, address: str | None = None) -> User:
    """The user with this email and password; AuthError otherwise (same message either way).

    After too many failures for the email (whether or not it has an account) or from the
    address, RateLimited until the window ends; a success clears the email's count.
    """
    try:
        email = normalise_email(email)
    except ValidationFailed:
        email = ""
    keys = [f"account:{email or '?'}"] + ([f"address:{address}"] if address else [])
    for key in keys:
        refuse_if_exhausted("login_failures", key, "too many failed logins")
    user = User.get_or_none(User.email == email) if email else None
    raw = (password or "").encode("utf-8")[:MAX_PASSWORD_BYTES]
    hashed = user.password_hash.encode() if user else _dummy_hash(get_settings().bcrypt_rounds)
    if not bcrypt.checkpw(raw, hashed) or user is None:
        for key in keys:
            hit("login_failures", key)
        raise AuthError("wrong email or password")
    clear("login_failures", keys[0])
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Replace a user's password after checking the current one (Forbidden when wrong)."""
    raw = (current_password or "").encode("utf-8")[:MAX_PASSWORD_BYTES]
    if not bcrypt.checkpw(raw, user.password_hash.encode()):
        raise Forbidden("the current password is wrong", field="currentPassword")
    try:
        new_hash = hash_password(new_password)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, field="newPassword") from None
    User.update(password_hash=new_hash).where(User.id == user.id).execute()
    user.password_hash = new_hash
    logger.info("password changed user_id=%s", user.id)


def get_user(user_id: int) -> User:
    user = User.get_or_none(User.id == user_id)
    if user is None:
        raise NotFound("no such user")
    return user
