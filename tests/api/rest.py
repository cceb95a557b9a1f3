"""The REST API as app.py wires it (error format, routes, middleware), without the Gradio
studio, for tests that call it in-process."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from api import build_router, install_error_handlers, install_middleware

PASSWORD = "s3cret-password"  # every test account's, unless a test says otherwise


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


def new_account(client, prefix: str = "rest", email: str = "") -> dict:
    """Register a new account (50 credits) through `client`; its Authorization header."""
    import uuid

    email = email or f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"
    r = client.post("/auth/register", json={"email": email, "password": PASSWORD})
    assert r.status_code == 201, r.text
    return {"authorization": f"Bearer {r.json()['token']}"}


def credits(client, headers: dict) -> int:
    return client.get("/users/credits", headers=headers).json()["credits"]
