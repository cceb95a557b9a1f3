"""Abuse limits: request rates, login throttling and signups per address (issue 16)."""

from __future__ import annotations

import time

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api.rest import rest_app
from tests.conftest import configure

PASSWORD = "s3cret-password"
JOB = {"prompt": "a lighthouse"}


def _client(monkeypatch, address: str = "198.51.100.1", **limits: str) -> TestClient:
    configure(monkeypatch, **limits)
    return _on(rest_app(), address)


def _on(app: FastAPI, address: str) -> TestClient:
    """A client calling from this address."""
    return TestClient(app, base_url="http://testserver/api/v1", client=(address, 50000))


def _register(client, email: str) -> dict:
    r = client.post("/auth/register", json={"email": email, "password": PASSWORD})
    assert r.status_code == 201, r.text
    return {"authorization": f"Bearer {r.json()['token']}"}


def _assert_429(r, window: int = 15 * 60) -> int:
    assert r.status_code == 429, r.text
    assert r.json()["error"]["code"] == "rate_limited"
    retry_after = int(r.headers["retry-after"])
    assert 0 < retry_after <= window
    return retry_after


@pytest.fixture
def later(monkeypatch):
    """Move the limits' clock forward (instead of waiting out a window)."""
    import limits.storage.memory

    offset = [0.0]

    class Clock:
        @staticmethod
        def time() -> float:
            return time.time() + offset[0]

    monkeypatch.setattr(limits.storage.memory, "time", Clock)
    monkeypatch.setattr("studio.ratelimit.time", Clock)

    def advance(seconds: float) -> None:
        offset[0] += seconds

    return advance


def test_the_101st_write_in_15_minutes_is_429_and_charges_nothing(studio, monkeypatch):
    with _client(monkeypatch, rate_limit_writes="100/15minutes") as client:
        headers = _register(client, "busy@example.com")
        statuses = [
            client.post("/jobs/image-generation", json=JOB, headers=headers).status_code
            for _ in range(100)
        ]
        assert statuses.count(202) == 25 and set(statuses) == {202, 402}  # 2 credits a job
        credits = client.get("/users/credits", headers=headers).json()["credits"]
        total = client.get("/jobs", headers=headers).json()["total"]

        r = client.post("/jobs/image-generation", json=JOB, headers=headers)
        _assert_429(r)
        assert r.headers["ratelimit-limit"] == "100" and r.headers["ratelimit-remaining"] == "0"
        assert client.get("/users/credits", headers=headers).json()["credits"] == credits
        assert client.get("/jobs", headers=headers).json()["total"] == total
        # Per user: someone else on the same address still gets through.
        other = _register(client, "calm@example.com")
        r = client.post("/jobs/image-generation", json=JOB, headers=other)
        assert r.status_code == 202 and r.headers["ratelimit-remaining"] == "99"


def test_reads_have_their_own_budget_and_health_is_never_limited(studio, monkeypatch):
    with _client(monkeypatch, rate_limit_reads="3/minute") as client:
        headers = _register(client, "poller@example.com")
        remaining = [
            client.get("/jobs", headers=headers).headers["ratelimit-remaining"] for _ in range(3)
        ]
        assert remaining == ["2", "1", "0"]
        _assert_429(client.get("/users/credits", headers=headers))
        assert client.post("/jobs/image-generation", json=JOB, headers=headers).status_code == 202
        for _ in range(5):
            assert client.get("/health").status_code == 200


def test_an_empty_value_turns_a_limit_off(studio, monkeypatch):
    with _client(monkeypatch, rate_limit_reads="", rate_limit_writes="") as client:
        headers = _register(client, "free@example.com")
        r = client.get("/jobs", headers=headers)
        assert r.status_code == 200 and "ratelimit-limit" not in r.headers


def test_eleven_wrong_passwords_throttle_the_account_until_the_window_ends(
    studio, monkeypatch, later
):
    with _client(monkeypatch, login_failures="10/15minutes") as client:
        _register(client, "victim@example.com")
        wrong = {"email": "victim@example.com", "password": "guess-guess"}
        assert [client.post("/auth/login", json=wrong).status_code for _ in range(10)] == [401] * 10
        retry_after = _assert_429(client.post("/auth/login", json=wrong))
        right = {"email": "victim@example.com", "password": PASSWORD}
        throttled = client.post("/auth/login", json=right)
        _assert_429(throttled)
        later(retry_after + 1)
        assert client.post("/auth/login", json=right).status_code == 200
        # A success starts the account's count over.
        assert client.post("/auth/login", json=wrong).status_code == 401


def test_throttling_says_the_same_whether_or_not_the_account_exists(studio, monkeypatch):
    configure(monkeypatch, login_failures="2/15minutes")
    app = rest_app()
    messages = []
    for n, email in enumerate(("real@example.com", "ghost@example.com")):
        with _on(app, f"198.51.100.{10 + n}") as client:
            if email.startswith("real"):
                _register(client, email)
            body = {"email": email, "password": "guess-guess"}
            for _ in range(2):
                assert client.post("/auth/login", json=body).status_code == 401
            r = client.post("/auth/login", json=body)
            _assert_429(r)
            messages.append(r.json()["error"]["message"].split(":")[0])
    assert messages[0] == messages[1] == "too many failed logins"


def test_failures_from_one_address_throttle_it_across_accounts(studio, monkeypatch):
    with _client(monkeypatch, login_failures="5/15minutes") as client:
        _register(client, "someone@example.com")
        for n in range(5):
            body = {"email": f"spray-{n}@example.com", "password": "guess-guess"}
            assert client.post("/auth/login", json=body).status_code == 401
        right = {"email": "someone@example.com", "password": PASSWORD}
        _assert_429(client.post("/auth/login", json=right))
    with _on(rest_app(), "198.51.100.99") as elsewhere:  # the account itself is not locked
        assert elsewhere.post("/auth/login", json=right).status_code == 200


def test_signups_per_address_per_day(studio, monkeypatch):
    with _client(monkeypatch, signups_per_ip_day="3") as client:
        for n in range(3):
            _register(client, f"farm-{n}@example.com")
        r = client.post(
            "/auth/register", json={"email": "farm-3@example.com", "password": PASSWORD}
        )
        _assert_429(r, window=24 * 3600)
        assert "new accounts" in r.json()["error"]["message"]
        # X-Forwarded-For from an untrusted peer changes nothing.
        spoofed = client.post(
            "/auth/register",
            json={"email": "farm-4@example.com", "password": PASSWORD},
            headers={"x-forwarded-for": "203.0.113.9"},
        )
        assert spoofed.status_code == 429
    with _on(rest_app(), "198.51.100.2") as neighbour:  # another address has its own count
        _register(neighbour, "farm-5@example.com")
