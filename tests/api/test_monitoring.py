"""Monitoring: the metrics README lists are there after a real job, the request id travels
from the API into the job's row and its worker's log lines, logs can be JSON."""

from __future__ import annotations

import json
import logging
import re

import pytest
from fastapi.testclient import TestClient

from api.routes.system import metrics_router
from studio.logs import JsonFormatter, RequestIdFilter
from studio.models import COMPLETED
from tests.api.rest import rest_app
from tests.conftest import ROOT, configure
from tests.factories import IMAGE_JOB, wait_for
from worker.consumer import Worker


@pytest.fixture
def client(studio, monkeypatch):
    configure(monkeypatch, metrics_token="scrape-me")
    with TestClient(rest_app(metrics_router), client=("203.0.113.9", 40000)) as c:
        yield c


def _readme_metrics() -> set[str]:
    """The metric names README's "Monitoring" section lists."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Monitoring", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"`(studio_[a-z_]+)`", section))


def _value(text: str, sample: str) -> float:
    """A sample's value in a scrape (0 when absent)."""
    for line in text.splitlines():
        if line.startswith(sample + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_after_a_job_and_the_request_id_in_its_logs(client, caplog):
    r = client.post(
        "/api/v1/auth/register", json={"email": "ops@example.com", "password": "s3cret-password"}
    )
    headers = {"authorization": f"Bearer {r.json()['token']}"}
    scrape = {"authorization": "Bearer scrape-me"}
    before = client.get("/metrics", headers=scrape).text  # counters are per process
    caplog.handler.addFilter(RequestIdFilter())  # as configure_logging's handler has it
    worker = Worker()
    worker.start()
    try:
        with caplog.at_level(logging.INFO):
            submitted = client.post(
                "/api/v1/jobs/image-generation",
                json=IMAGE_JOB,
                headers=headers | {"x-request-id": "trace-0123456789"},
            )
            assert submitted.headers["x-request-id"] == "trace-0123456789"
            job = wait_for(submitted.json()["id"], timeout=120)
    finally:
        worker.stop(graceful=False)
    assert job.status == COMPLETED and job.request_id == "trace-0123456789"
    job_lines = [rec for rec in caplog.records if f"job_id={job.id}" in rec.getMessage()]
    assert job_lines and all(rec.request_id == "trace-0123456789" for rec in job_lines)
    # A header that is not a plain token is replaced, never echoed.
    odd = client.get("/api/v1/health", headers={"x-request-id": "bad id\twith spaces"})
    assert re.fullmatch(r"[0-9a-f]{16}", odd.headers["x-request-id"])

    assert client.get("/metrics").status_code == 403  # anonymous, from another machine
    text = client.get("/metrics", headers=scrape).text
    exposed = {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line[:1] != "#"}
    families = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE")}
    listed = _readme_metrics()
    assert listed, "README lists no metrics under Monitoring"
    assert listed <= families, listed - families
    for sample, grew in (
        (
            'studio_http_request_seconds_count{method="POST",'
            'route="/api/v1/jobs/image-generation",status="202"}',
            1,
        ),
        ('studio_job_processing_seconds_count{feature="image_generation"}', 1),
        ('studio_job_queue_wait_seconds_count{feature="image_generation"}', 1),
        ('studio_credits_spent_total{feature="image_generation"}', 2),
    ):
        assert _value(text, sample) - _value(before, sample) == grew, sample
    assert _value(text, 'studio_queue_depth{queue="default"}') == 0  # read from this database
    assert _value(text, 'studio_jobs{status="completed"}') == 1
    assert any(name == "studio_worker_last_seen_seconds" for name in exposed)
    # No GPU here: the GPU series are declared but have no samples.
    assert "studio_gpu_utilization_percent" not in exposed


def test_json_log_lines_carry_the_request_id():
    from studio.logs import request_id

    record = logging.LogRecord("studio.access", logging.INFO, __file__, 1, "GET %s", ("/x",), None)
    token = request_id.set("abc12345")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "GET /x" and line["request_id"] == "abc12345"
    assert line["level"] == "INFO" and line["time"].endswith("+00:00")
