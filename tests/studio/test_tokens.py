"""Login sessions behind the tokens: revocation, forged subjects, expired rows."""

from __future__ import annotations

import time

import jwt
import pytest

from studio.errors import AuthError
from studio.models import LoginSession, User
from studio.tokens import issue_token, revoke_other_sessions, revoke_token, user_from_token


@pytest.fixture
def user(studio) -> User:
    return User.create(email="tok@example.com", password_hash="x")


def test_a_revoked_token_no_longer_names_its_user(user):
    token = issue_token(user)
    assert user_from_token(f"Bearer {token}").id == user.id
    assert revoke_token(token) is True
    with pytest.raises(AuthError, match="logged out"):
        user_from_token(token)
    assert revoke_token(token) is False
    assert revoke_token("garbage") is False


def test_revoke_other_sessions_keeps_the_given_one(user):
    keep, *others = (issue_token(user) for _ in range(3))
    assert revoke_other_sessions(user, keep) == 2
    assert user_from_token(keep).id == user.id
    for token in others:
        with pytest.raises(AuthError):
            user_from_token(token)


def test_tokens_without_a_live_session_are_refused(user, studio):
    real = jwt.decode(issue_token(user), studio.resolved_secret_key, algorithms=["HS256"])
    exp = time.time() + 60
    for claims in (
        {"sub": str(user.id), "exp": exp},  # issued before sessions existed
        {"sub": str(user.id), "jti": "0" * 32, "exp": exp},  # never issued
        {"sub": str(user.id + 1), "jti": real["jti"], "exp": exp},  # someone else's session
        {"sub": "9" * 30, "jti": real["jti"], "exp": exp},
    ):
        token = jwt.encode(claims, studio.resolved_secret_key, algorithm="HS256")
        with pytest.raises(AuthError):
            user_from_token(token)


def test_expired_sessions_are_forgotten_at_the_next_login(user, studio, monkeypatch):
    from tests.conftest import configure

    configure(monkeypatch, token_days="-1")
    expired = issue_token(user)
    configure(monkeypatch, token_days="7")
    issue_token(user)
    assert LoginSession.select().where(LoginSession.user == user.id).count() == 1
    with pytest.raises(AuthError, match="expired"):
        user_from_token(expired)
