"""Health, the feature catalogue and Prometheus metrics."""

from __future__ import annotations

import hmac
import ipaddress
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from peewee import fn
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.schemas import Features, Health
from pipelines.registry import FEATURES
from pipelines.sdxl.weights import active_preset
from studio.db import database
from studio.errors import Forbidden
from studio.models import FINAL_STATES, Job, utcnow
from studio.settings import get_settings
from studio.telemetry import JOBS_IN_STATE, QUEUE_DEPTH, WORKER_LAST_SEEN
from worker.broker import pending_messages
from worker.heartbeats import live_workers
from worker.stats import queue_depths

router = APIRouter(tags=["system"])
metrics_router = APIRouter()


@router.get("/health", response_model=Health)
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


@router.get("/features", response_model=Features, response_model_by_alias=True)
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
def metrics(request: Request) -> Response:
    """Prometheus metrics; job counts by state are read from the database at scrape time.

    Only for scrapers: the bearer STUDIO_METRICS_TOKEN when set, else callers on this machine.
    """
    _check_scraper(request)
    rows: Any = Job.select(Job.status, fn.COUNT(Job.id)).group_by(Job.status).tuples()
    counts: dict[str, int] = dict(rows)
    for status in ("pending", "processing", *FINAL_STATES):
        JOBS_IN_STATE.labels(status).set(counts.get(status, 0))
    for queue, depth in queue_depths().items():
        QUEUE_DEPTH.labels(queue).set(depth)
    now = utcnow()
    WORKER_LAST_SEEN.clear()  # workers gone for an hour drop out of the series
    for beat in live_workers(within=timedelta(hours=1)):
        WORKER_LAST_SEEN.labels(beat.id).set((now - beat.last_seen).total_seconds())
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def _check_scraper(request: Request) -> None:
    expected = get_settings().metrics_token
    if expected:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise Forbidden("metrics need the scraper's token (STUDIO_METRICS_TOKEN)")
        return
    peer = request.client.host if request.client else ""
    try:
        local = ipaddress.ip_address(peer).is_loopback
    except ValueError:
        local = False
    if not local:
        raise Forbidden("metrics are served to this machine only; set STUDIO_METRICS_TOKEN")
