"""An API key is the token of every gradio_client endpoint, until it is revoked."""

from __future__ import annotations

import httpx
import pytest

from tests.ui.gradio_calls import new_token


def test_an_api_key_works_as_the_gradio_token_until_revoked(client, live_server):
    token = new_token(client, "key")
    api = f"{live_server}/api/v1"
    login = {"authorization": f"Bearer {token}"}
    created = httpx.post(f"{api}/keys", json={"name": "gradio"}, headers=login).json()
    assert client.predict(created["key"], api_name="/credits") == 50
    listed = client.predict(created["key"], 5, 0, api_name="/list_jobs")
    assert listed["total"] == 0
    httpx.delete(f"{api}/keys/{created['id']}", headers=login).raise_for_status()
    with pytest.raises(Exception, match="revoked"):
        client.predict(created["key"], api_name="/credits")
