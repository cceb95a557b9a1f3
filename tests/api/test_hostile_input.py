"""Hostile requests get the right 4xx in the studio's error format, never a 500 (issue 16)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api import install_error_handlers
from api.body_limit import BodyLimit
from tests.api.rest import rest_app

DEEP_ARRAY = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECT = b'{"a":' * 5_000 + b"1" + b"}" * 5_000


@pytest.fixture
def client(studio):
    with TestClient(
        rest_app(), base_url="http://testserver/api/v1", raise_server_exceptions=False
    ) as c:
        yield c


@pytest.fixture
def headers(client) -> dict:
    r = client.post(
        "/auth/register", json={"email": "mallory@example.com", "password": "s3cret-password"}
    )
    assert r.status_code == 201, r.text
    return {"authorization": f"Bearer {r.json()['token']}"}


def _error(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/json"
    return r.json()["error"]


def _credits(client, headers) -> int:
    return client.get("/users/credits", headers=headers).json()["credits"]


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT, b'{"prompt":' + DEEP_OBJECT + b"}"])
def test_deeply_nested_json_is_refused_without_charging(client, headers, body):
    r = client.post(
        "/jobs/image-generation",
        content=body,
        headers=headers | {"content-type": "application/json"},
    )
    assert r.status_code in (400, 422), r.text
    assert _error(r, r.status_code)["field"] == "body"
    assert _credits(client, headers) == 50


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT])
def test_deeply_nested_json_on_a_model_route_is_a_400(client, body):
    r = client.post("/auth/login", content=body, headers={"content-type": "application/json"})
    assert _error(r, 400)["code"] == "bad_request"


@pytest.mark.parametrize("path", ["/jobs", "/users/transactions", "/payments"])
@pytest.mark.parametrize("offset", ["9223372036854775808", "99999999999999999999999", "-1"])
def test_offsets_past_any_list_are_422(client, headers, path, offset):
    r = client.get(path, params={"offset": offset}, headers=headers)
    assert _error(r, 422)["field"] == "offset"


@pytest.mark.parametrize("subject", ["abc", "99999999999999999999999", "1.5", "-1", "٣", 7])
def test_a_signed_token_whose_subject_is_not_a_user_id_is_401(client, headers, subject):
    from studio.settings import get_settings

    key = get_settings().resolved_secret_key
    real = jwt.decode(headers["authorization"].split()[1], key, algorithms=["HS256"])
    exp = datetime.now(UTC) + timedelta(days=1)
    token = jwt.encode({"sub": subject, "jti": real["jti"], "exp": exp}, key, algorithm="HS256")
    r = client.get("/users/profile", headers={"authorization": f"Bearer {token}"})
    assert _error(r, 401)["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data; boundary=xx", b"--xx\r\nContent-Disposition: form-data\r\n\r\nzz"),
        ("multipart/form-data", b"no boundary at all"),
        ("multipart/form-data; boundary=xx", b"--xx\r\n\xff\xfe garbage"),
    ],
)
def test_broken_multipart_is_a_4xx_in_the_error_format(client, headers, content_type, body):
    r = client.post(
        "/jobs/image-generation", content=body, headers=headers | {"content-type": content_type}
    )
    assert r.status_code in (400, 422), r.text
    assert set(r.json()) == {"error"} and r.json()["error"]["message"]
    assert _credits(client, headers) == 50


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [
        ("text/plain", json.dumps({"prompt": "a cat"}).encode(), 415),
        ("application/x-www-form-urlencoded", b"prompt=a+cat", 415),
        ("", json.dumps({"prompt": "a cat"}).encode(), 415),
        ("application/json", json.dumps({"prompt": "a cat"}).encode("utf-16"), 422),
    ],
)
def test_job_bodies_must_be_json_or_the_features_multipart(
    client, headers, content_type, body, status
):
    r = client.post(
        "/jobs/image-generation", content=body, headers=headers | {"content-type": content_type}
    )
    assert _error(r, status)["field"] == "body"
    assert _credits(client, headers) == 50


def test_multipart_is_refused_by_a_feature_without_uploads(client, headers):
    r = client.post("/jobs/story-video", data={"topic": "the moon"}, headers=headers)
    assert _error(r, 415)["code"] == "unsupported_media_type"
    assert "application/json" in r.json()["error"]["message"]


def test_oversized_bodies_on_other_routes_are_413(client):
    r = client.post(
        "/auth/login",
        content=b'{"email": "' + b"a" * (2 * 2**20) + b'"}',
        headers={"content-type": "application/json"},
    )
    assert _error(r, 413)["code"] == "too_large"


def test_a_chunked_body_over_the_limit_is_refused_before_it_is_read_in_full(studio, headers):
    """Straight over ASGI: TestClient would read a streamed body in full before sending it."""
    chunk = b"x" * 2**20
    sent = 0
    messages: list[dict] = []

    async def receive() -> dict:
        nonlocal sent
        sent += 1
        return {"type": "http.request", "body": chunk, "more_body": sent < 60}

    async def send(message: dict) -> None:
        messages.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/jobs/image-generation",
        "raw_path": b"/api/v1/jobs/image-generation",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"transfer-encoding", b"chunked"),
            (b"authorization", headers["authorization"].encode()),
        ],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    asyncio.run(rest_app()(scope, receive, send))
    start = next(m for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    assert start["status"] == 413
    assert json.loads(body)["error"]["code"] == "too_large"
    assert sent <= 22  # the 21 MB limit of a feature with one upload, not all 60 MB


def test_a_bug_is_a_generic_500_with_a_request_id(studio, caplog):
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/boom")
    def boom() -> dict:
        raise RuntimeError("secret detail at 0x7f00deadbeef")

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/boom")
    error = _error(r, 500)
    assert "secret detail" not in r.text and "0x7f" not in r.text
    request_id = r.headers["x-request-id"]
    assert request_id in error["message"]
    logged = [rec for rec in caplog.records if request_id in rec.getMessage()]
    assert logged and "secret detail" in str(logged[0].exc_info[1])


def test_body_limit_leaves_other_paths_alone():
    seen: list[str] = []

    async def inner(scope, receive, send) -> None:
        seen.append(scope["path"])

    asyncio.run(BodyLimit(inner)({"type": "http", "path": "/", "headers": []}, None, None))
    assert seen == ["/"]
