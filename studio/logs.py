"""Logging, configured once per process: text, or JSON lines (STUDIO_LOG_FORMAT=json), with
the request id that caused the work on every line (carried from the API into the job)."""

from __future__ import annotations

import contextvars
import json
import logging
from datetime import UTC, datetime

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_configured = False

# Set by the API for a request and by the worker for the job that request queued.
request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


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
    """Send studio logs to stderr as text or JSON lines; quiet chatty libraries."""
    global _configured
    if _configured:
        return
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter(FORMAT))
    logging.basicConfig(level=level.upper(), handlers=[handler])
    for noisy in ("httpx", "httpcore", "huey", "urllib3", "PIL", "diffusers", "transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    _configured = True
