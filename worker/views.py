"""How a job looks to users of the API and the UI (camelCase, signed file URLs)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

from peewee import fn

from pipelines.declare import camel
from pipelines.registry import FEATURES
from studio.models import Job, LedgerEntry
from studio.settings import get_settings
from studio.storage import get_storage
from worker.eta import queue_estimate

SUMMARY_CHARS = 140


class OutputView(TypedDict):
    """One output file of a job."""

    name: str
    contentType: str
    size: int | None
    url: str | None  # a signed download link (REST), None from the Gradio API
    expired: bool  # deleted by the retention sweeper (STUDIO_RETENTION_DAYS)


class JobView(TypedDict):
    """A job as REST and gradio_client return it."""

    id: str
    feature: str
    title: str
    summary: str
    status: str  # pending, processing, completed, failed, cancelled
    progress: float  # 0-100
    stage: str
    params: dict[str, Any]
    creditsCharged: int
    creditsRefunded: int
    creditsNet: int
    error: str | None
    createdAt: str | None
    startedAt: str | None
    finishedAt: str | None
    processingTime: float | None
    attempts: int
    cancelRequested: bool
    outputs: list[OutputView]
    preview: str | None
    metrics: dict[str, Any]
    queuePosition: int | None  # 1 = next to start; None once running or ended
    etaSeconds: float | None  # until done, from recent processing times
    filesExpiredAt: str | None


def iso(value: datetime | None) -> str | None:
    """A UTC timestamp as the API writes it (ISO 8601, milliseconds, Z)."""
    return None if value is None else value.isoformat(timespec="milliseconds") + "Z"


def refunded(job: Job) -> int:
    """Credits given back for this job (failed or cancelled), from the ledger."""
    entries = LedgerEntry.select(fn.COALESCE(fn.SUM(LedgerEntry.amount), 0)).where(
        (LedgerEntry.job_id == job.id) & (LedgerEntry.amount > 0)
    )
    return int(entries.scalar() or 0)


def summary(job: Job) -> str:
    """A line that says what the job was: its main text (prompt, script, topic…), shortened."""
    feature = FEATURES.get(job.feature)
    params = job.params or {}
    for field in feature.fields if feature else ():
        value = params.get(field.name)
        if field.kind == "text" and (field.required or field.multiline) and value:
            text = " ".join(str(value).split())
            return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"
    return ""


def job_view(job: Job, *, urls: bool = True) -> JobView:
    """The public description of a job."""
    storage = get_storage() if urls else None
    seconds = get_settings().download_url_seconds
    outputs: list[OutputView] = [
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
        "creditsRefunded": (back := refunded(job)),
        "creditsNet": job.credits_charged - back,
        "title": FEATURES[job.feature].title if job.feature in FEATURES else job.feature,
        "summary": summary(job),
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
