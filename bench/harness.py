"""Shared set-up for the benchmarks: a studio in a temp dir, and running one job to the end."""

from __future__ import annotations

import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def configure_studio(data_dir: Path, models_dir: Path, **env: str) -> None:
    """Point the studio at a fresh data dir (SQLite queue unless env says otherwise)."""
    from billing.schema import create_all_tables
    from studio.db import close_database, init_database
    from studio.settings import get_settings, reset_settings
    from worker.broker import reset_broker

    os.environ.update(
        STUDIO_DATA_DIR=str(data_dir),
        STUDIO_MODELS_DIR=str(models_dir),
        STUDIO_MODEL_PRESET=os.environ.get("STUDIO_MODEL_PRESET", "tiny"),
        STUDIO_DEVICE=os.environ.get("STUDIO_DEVICE", "auto"),
        STUDIO_QUEUE_URL="",
        STUDIO_QUEUE_NAME="studio",
    )
    os.environ.update({f"STUDIO_{k.upper()}": v for k, v in env.items()})
    reset_settings()
    close_database()
    reset_broker()
    init_database(get_settings().resolved_database_url)
    create_all_tables()


def new_user():
    """A user with plenty of credits for a benchmark run."""
    from billing.ledger import grant
    from billing.signup import register

    user = register(f"bench-{uuid.uuid4().hex[:8]}@example.com", "bench-password")
    grant(user.id, 10_000, "benchmark credits", key=f"bench:{user.id}")
    return user


def run_job(user, feature: str, inputs: dict):
    """Submit a job and wait for it; returns (job row, seconds from submit to completed)."""
    from studio.models import Job
    from worker.jobs import submit

    start = time.perf_counter()
    job = submit(user, feature, inputs)
    while (job := Job.get_by_id(job.id)).status not in ("completed", "failed", "cancelled"):
        time.sleep(0.02)
    elapsed = time.perf_counter() - start
    if job.status != "completed":
        raise RuntimeError(f"job {job.id} {job.status}: {job.error}")
    return job, elapsed
