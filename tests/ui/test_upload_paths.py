"""The file-read hole: a file argument naming a server path never reaches a job or the cache.

Driven as an attacker would: raw `/gradio_api/call/<endpoint>` requests and a gradio_client
whose upload step is skipped (so the server path travels as it is), for every endpoint that
takes a file, with and without a valid token.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import pytest
from gradio_client import Client, handle_file
from gradio_client.client import Endpoint

from pipelines.registry import FEATURES

FILE_ENDPOINTS = [(f.id, u.name) for f in FEATURES.values() for u in f.uploads]


def _file(path: str) -> dict:
    return {"path": path, "meta": {"_type": "gradio.FileData"}}


def _call(base: str, api_name: str, data: list) -> tuple[str, object]:
    """POST /gradio_api/call/<api_name>, then read its event stream: (event, payload)."""
    started = httpx.post(f"{base}/gradio_api/call/{api_name}", json={"data": data}, timeout=30)
    if started.status_code != 200:
        return "rejected", started.text
    event_id = started.json()["event_id"]
    event, payload = None, None
    with httpx.stream("GET", f"{base}/gradio_api/call/{api_name}/{event_id}", timeout=60) as r:
        for line in r.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                payload = json.loads(line.split(":", 1)[1].strip() or "null")
                if event in ("complete", "error"):
                    return event, payload
    return event or "none", payload


def _arguments(base: str, feature_id: str, token: str, field: str, value: dict) -> list:
    """The endpoint's positional arguments: defaults, the token, and `value` in `field`."""
    info = httpx.get(f"{base}/gradio_api/info", timeout=30).json()
    params = info["named_endpoints"][f"/{feature_id}"]["parameters"]
    data = []
    for p in params:
        name = p["parameter_name"]
        if name == "token":
            data.append(token)
        elif name == field:
            data.append(value)
        elif p.get("parameter_has_default"):
            data.append(p.get("parameter_default"))
        else:
            data.append("a test prompt")
    return data


def _cached_files(cache: Path) -> set[Path]:
    return {p for p in cache.rglob("*") if p.is_file()} if cache.exists() else set()


@pytest.fixture(scope="module")
def server(stub_server):
    """The stub server (tests/stub_runs.py): what is probed here is Gradio's file handling."""
    return stub_server


@pytest.fixture(scope="module")
def account(server):
    email = f"probe-{uuid.uuid4().hex[:8]}@example.com"
    r = httpx.post(
        f"{server}/api/v1/auth/register", json={"email": email, "password": "probe-password"}
    )
    assert r.status_code == 201, r.text
    return r.json()["token"]


def _credits(server: str, token: str) -> int:
    r = httpx.get(f"{server}/api/v1/users/credits", headers={"Authorization": f"Bearer {token}"})
    return r.json()["credits"]


def _jobs(server: str, token: str) -> int:
    r = httpx.get(f"{server}/api/v1/jobs", headers={"Authorization": f"Bearer {token}"})
    return r.json()["total"]


def _targets(server_paths) -> list[str]:
    data_dir, _ = server_paths
    return [
        "/etc/passwd",
        str(data_dir / "secret_key"),
        str(data_dir / "studio.db"),
        str(data_dir / "no-such-file.png"),
        "http://127.0.0.1:9/loopback.png",  # a URL: the server must not fetch it for us
    ]


@pytest.fixture(scope="module")
def server_paths(server):
    """The live server's data directory and Gradio cache (tests/conftest.py lays them out)."""
    from tests.conftest import LIVE_ROOT

    root = LIVE_ROOT[server]
    return root / "data", root / "gradio"


@pytest.mark.parametrize(("feature_id", "field"), FILE_ENDPOINTS)
@pytest.mark.parametrize("with_token", [True, False], ids=["token", "no-token"])
def test_server_paths_are_refused_over_the_call_api(
    server, account, server_paths, feature_id, field, with_token
):
    token = account if with_token else ""
    _, cache = server_paths
    before_files, before_credits = _cached_files(cache), _credits(server, account)
    messages = {}
    for path in _targets(server_paths):
        data = _arguments(server, feature_id, token, field, _file(path))
        event, payload = _call(server, feature_id, data)
        assert event in ("error", "rejected"), (path, event, payload)
        messages[path] = json.dumps(payload).replace(path, "<path>")
    # The same answer whether the path exists or not.
    assert len(set(messages.values())) == 1, messages
    assert _cached_files(cache) == before_files
    assert _credits(server, account) == before_credits
    assert _jobs(server, account) == 0


@pytest.mark.parametrize(("feature_id", "field"), FILE_ENDPOINTS)
def test_server_paths_are_refused_through_gradio_client(
    server, account, server_paths, feature_id, field, monkeypatch
):
    client = Client(server + "/", verbose=False)
    # An attacker's client sends the path instead of uploading a file of its own.
    monkeypatch.setattr(Endpoint, "_upload_file", lambda self, f, data_index: f)
    _, cache = server_paths
    before = _cached_files(cache)
    for path in _targets(server_paths):
        for token in (account, ""):
            with pytest.raises(Exception) as error:  # noqa: PT011 — gradio_client's AppError
                client.predict(token=token, **{field: _file(path)}, api_name=f"/{feature_id}")
            assert "secret" not in str(error.value).lower() or "secret_key" in path
    assert _cached_files(cache) == before
    assert _jobs(server, account) == 0


def test_browser_handlers_refuse_server_paths(server, account, server_paths):
    """The UI's own (private) handlers are reachable through the queue too."""
    config = httpx.get(f"{server}/config", timeout=30).json()
    _, cache = server_paths
    before = _cached_files(cache)
    file_inputs = {
        c["id"] for c in config["components"] if c.get("type") in ("image", "file", "uploadbutton")
    }
    probed = 0
    for fn_index, dep in enumerate(config["dependencies"]):
        if not set(dep["inputs"]) & file_inputs:
            continue
        data = [
            _file("/etc/passwd") if i in file_inputs else (account if n == 0 else None)
            for n, i in enumerate(dep["inputs"])
        ]
        session = uuid.uuid4().hex
        r = httpx.post(
            f"{server}/gradio_api/queue/join",
            json={"data": data, "fn_index": fn_index, "session_hash": session},
            timeout=30,
        )
        probed += 1
        if r.status_code != 200:
            continue
        with httpx.stream(
            "GET", f"{server}/gradio_api/queue/data", params={"session_hash": session}, timeout=60
        ) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                if message.get("msg") == "process_completed":
                    assert not message.get("success"), dep.get("api_name")
                    break
    assert probed >= len(FILE_ENDPOINTS)
    assert _cached_files(cache) == before
    assert _jobs(server, account) == 0


def test_a_real_upload_still_reaches_the_job(server):
    """The legitimate path: gradio_client uploads the caller's own file first."""
    from tests.samples import skimage_photo

    client = Client(server + "/", verbose=False)
    account = client.predict(
        f"up-{uuid.uuid4().hex[:8]}@example.com", "probe-pass", api_name="/register"
    )
    job = client.predict(
        token=account["token"],
        prompt="a portrait",
        width=512,
        height=512,
        steps=1,
        reference_image=handle_file(str(skimage_photo("astronaut.png"))),
        strength=0.5,
        api_name="/image_generation",
    )
    assert job["status"] == "pending" and job["creditsCharged"] == 2


def test_uploads_are_size_limited(server):
    big = b"\0" * (21 * 2**20)
    r = httpx.post(
        f"{server}/gradio_api/upload", files={"files": ("big.png", big, "image/png")}, timeout=60
    )
    assert r.status_code == 413
