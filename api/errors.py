"""Errors as JSON: {"error": {"code", "message", "field"?}} with the right status."""

from __future__ import annotations

import logging
import uuid
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from studio.errors import RateLimited, StudioError
from studio.logs import request_id as current_request_id

logger = logging.getLogger(__name__)

# The codes of the statuses Starlette and FastAPI raise themselves (a broken multipart body,
# a wrong method); anything else is named after its HTTP reason phrase.
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "rate_limited",
}


def error_body(code: str, message: str, field: str | None = None) -> dict:
    error = {"code": code, "message": message}
    if field:
        error["field"] = field
    return {"error": error}


def error_response(
    status: int, code: str, message: str, field: str | None = None, headers: dict | None = None
) -> JSONResponse:
    """The studio's error JSON with a status (for middleware that answers before a route)."""
    return JSONResponse(error_body(code, message, field), status_code=status, headers=headers)


async def _studio_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StudioError)  # registered for StudioError only
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    return JSONResponse(
        error_body(exc.code, exc.message, exc.field), status_code=exc.status, headers=headers
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # registered for it only
    first = exc.errors()[0] if exc.errors() else {}
    location = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path")]
    field = ".".join(location) or None
    message = first.get("msg", "invalid request")
    return JSONResponse(error_body("invalid_input", message, field), status_code=422)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's and FastAPI's own refusals (a broken multipart body…) in the studio's format."""
    assert isinstance(exc, HTTPException)  # registered for it only
    status = exc.status_code
    code = _HTTP_CODES.get(status) or HTTPStatus(status).phrase.lower().replace(" ", "_")
    message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(status).phrase
    field = "body" if status in (400, 413, 415) else None
    return JSONResponse(error_body(code, message, field), status_code=status, headers=exc.headers)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """A bug: the caller gets a request id to quote, the details stay in the log."""
    request_id = current_request_id.get() or uuid.uuid4().hex[:16]
    logger.error(
        "unexpected error request_id=%s %s %s",
        request_id,
        request.method,
        request.url.path,
        exc_info=exc,
    )
    return JSONResponse(
        error_body(
            "internal_error",
            f"something went wrong on our side; quote request id {request_id} if you report it",
        ),
        status_code=500,
        headers={"X-Request-ID": request_id},
    )


def install_error_handlers(app: FastAPI) -> None:
    """Translate studio errors, request validation errors, HTTP errors and bugs for every
    route."""
    app.add_exception_handler(StudioError, _studio_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
