"""Jobs: one submit route per feature (derived from the registry), status, list, cancel,
download."""

from __future__ import annotations

import io
import json
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile  # request.form()'s (FastAPI's subclasses it)

from api.deps import MAX_OFFSET, CurrentUser, IdempotencyKey
from api.schemas import JobAccepted, JobPage, JobView, errors
from pipelines import Feature
from pipelines.registry import FEATURES
from studio.errors import NotFound, UnsupportedMediaType, ValidationFailed
from studio.idempotency import fingerprint, replayed_header, run_once
from studio.storage import get_storage
from worker.jobs import cancel, get_job, list_jobs, submit
from worker.views import job_view
from worker.webhook_targets import check_target

router = APIRouter(prefix="/jobs", tags=["jobs"])
WEBHOOK_FIELD = "webhookUrl"
BINARY = {"type": "string", "format": "binary"}


async def _read_body(request: Request, feature: Feature) -> dict[str, Any]:
    """The request's fields: JSON for every feature, multipart for a feature with uploads.

    api.body_limit.BodyLimit has already refused bodies over the feature's size limit.
    """
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "multipart/form-data" and feature.uploads:
        form = await request.form()
        body: dict[str, Any] = {}
        for name, value in form.multi_items():
            body[name] = await value.read() if isinstance(value, UploadFile) else value
        return body
    if media_type != "application/json":
        accepted = "application/json" + (" or multipart/form-data" if feature.uploads else "")
        raise UnsupportedMediaType(f"send the fields as {accepted}", field="body")
    raw = await request.body()
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ValidationFailed("the body must be JSON in UTF-8", field="body") from None
    except RecursionError:
        raise ValidationFailed("the body is nested too deeply", field="body") from None
    if not isinstance(body, dict):
        raise ValidationFailed("the body must be a JSON object", field="body")
    return body


@cache
def request_examples() -> dict[str, dict[str, Any]]:
    """An example request body per feature, for the OpenAPI document (a data file)."""
    return json.loads((Path(__file__).parent.parent / "data" / "request_examples.json").read_text())


def _submit_route(feature: Feature):
    async def submit_job(
        request: Request, user: CurrentUser, idempotency_key: IdempotencyKey = None
    ) -> JSONResponse:
        body = await _read_body(request, feature)
        webhook_url = body.pop(WEBHOOK_FIELD, None)
        if webhook_url is not None:
            webhook_url = await run_in_threadpool(check_target, webhook_url, WEBHOOK_FIELD)

        def work() -> tuple[int, dict[str, Any]]:
            view = job_view(submit(user, feature.id, body, webhook_url), urls=False)
            return 202, {k: view[k] for k in ("id", "status", "feature", "creditsCharged")}

        if idempotency_key is None:
            status, answer = await run_in_threadpool(work)
            return JSONResponse(answer, status_code=status)
        digest = fingerprint(f"jobs/{feature.slug}", {**body, WEBHOOK_FIELD: webhook_url})
        status, answer, replayed = await run_in_threadpool(
            run_once, user.id, idempotency_key, digest, work
        )
        return JSONResponse(answer, status_code=status, headers=replayed_header(replayed))

    submit_job.__name__ = f"submit_{feature.id}"
    content = {}
    webhook = {
        "type": "string",
        "format": "uri",
        "maxLength": 2048,
        "description": "Told (signed POST) when this job ends: see /webhooks/signing-secret",
    }
    example = request_examples().get(feature.id)
    if not any(f.required for f in feature.uploads):
        schema = feature.json_schema()
        schema["properties"][WEBHOOK_FIELD] = webhook
        uploads = {f.api_name for f in feature.uploads}
        schema["properties"] = {k: v for k, v in schema["properties"].items() if k not in uploads}
        content["application/json"] = {"schema": schema, "example": example}
    if feature.uploads:
        schema = feature.json_schema()
        schema["properties"][WEBHOOK_FIELD] = webhook
        content["multipart/form-data"] = {"schema": schema}
    return submit_job, {"requestBody": {"required": True, "content": content}}


for _feature in FEATURES.values():
    _endpoint, _extra = _submit_route(_feature)
    router.add_api_route(
        f"/{_feature.slug}",
        _endpoint,
        methods=["POST"],
        status_code=202,
        summary=f"{_feature.title} ({_feature.cost_rule})",
        response_model=JobAccepted,
        responses=errors(401, 402, 403, 413, 415, 422, 429, 501),
        description=_feature.description
        + ("" if _feature.available else " Not available yet: answers 501."),
        openapi_extra=_extra,
    )


@router.get("", response_model=JobPage, responses=errors(401, 403, 422))
def jobs(
    user: CurrentUser,
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> dict:
    """The user's jobs, newest first."""
    page, total = list_jobs(user, limit, offset)
    return {"jobs": [job_view(j) for j in page], "total": total, "limit": limit, "offset": offset}


@router.get("/{job_id}", response_model=JobView, responses=errors(401, 403, 404))
def job(job_id: str, user: CurrentUser) -> JobView:
    """A job's status, progress, stage, preview and (once completed) its outputs."""
    return job_view(get_job(user, job_id))


@router.delete("/{job_id}", response_model=JobView, responses=errors(401, 403, 404, 409))
def cancel_job(job_id: str, user: CurrentUser) -> JobView:
    """Cancel a job: pending ones at once, running ones at their next step (refunded)."""
    return job_view(cancel(user, job_id))


@router.get(
    "/{job_id}/download",
    response_class=Response,
    responses={
        200: {
            "description": "The output's bytes (PNG, MP4, …), or a zip of all outputs",
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        },
        **errors(401, 403, 404),
    },
)
def download(job_id: str, user: CurrentUser, name: str | None = None) -> Response:
    """One output by name, the only output, or a zip of all outputs."""
    job = get_job(user, job_id)
    outputs = job.outputs or []
    if name is not None:
        outputs = [o for o in outputs if o["name"] == name]
    if not outputs:
        raise NotFound("this job has no such output yet", field="name")
    storage = get_storage()
    if len(outputs) == 1:
        out = outputs[0]
        return Response(
            storage.get(out["key"]),
            media_type=out["contentType"],
            headers={"Content-Disposition": f'attachment; filename="{out["name"]}"'},
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for out in outputs:
            archive.writestr(out["name"], storage.get(out["key"]))
    return Response(
        buffer.getvalue(),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="job-{job.id}.zip"'},
    )
