"""Accounts and tokens."""

from __future__ import annotations

import time

import bcrypt
import jwt
import pytest

from billing.signup import register
from studio.accounts import authenticate
from studio.errors import AuthError, Conflict, ValidationFailed
from studio.models import User
from studio.tokens import issue_token, user_from_token
from tests.conftest import configure


def test_register_normalises_email_and_hashes_with_cost_12(studio, monkeypatch):
    configure(monkeypatch, bcrypt_rounds="12")  # the product's cost (the suite uses 4)
    user = register("  Ada@Example.COM ", "analytical engine")
    assert user.email == "ada@example.com"
    assert user.password_hash.startswith("$2b$12$")
    assert bcrypt.checkpw(b"analytical engine", user.password_hash.encode())
    assert authenticate("ADA@example.com", "analytical engine").id == user.id
    with pytest.raises(Conflict):
        register("ada@example.com", "another password")
    assert User.select().count() == 1


@pytest.mark.parametrize(
    ("email", "password", "field"),
    [
        ("not-an-email", "long enough", "email"),
        ("a@b.co", "1234567", "password"),
        ("a@b.co", "x" * 73, "password"),
    ],
)
def test_bad_registration_changes_nothing(studio, email, password, field):
    with pytest.raises(ValidationFailed) as error:
        register(email, password)
    assert error.value.field == field
    assert User.select().count() == 0


def test_wrong_password_and_unknown_email_look_the_same(studio):
    register("bob@example.com", "correct password")
    with pytest.raises(AuthError, match="wrong email or password"):
        authenticate("bob@example.com", "wrong password")
    with pytest.raises(AuthError, match="wrong email or password"):
        authenticate("nobody@example.com", "correct password")


def test_tokens(studio, monkeypatch):
    user = register("tok@example.com", "correct password")
    token = issue_token(user)
    assert user_from_token(token).id == user.id
    assert user_from_token(f"Bearer {token}").id == user.id
    claims = jwt.decode(token, options={"verify_signature": False})
    assert 6.9 * 86400 < claims["exp"] - claims["iat"] <= 7 * 86400

    forged = jwt.encode({"sub": str(user.id), "exp": time.time() + 60}, "wrong-key", "HS256")
    unsigned = jwt.encode({"sub": str(user.id), "exp": time.time() + 60}, None, "none")
    for bad in (forged, unsigned, token[:-2] + "xx", "", None):
        with pytest.raises(AuthError):
            user_from_token(bad)

    from tests.conftest import configure

    configure(monkeypatch, token_days="-0.001")
    with pytest.raises(AuthError, match="expired"):
        user_from_token(issue_token(user))


def test_secret_key_is_generated_once_with_0600(studio):
    path = studio.data_dir / "secret_key"
    first = studio.resolved_secret_key
    assert path.stat().st_mode & 0o777 == 0o600
    assert studio.resolved_secret_key == first and len(first) > 40
