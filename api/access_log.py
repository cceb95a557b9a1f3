"""Access log and API metrics: a request id for every request (the caller's X-Request-ID when
it is sane, else a new one), carried into the jobs it queues; one log line and one timing per
request, by route template and status."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from studio.logs import request_id
from studio.telemetry import HTTP_SECONDS

logger = logging.getLogger("studio.access")

_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def new_request_id(given: str | None) -> str:
    """The caller's id if it is a plain token of 8–64 characters, else a fresh one."""
    return given if given and _SANE_ID.match(given) else uuid.uuid4().hex[:16]


class AccessLog:
    """Outermost middleware: sets the request id, times the request, logs it."""

    def __init__(self, app: ASGIApp, prefix: str):
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        rid = new_request_id(headers.get(b"x-request-id", b"").decode("latin-1") or None)
        token = request_id.set(rid)
        status = 500  # what the client sees if the app dies before answering
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *[(k, v) for k, v in message.get("headers", []) if k != b"x-request-id"],
                    (b"x-request-id", rid.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Left set: the 500 handler, outside every middleware, quotes the same id.
            self._record(scope, status, started)
            raise
        self._record(scope, status, started)
        request_id.reset(token)

    def _record(self, scope: Scope, status: int, started: float) -> None:
        seconds = time.perf_counter() - started
        route = self._route(scope)
        if route is None:
            return
        method = scope["method"]
        HTTP_SECONDS.labels(route, method, str(status)).observe(seconds)
        logger.info(
            "%s %s %s %.1fms",
            method,
            route,
            status,
            seconds * 1000,
            extra={
                "method": method,
                "route": route,
                "status": status,
                "duration_ms": round(seconds * 1000, 1),
            },
        )

    def _route(self, scope: Scope) -> str | None:
        """The matched route's template (bounded label values); None for the Gradio studio."""
        path = scope.get("path", "")
        if path == "/metrics":
            return path
        if not path.startswith(self.prefix):
            return None
        template = getattr(scope.get("route"), "path", None)
        if not template:
            return "unmatched"
        # Routes of an included router carry their path below the API prefix.
        return template if template.startswith(self.prefix) else self.prefix + template
