"""How a job looks to users of the API and the UI (camelCase, signed file URLs)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pipelines.declare import camel
from studio.models import Job
from studio.settings import get_settings
from studio.storage import get_storage
from worker.eta import queue_estimate


def iso(value: datetime | None) -> str | None:
    """A UTC timestamp as the API writes it (ISO 8601, milliseconds, Z)."""
    return None if value is None else value.isoformat(timespec="milliseconds") + "Z"


def job_view(job: Job, *, urls: bool = True) -> dict[str, Any]:
    """The public description of a job."""
    storage = get_storage() if urls else None
    seconds = get_settings().download_url_seconds
    outputs = [
        {
            "name": o["name"],
            "contentType": o["contentType"],
            "size": o.get("size"),
            "url": storage.url(o["key"], seconds) if storage and not o.get("expired") else None,
            "expired": bool(o.get("expired")),
        }
        for o in job.outputs or []
    ]
    position, eta = queue_estimate(job)
    return {
        "id": job.id,
        "feature": job.feature,
        "status": job.status,
        "progress": round(job.progress, 1),
        "stage": job.stage,
        "params": {camel(k): v for k, v in (job.params or {}).items()},
        "creditsCharged": job.credits_charged,
        "error": job.error,
        "createdAt": iso(job.created_at),
        "startedAt": iso(job.started_at),
        "finishedAt": iso(job.finished_at),
        "processingTime": job.processing_time,
        "attempts": job.attempts,
        "cancelRequested": job.cancel_requested,
        "outputs": outputs,
        "preview": storage.url(job.preview, seconds) if storage and job.preview else None,
        "metrics": job.metrics or {},
        "queuePosition": position,  # 1 = next to start; null once running or ended
        "etaSeconds": eta,  # until done, from recent processing times; null without history
        "filesExpiredAt": iso(job.expired_at),
    }
