"""API keys: stored hashed, shown once, revocable, scoped."""

from __future__ import annotations

import pytest

from studio.api_keys import ApiKey, create_key, list_keys, revoke_key
from studio.errors import AuthError, Forbidden, NotFound, ValidationFailed
from studio.tokens import user_from_token
from tests.factories import new_user


def test_a_key_names_its_user_until_revoked(studio):
    user = new_user()
    key, secret = create_key(user, "ci")
    assert secret.startswith("sk_studio_") and len(secret) > 40
    assert secret not in {v for v in ApiKey.select().dicts().get().values() if isinstance(v, str)}
    assert key.prefix == secret[: len(key.prefix)]
    assert user_from_token(f"Bearer {secret}").id == user.id
    assert ApiKey.get_by_id(key.id).last_used_at is not None
    revoke_key(user, key.id)
    with pytest.raises(AuthError, match="revoked"):
        user_from_token(secret)
    with pytest.raises(AuthError):
        user_from_token(secret[:-1] + ("A" if secret[-1] != "A" else "B"))


def test_another_users_key_cannot_be_revoked(studio):
    owner, other = new_user(), new_user()
    key, secret = create_key(owner, "mine")
    with pytest.raises(NotFound):
        revoke_key(other, key.id)
    assert user_from_token(secret).id == owner.id
    assert [k.id for k in list_keys(owner)] == [key.id] and list_keys(other) == []


def test_scoped_keys_only_pass_where_their_scope_does(studio):
    user = new_user()
    _, secret = create_key(user, "reader", ["jobs:read"])
    assert user_from_token(secret, "jobs:read").id == user.id
    with pytest.raises(Forbidden, match="jobs:read"):
        user_from_token(secret, "jobs:write")
    with pytest.raises(Forbidden):
        user_from_token(secret)  # routes that want full access (and the Gradio API)


@pytest.mark.parametrize(
    ("name", "scopes", "field"),
    [("", [], "name"), ("x", ["admin"], "scopes"), ("\x00", [], "name")],
)
def test_bad_key_requests_are_refused(studio, name, scopes, field):
    with pytest.raises(ValidationFailed) as caught:
        create_key(new_user(), name, scopes)
    assert caught.value.field == field
    assert ApiKey.select().count() == 0
