"""How a job looks to users of the API and the UI (camelCase, signed file URLs)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from peewee import fn
from pydantic import Field
from typing_extensions import TypedDict  # pydantic reads it on Python 3.11 (typing's is refused)

from pipelines.declare import camel
from pipelines.registry import FEATURES
from studio.models import Job, LedgerEntry
from studio.settings import get_settings
from studio.storage import get_storage
from worker.eta import queue_estimate

SUMMARY_CHARS = 140


class OutputView(TypedDict):
    """One output file of a job."""

    name: Annotated[str, Field(examples=["image_1.png"])]
    contentType: Annotated[str, Field(examples=["image/png"])]
    size: int | None
    url: Annotated[
        str | None, Field(description="A signed download link (expires); null from gradio_client")
    ]
    expired: Annotated[
        bool, Field(description="Deleted by the retention sweeper (STUDIO_RETENTION_DAYS)")
    ]


class JobView(TypedDict):
    """A job as REST (its response model) and gradio_client (its documented return) see it."""

    id: Annotated[str, Field(examples=["3f1c0e5b9a8d4c2e8f6a7b5c4d3e2f1a"])]
    feature: Annotated[str, Field(examples=["image_generation"])]
    title: Annotated[str, Field(examples=["Image generation"])]
    summary: Annotated[str, Field(description="Its main text (prompt, script, topic), shortened")]
    status: Annotated[
        str,
        Field(
            description="pending, processing, completed, failed or cancelled",
            examples=["processing"],
        ),
    ]
    progress: Annotated[float, Field(description="0-100", examples=[42.5])]
    stage: Annotated[str, Field(examples=["Step 5/12"])]
    params: dict[str, Any]
    creditsCharged: Annotated[int, Field(examples=[2])]
    creditsRefunded: Annotated[
        int, Field(description="Given back (failed or cancelled)", examples=[0])
    ]
    creditsNet: Annotated[int, Field(description="Charged minus refunded", examples=[2])]
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
    queuePosition: Annotated[
        int | None, Field(description="1 = next to start; null once running or ended")
    ]
    etaSeconds: Annotated[
        float | None, Field(description="Until done, from recent processing times")
    ]
    filesExpiredAt: Annotated[
        str | None, Field(description="When the retention sweeper deleted the files")
    ]


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
