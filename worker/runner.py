"""Running one job: claim, heartbeat, run the feature, store outputs, finish.

This is the one catch-all in the studio: whatever a run raises, the job ends
failed or cancelled and its credits come back.
"""

from __future__ import annotations

import io
import logging
import os
import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from huey.exceptions import RetryTask

from pipelines import PipelineError, RunResult, Services
from pipelines.declare import NO_SERVICES
from pipelines.registry import get_feature
from studio.errors import JobCancelled, StudioError
from studio.logs import request_id
from studio.models import COMPLETED, FAILED, PROCESSING, Job, utcnow
from studio.settings import get_settings
from studio.storage import get_storage, job_key
from studio.telemetry import GPU_MEMORY_PEAK_MB, JOB_SECONDS, QUEUE_WAIT_SECONDS
from worker.lifecycle import RunningLimitReached, claim, finish
from worker.services import configured_services

logger = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.25  # seconds between progress writes: enough for a live bar, light on the DB
LIMIT_RETRY_SECONDS = 2.0  # a job over its owner's running limit is offered again this much later


class LeaseLost(Exception):
    """Another worker (or the reaper) took this job over."""


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


class Heartbeat(threading.Thread):
    """Extends the lease while the job runs, so the reaper leaves it alone."""

    def __init__(self, job_id: str, me: str, lease_seconds: float):
        super().__init__(daemon=True, name=f"heartbeat-{job_id[:8]}")
        self.job_id, self.me, self.lease = job_id, me, lease_seconds
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.lease / 3):
            try:
                Job.update(lease_expires_at=utcnow() + timedelta(seconds=self.lease)).where(
                    (Job.id == self.job_id)
                    & (Job.status == PROCESSING)
                    & (Job.worker_id == self.me)
                ).execute()
            except Exception:  # noqa: BLE001 — a busy or dropped database: try again next beat
                logger.warning("heartbeat failed job_id=%s", self.job_id, exc_info=True)


@dataclass
class JobContext:
    """The RunContext a feature's run function gets."""

    job_id: str
    me: str
    work_dir: Path
    models_dir: Path
    model_preset: str
    device: str
    services: Services = NO_SERVICES
    _last_write: float = field(default=0.0, repr=False)

    def progress(self, percent: float, stage: str, preview: Any = None) -> None:
        """Record progress; raise JobCancelled if the owner cancelled the job."""
        now = time.monotonic()
        if now - self._last_write < PROGRESS_INTERVAL and percent < 100 and preview is None:
            return
        self._last_write = now
        fields: dict[str, Any] = {"progress": max(0.0, min(100.0, float(percent))), "stage": stage}
        if preview is not None:
            fields["preview"] = _store_preview(self.job_id, preview)
        mine = (Job.id == self.job_id) & (Job.status == PROCESSING) & (Job.worker_id == self.me)
        if Job.update(**fields).where(mine).execute() != 1:
            raise LeaseLost(self.job_id)
        if Job.select(Job.cancel_requested).where(Job.id == self.job_id).scalar():
            raise JobCancelled(self.job_id)


def _store_preview(job_id: str, image: Any) -> str:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=80)
    key = job_key(job_id, "preview.jpg")
    get_storage().put(key, buffer.getvalue(), "image/jpeg")
    return key


def store_outputs(job_id: str, result: RunResult) -> list[dict[str, Any]]:
    """Upload outputs under the job id (a re-run overwrites, never duplicates)."""
    storage = get_storage()
    stored = []
    for output in result.outputs:
        data = output.path.read_bytes()
        key = job_key(job_id, output.name)
        storage.put(key, data, output.content_type)
        stored.append(
            {"name": output.name, "key": key, "contentType": output.content_type, "size": len(data)}
        )
    return stored


def _fetch_uploads(feature, params: dict[str, Any], work_dir: Path) -> dict[str, Any]:
    """Uploaded inputs as local files for the run (their params hold storage keys)."""
    inputs = dict(params)
    for upload in feature.uploads:
        key = params.get(upload.name)
        if key:
            path = work_dir / "inputs" / key.rsplit("/", 1)[-1]
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(get_storage().get(key))
            inputs[upload.name] = path
    return inputs


def run_job(job_id: str) -> None:
    """The queue's one task: run the job with this id if it is still pending."""
    me = worker_id()
    try:
        job = claim(job_id, me)
    except RunningLimitReached:
        # Back on its queue (same priority) a little later; it waits, it does not fail.
        logger.info("owner at running limit, job waits job_id=%s", job_id)
        raise RetryTask(delay=LIMIT_RETRY_SECONDS) from None
    if job is None:
        logger.info("job not pending, skipped job_id=%s", job_id)
        return
    request_id.set(job.request_id)  # this task's log lines name the request that queued it
    settings = get_settings()
    feature = get_feature(job.feature)
    QUEUE_WAIT_SECONDS.labels(feature.id).observe((utcnow() - job.created_at).total_seconds())
    logger.info(
        "job started job_id=%s feature=%s user_id=%s attempt=%s",
        job_id,
        feature.id,
        job.user_id,
        job.attempts,
    )
    heartbeat = Heartbeat(job_id, me, settings.lease_seconds)
    heartbeat.start()
    started = time.monotonic()
    mine = Job.worker_id == me
    try:
        with tempfile.TemporaryDirectory(prefix=f"job-{job_id[:8]}-") as tmp:
            ctx = JobContext(
                job_id=job_id,
                me=me,
                work_dir=Path(tmp),
                models_dir=settings.resolved_models_dir,
                model_preset=settings.model_preset,
                device=settings.device,
                services=configured_services(),
            )
            if feature.run is None:  # submit refuses these; a row from an older release
                raise PipelineError(f"{feature.title} is not available on this worker")
            result = feature.run(_fetch_uploads(feature, job.params, ctx.work_dir), ctx)
            ctx.progress(100, "Saving results")
            outputs = store_outputs(job_id, result)
        elapsed = time.monotonic() - started
        if finish(
            job_id,
            COMPLETED,
            condition=mine,
            progress=100.0,
            outputs=outputs,
            metrics=result.metrics,
        ):
            JOB_SECONDS.labels(feature.id).observe(elapsed)
            if result.metrics.get("peakMemoryMb"):
                GPU_MEMORY_PEAK_MB.labels(feature.id).set(result.metrics["peakMemoryMb"])
    except JobCancelled:
        finish(job_id, "cancelled", refund=True)
    except LeaseLost:
        logger.warning("lease lost, leaving the job to its new owner job_id=%s", job_id)
    except (PipelineError, StudioError) as exc:
        logger.info("job failed job_id=%s feature=%s reason=%s", job_id, feature.id, exc)
        finish(job_id, FAILED, condition=mine, refund=True, error=str(exc))
    except Exception:  # noqa: BLE001 — the one catch-all: fail the job, refund
        logger.exception("job crashed job_id=%s feature=%s", job_id, feature.id)
        # Users see a plain sentence; the exception and its trace are in the worker's log.
        message = f"something went wrong on the server while running this job (job {job_id})."
        finish(job_id, FAILED, condition=mine, refund=True, error=message)
    finally:
        heartbeat.done.set()
