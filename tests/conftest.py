"""Shared fixtures: a configured studio on SQLite (default), PostgreSQL, Redis and S3."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Cheap password hashes for the hundreds of test accounts (live servers inherit this);
# tests/studio/test_accounts.py checks the real cost of 12.
os.environ.setdefault("STUDIO_BCRYPT_ROUNDS", "4")
# The suite registers hundreds of accounts and sends thousands of requests from 127.0.0.1:
# abuse limits far above that (tests/api/test_rate_limits.py sets the real ones).
os.environ.setdefault("STUDIO_RATE_LIMIT_WRITES", "100000/15minutes")
os.environ.setdefault("STUDIO_RATE_LIMIT_READS", "100000/minute")
os.environ.setdefault("STUDIO_LOGIN_FAILURES", "1000/15minutes")
os.environ.setdefault("STUDIO_SIGNUPS_PER_IP_DAY", "100000")
# Tests queue dozens of jobs per account with no worker running; the per-user limits are set
# where they are tested (tests/api/test_job_limits.py, tests/worker/test_scheduling.py).
os.environ.setdefault("STUDIO_MAX_PENDING_PER_USER", "1000")

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"
S3RVER = ROOT / ".tools" / "node_modules" / ".bin" / "s3rver"


def service_missing(name: str, how: str) -> None:
    """Skip with a visible reason; in CI a missing service is a failure."""
    message = f"{name} is not reachable ({how})"
    if os.environ.get("CI"):
        pytest.fail(f"{message}: CI must run these tests")
    pytest.skip(message)


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory) -> Path:
    """One models dir for the whole run, so the tiny model is built once."""
    return tmp_path_factory.mktemp("models")


def configure(monkeypatch, **env: str) -> None:
    """Point the studio at new settings and forget every cached connection."""
    from billing.schema import create_all_tables
    from studio.db import close_database, init_database
    from studio.settings import get_settings, reset_settings
    from worker.broker import reset_broker

    for key, value in env.items():
        monkeypatch.setenv(f"STUDIO_{key.upper()}", value)
    reset_settings()
    close_database()
    reset_broker()
    init_database(get_settings().resolved_database_url)
    create_all_tables()


@pytest.fixture
def studio(tmp_path, monkeypatch, models_dir):
    """The default embedded studio: SQLite database and queue, local files, tiny model."""
    configure(
        monkeypatch,
        data_dir=str(tmp_path / "data"),
        models_dir=str(models_dir),
        model_preset="tiny",
        device="cpu",
        embedded_worker="false",
        database_url="",
        queue_url="",
        storage_url="",
    )
    from studio.settings import get_settings

    yield get_settings()
    _teardown()


def _teardown() -> None:
    from studio.db import close_database
    from studio.settings import reset_settings
    from worker.broker import reset_broker

    close_database()
    reset_broker()
    reset_settings()


@pytest.fixture
def postgres_url():
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    if not port_open(5432):
        service_missing("PostgreSQL", "127.0.0.1:5432")
    import psycopg

    name = f"studio_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    from studio.db import close_database

    close_database()
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_queue():
    """A Redis queue URL and a queue name of its own; its keys are deleted afterwards."""
    if not port_open(6379):
        service_missing("Redis", "127.0.0.1:6379")
    name = f"studio-test-{uuid.uuid4().hex[:8]}"
    yield REDIS_URL, name
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"*{name}*"):
        client.delete(key)


@pytest.fixture(scope="session")
def s3_url(tmp_path_factory):
    """An S3-compatible server (s3rver, installed by `make test`) for the run."""
    if not S3RVER.exists():
        service_missing("s3rver", f"{S3RVER} is not installed; run make test")
    port = free_port()
    folder = tmp_path_factory.mktemp("s3")
    proc = subprocess.Popen(
        [str(S3RVER), "-d", str(folder), "-a", "127.0.0.1", "-p", str(port), "--no-vhost-buckets"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while not port_open(port):
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            pytest.fail("s3rver did not start")
        time.sleep(0.1)
    yield f"s3://S3RVER:S3RVER@127.0.0.1:{port}/studio?secure=false"
    proc.terminate()
    proc.wait(10)


def start_server(
    data_dir: Path,
    models_dir: Path,
    extra_env: dict | None = None,
    command: tuple[str, ...] = ("app.py",),
):
    """`python app.py` (or `command`) in a subprocess on a free port; returns (process, URL)."""
    port = free_port()
    env = os.environ | {
        "STUDIO_DATA_DIR": str(data_dir),
        "STUDIO_MODELS_DIR": str(models_dir),
        "STUDIO_MODEL_PRESET": "tiny",
        "STUDIO_DEVICE": "cpu",
        "STUDIO_PORT": str(port),
        "STUDIO_LOG_LEVEL": "WARNING",
        # Open gradio_client heartbeats would hold a stop for the full production grace.
        "STUDIO_SHUTDOWN_GRACE_SECONDS": "1",
        # Each server its own Gradio cache, so a test can see what reached it.
        "GRADIO_TEMP_DIR": str(data_dir.parent / "gradio"),
    }
    env |= extra_env or {}
    log = open(data_dir.parent / "server.log", "wb")  # noqa: SIM115 — closed with the process
    proc = subprocess.Popen([sys.executable, *command], cwd=ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    import httpx

    deadline = time.monotonic() + 90
    while True:
        if proc.poll() is not None:
            raise RuntimeError((data_dir.parent / "server.log").read_text()[-3000:])
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("the studio did not start in 90 s")
        time.sleep(0.3)
    LIVE_ROOT[base] = data_dir.parent
    return proc, base


LIVE_ROOT: dict[str, Path] = {}  # base URL → the folder holding its data/ and gradio/


def stop_server(proc: subprocess.Popen, data_dir: Path) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
    shutil.rmtree(data_dir / "files", ignore_errors=True)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, models_dir):
    """A real studio server (embedded worker, SQLite) for REST and gradio_client tests."""
    root = tmp_path_factory.mktemp("live")
    proc, base = start_server(root / "data", models_dir)
    yield base
    stop_server(proc, root / "data")


@pytest.fixture(scope="session")
def stub_server(tmp_path_factory, models_dir):
    """The same studio with every feature's run function stubbed (tests/stub_runs.py).

    For the tests of a route (validation, credits, cancel, failure, history, files): the
    real pipelines run end to end once per edge on `live_server`.
    """
    root = tmp_path_factory.mktemp("stub")
    proc, base = start_server(root / "data", models_dir, command=("-m", "tests.stub_runs"))
    yield base
    stop_server(proc, root / "data")


@pytest.fixture(scope="session")
def stub_gradio(stub_server):
    """A gradio_client on the stub server: the Gradio edge's route tests (tests/ui).

    One for the run: closing a client waits a second for its heartbeat thread.
    """
    from gradio_client import Client

    client = Client(stub_server + "/", verbose=False)
    yield client
    client.close()


@pytest.fixture
def fast_features(monkeypatch):
    """Every feature's run function stubbed in this process, for this test (tests/stub_runs.py)."""
    from pipelines.registry import FEATURES
    from tests.stub_runs import stubbed

    for feature_id, feature in list(FEATURES.items()):
        monkeypatch.setitem(FEATURES, feature_id, stubbed(feature))
