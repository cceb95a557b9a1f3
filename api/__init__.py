"""The REST API under /api/v1."""

from fastapi import APIRouter, FastAPI
from starlette.middleware.cors import CORSMiddleware

from api.access_log import AccessLog
from api.body_limit import BodyLimit
from api.errors import install_error_handlers
from api.rate_limits import RateLimits
from api.routes import api_keys, auth, events, files, jobs, payments, system, users, webhooks
from api.schemas import errors
from api.security_headers import SecurityHeaders, security_headers
from studio.ratelimit import check_rules
from studio.settings import get_settings

API_PREFIX = "/api/v1"


def build_router() -> APIRouter:
    """All /api/v1 routes."""
    # Refusals any route may give, in the error format (each route documents its own too).
    router = APIRouter(prefix=API_PREFIX, responses=errors(400, 401, 403, 404, 413, 415, 422, 429))
    for module in (auth, users, api_keys, jobs, events, webhooks, files, payments, system):
        router.include_router(module.router)
    return router


def install_middleware(app: FastAPI) -> None:
    """Access log, rate and size limits, CORS and security headers (the API and the studio)."""
    settings = get_settings()
    check_rules(settings)
    # Added innermost first. Starlette's own CORSMiddleware on the parent app also switches
    # off Gradio's, which echoes any Origin (with credentials) to a non-localhost host.
    app.add_middleware(BodyLimit, prefix=API_PREFIX)
    app.add_middleware(RateLimits, prefix=API_PREFIX)  # before a body is read
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origin_list,
        allow_methods=["GET", "POST", "DELETE"],
        allow_headers=["authorization", "content-type", "idempotency-key", "last-event-id"],
        allow_credentials=False,  # the API takes bearer tokens, never cookies
        max_age=600,
    )
    app.add_middleware(SecurityHeaders, headers=security_headers(settings))
    app.add_middleware(AccessLog, prefix=API_PREFIX)  # outermost: times and ids everything


__all__ = ["API_PREFIX", "build_router", "install_error_handlers", "install_middleware"]
