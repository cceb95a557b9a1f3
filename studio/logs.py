"""Logging, configured once per process; secrets never reach the log."""

from __future__ import annotations

import logging
import re
import sys
from typing import TextIO

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Login tokens (JWTs) and API keys, wherever they appear in a message or a traceback.
SECRET = re.compile(r"eyJ[\w-]{6,}\.[\w-]{6,}\.[\w-]{6,}|sk_studio_[\w-]{6,}")
_configured = False


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
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure_logging(level: str = "INFO") -> None:
    """Send studio logs to stderr; quiet chatty libraries; redact secrets."""
    global _configured
    if _configured:
        return
    if not isinstance(sys.stderr, RedactingStream):
        sys.stderr = RedactingStream(sys.stderr)  # type: ignore[assignment]
    logging.basicConfig(level=level.upper(), format=FORMAT)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(RedactingFormatter(FORMAT))
    for noisy in ("httpx", "httpcore", "huey", "urllib3", "PIL", "diffusers", "transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    _configured = True
