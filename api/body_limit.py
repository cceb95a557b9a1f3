"""Request size limits for /api/v1, counted as the bytes arrive (chunked bodies included)."""

from __future__ import annotations

import contextlib
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response
from pipelines.declare import MAX_UPLOAD_BYTES
from pipelines.registry import FEATURES

logger = logging.getLogger(__name__)

TEXT_BODY_BYTES = 2**20  # a JSON body, or the text fields next to a feature's uploads
_JOB_LIMITS = {
    f"/api/v1/jobs/{f.slug}": MAX_UPLOAD_BYTES * len(f.uploads) + TEXT_BODY_BYTES
    for f in FEATURES.values()
}


def body_limit(method: str, path: str) -> int:
    """The most bytes a request to this route may carry."""
    if method == "POST" and path in _JOB_LIMITS:
        return _JOB_LIMITS[path]
    return TEXT_BODY_BYTES


class _Tripped(Exception):
    """Raised into the route that reads past the limit; the middleware answers 413."""


class BodyLimit:
    """Refuse /api/v1 requests over their size limit with 413, without reading them in full.

    The declared Content-Length is checked first; bodies without one (chunked) are counted
    chunk by chunk, and reading stops at the limit whatever the route does with the error.
    """

    def __init__(self, app: ASGIApp, prefix: str = "/api/v1"):
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope["method"], scope["path"])
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _too_large(limit)(scope, receive, send)
            return
        received = 0
        tripped = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, tripped
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    tripped = True
                    raise _Tripped
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if tripped:
                return  # the route's own answer to the error it was handed is replaced below
            started = started or message["type"] == "http.response.start"
            await send(message)

        with contextlib.suppress(_Tripped):
            await self.app(scope, counting_receive, guarded_send)
        if tripped and not started:
            logger.info("refused %s %s: body over %d bytes", scope["method"], scope["path"], limit)
            await _too_large(limit)(scope, receive, send)


def _too_large(limit: int):
    megabytes = max(1, round(limit / 2**20))
    return error_response(
        413, "too_large", f"the request must be at most {megabytes} MB", field="body"
    )
