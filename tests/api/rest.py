"""The REST API as app.py wires it (error format, routes, middleware), without the Gradio
studio, for tests that call it in-process."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from api import build_router, install_error_handlers, install_middleware


def rest_app(*extra: APIRouter) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(build_router())
    for router in extra:
        app.include_router(router)
    install_middleware(app)
    return app


def rest_client(app: FastAPI | None = None, address: str | None = None) -> TestClient:
    """A client of `app` (a new REST app by default) under /api/v1, calling from `address`."""
    extra = {"client": (address, 50000)} if address else {}
    return TestClient(app or rest_app(), base_url="http://testserver/api/v1", **extra)
