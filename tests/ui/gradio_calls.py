"""gradio_client calls the API tests share: a new account's token, waiting for a job."""

from __future__ import annotations

import time
import uuid

FINAL = ("completed", "failed", "cancelled")


def new_token(client, prefix: str = "grad") -> str:
    """Register a new account (50 credits) through the Gradio API; returns its token."""
    email = f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"
    account = client.predict(email, "gradio-password", api_name="/register")
    assert account["user"]["credits"] == 50
    return account["token"]


def wait_for(client, token: str, job_id: str, timeout: float = 180) -> dict:
    """Poll /job_status until the job ends; its last status."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.predict(token, job_id, api_name="/job_status")
        if status["status"] in FINAL:
            return status
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")
