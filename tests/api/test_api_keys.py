"""API keys over REST: create → use → revoke → 401; scopes; never shown twice."""

from __future__ import annotations

import pytest

from tests.api.rest import PASSWORD, new_account, rest_client


@pytest.fixture
def client(studio):
    with rest_client() as c:
        yield c


@pytest.fixture
def account(client) -> dict:
    return new_account(client, email="kim@example.com")


def test_create_use_revoke(client, account):
    r = client.post("/keys", json={"name": "nightly renders"}, headers=account)
    assert r.status_code == 201, r.text
    created = r.json()
    secret = created["key"]
    assert secret.startswith(created["prefix"]) and created["scopes"] == []
    with_key = {"authorization": f"Bearer {secret}"}
    assert client.get("/users/credits", headers=with_key).json() == {"credits": 50}
    listed = client.get("/keys", headers=with_key).json()["keys"]
    assert [k["id"] for k in listed] == [created["id"]]
    assert "key" not in listed[0] and listed[0]["lastUsedAt"] is not None
    assert client.delete(f"/keys/{created['id']}", headers=account).json()["revokedAt"]
    r = client.get("/users/credits", headers=with_key)
    assert r.status_code == 401 and "revoked" in r.json()["error"]["message"]


def test_a_scoped_key_reads_jobs_but_cannot_submit_or_make_keys(client, account):
    body = {"name": "dashboard", "scopes": ["jobs:read"]}
    secret = client.post("/keys", json=body, headers=account).json()["key"]
    reader = {"authorization": f"Bearer {secret}"}
    assert client.get("/jobs", headers=reader).status_code == 200
    submit = client.post("/jobs/image-generation", json={"prompt": "a cat"}, headers=reader)
    assert submit.status_code == 403 and "jobs:write" in submit.json()["error"]["message"]
    assert client.post("/keys", json={"name": "escalate"}, headers=reader).status_code == 403
    assert client.get("/users/credits", headers=account).json() == {"credits": 50}


def test_unknown_scope_is_422_and_creates_nothing(client, account):
    r = client.post("/keys", json={"name": "x", "scopes": ["root"]}, headers=account)
    assert r.status_code == 422 and r.json()["error"]["field"] == "scopes"
    assert client.get("/keys", headers=account).json() == {"keys": []}


def test_logout_with_a_key_ends_nothing_and_a_password_change_ends_every_session(client, account):
    secret = client.post("/keys", json={"name": "ops"}, headers=account).json()["key"]
    with_key = {"authorization": f"Bearer {secret}"}
    assert client.post("/auth/logout", headers=with_key).json() == {"loggedOut": False}
    r = client.post(
        "/users/password",
        json={"currentPassword": PASSWORD, "newPassword": "another-pw-1"},
        headers=with_key,
    )
    assert r.status_code == 200 and r.json()["otherSessionsEnded"] == 1
    assert client.get("/users/credits", headers=account).status_code == 401
    assert client.get("/users/credits", headers=with_key).status_code == 200
