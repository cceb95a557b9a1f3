"""Logging, configured once per process: text, or JSON lines (STUDIO_LOG_FORMAT=json), with
the request id that caused the work on every line (carried from the API into the job), and
secrets (login tokens, API keys) redacted from every line and from what libraries print."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import TextIO

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Login tokens (JWTs) and API keys, wherever they appear in a message or a traceback.
SECRET = re.compile(r"eyJ[\w-]{6,}\.[\w-]{6,}\.[\w-]{6,}|sk_studio_[\w-]{6,}")
_configured = False

# Set by the API for a request and by the worker for the job that request queued.
request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def redact(text: str) -> str:
    return SECRET.sub("[redacted]", text)


class RedactingStream:
    """stderr with secrets removed: libraries print tracebacks (Gradio: with the request's
    input values) straight to the stream, past logging."""

    def __init__(self, stream: TextIO):
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(redact(text))

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


class RedactingFormatter(logging.Formatter):
    """Any formatter's lines, with secrets removed."""

    def __init__(self, inner: logging.Formatter | None = None, fmt: str | None = None):
        super().__init__(fmt)
        self._inner = inner

    def format(self, record: logging.LogRecord) -> str:
        return redact(self._inner.format(record) if self._inner else super().format(record))


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (None outside a request or job)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None)
        if rid:
            entry["request_id"] = rid
        for key in ("method", "path", "route", "status", "duration_ms", "client"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        rid = getattr(record, "request_id", None)
        return f"{line} request_id={rid}" if rid and "request_id=" not in line else line


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    """Send studio logs to stderr as text or JSON lines; quiet chatty libraries; redact."""
    global _configured
    if _configured:
        return
    if not isinstance(sys.stderr, RedactingStream):
        sys.stderr = RedactingStream(sys.stderr)  # type: ignore[assignment]
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    inner = JsonFormatter() if fmt == "json" else TextFormatter(FORMAT)
    handler.setFormatter(RedactingFormatter(inner))
    logging.basicConfig(level=level.upper(), handlers=[handler])
    for noisy in ("httpx", "httpcore", "huey", "urllib3", "PIL", "diffusers", "transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    _configured = True
