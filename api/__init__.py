"""The REST API under /api/v1."""

from fastapi import APIRouter

from api.errors import install_error_handlers
from api.routes import auth, files, jobs, payments, system, users

API_PREFIX = "/api/v1"


def build_router() -> APIRouter:
    """All /api/v1 routes."""
    router = APIRouter(prefix=API_PREFIX)
    for module in (auth, users, jobs, files, payments, system):
        router.include_router(module.router)
    return router


__all__ = ["API_PREFIX", "build_router", "install_error_handlers"]
