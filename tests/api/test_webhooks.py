"""Webhook endpoints over REST: register, test event, delivery log, delete; SSRF refusals."""

from __future__ import annotations

import json

import pytest

from studio.models import Job
from tests.api.rest import rest_client
from tests.conftest import configure
from tests.webhook_receiver import Receiver
from worker.webhook_signature import verify


def _account(client) -> dict:
    r = client.post("/auth/register", json={"email": "web@example.com", "password": "s3cret-pw"})
    return {"authorization": f"Bearer {r.json()['token']}"}


def test_loopback_targets_are_refused_by_default_and_nothing_is_charged(studio):
    with rest_client() as client:
        headers = _account(client)
        r = client.post("/webhooks", json={"url": "http://127.0.0.1:9/x"}, headers=headers)
        assert r.status_code == 422 and r.json()["error"]["field"] == "url"
        job = {"prompt": "a cat", "webhookUrl": "http://localhost:9/x"}
        r = client.post("/jobs/image-generation", json=job, headers=headers)
        assert r.status_code == 422 and r.json()["error"]["field"] == "webhookUrl"
        assert client.get("/users/credits", headers=headers).json() == {"credits": 50}
        assert client.get("/webhooks", headers=headers).json() == {"webhooks": []}
    assert Job.select().count() == 0


@pytest.fixture
def receiver():
    r = Receiver(answers=[500])
    yield r
    r.close()


def test_register_send_a_test_event_read_the_log_delete(studio, monkeypatch, receiver):
    configure(monkeypatch, webhook_allow_private="true")
    with rest_client() as client:
        headers = _account(client)
        r = client.post(
            "/webhooks", json={"url": receiver.url, "events": ["job.completed"]}, headers=headers
        )
        assert r.status_code == 201, r.text
        endpoint = r.json()
        assert endpoint["secret"].startswith("whsec_") and endpoint["events"] == ["job.completed"]
        bad = client.post("/webhooks", json={"url": receiver.url, "events": ["x"]}, headers=headers)
        assert bad.status_code == 422 and bad.json()["error"]["field"] == "events"
        first = client.post(f"/webhooks/{endpoint['id']}/test", headers=headers).json()
        assert (first["status"], first["lastStatusCode"]) == ("failed", 500)
        second = client.post(f"/webhooks/{endpoint['id']}/test", headers=headers).json()
        assert (second["status"], second["attempts"]) == ("delivered", 1)
        log = client.get(f"/webhooks/{endpoint['id']}/deliveries", headers=headers).json()
        assert [d["id"] for d in log["deliveries"]] == [second["id"], first["id"]]
        sent = receiver.received[-1]
        assert json.loads(sent["body"])["type"] == "webhook.test"
        assert verify(endpoint["secret"], sent["body"], sent["headers"]["Studio-Signature"])
        assert client.delete(f"/webhooks/{endpoint['id']}", headers=headers).status_code == 200
        assert client.get("/webhooks", headers=headers).json() == {"webhooks": []}
        gone = client.get(f"/webhooks/{endpoint['id']}/deliveries", headers=headers)
        assert gone.status_code == 404
        secret = client.get("/webhooks/signing-secret", headers=headers).json()["secret"]
        assert secret.startswith("whsec_") and secret != endpoint["secret"]
