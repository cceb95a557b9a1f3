"""Health, the feature catalogue and Prometheus metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from peewee import fn
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from pipelines.registry import FEATURES
from pipelines.sdxl.weights import active_preset
from studio.db import database
from studio.models import FINAL_STATES, Job
from studio.settings import get_settings
from studio.telemetry import JOBS_IN_STATE
from worker.broker import pending_messages

router = APIRouter(tags=["system"])
metrics_router = APIRouter()


@router.get("/health")
def health() -> dict:
    """Whether the database and the queue answer, and which model preset is in use."""
    settings = get_settings()
    database.execute_sql("SELECT 1")
    return {
        "status": "ok",
        "database": "ok",
        "queue": {"waiting": pending_messages()},
        "modelPreset": active_preset(settings.model_preset, settings.resolved_models_dir),
    }


@router.get("/features")
def features() -> dict:
    """Every feature with its input schema, credit rule and availability."""
    return {
        "features": [
            {
                "id": f.id,
                "title": f.title,
                "slug": f.slug,
                "description": f.description,
                "costRule": f.cost_rule,
                "outputKind": f.output_kind,
                "available": f.available,
                "schema": f.json_schema(),
            }
            for f in FEATURES.values()
        ]
    }


@metrics_router.get("/metrics", include_in_schema=False)
def metrics() -> Response:
    """Prometheus metrics; job counts by state are read from the database at scrape time."""
    rows: Any = Job.select(Job.status, fn.COUNT(Job.id)).group_by(Job.status).tuples()
    counts: dict[str, int] = dict(rows)
    for status in ("pending", "processing", *FINAL_STATES):
        JOBS_IN_STATE.labels(status).set(counts.get(status, 0))
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
