"""Logging, configured once per process."""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_configured = False


def configure_logging(level: str = "INFO") -> None:
    """Send studio logs to stderr; quiet chatty libraries."""
    global _configured
    if _configured:
        return
    logging.basicConfig(level=level.upper(), format=FORMAT)
    for noisy in ("httpx", "httpcore", "huey", "urllib3", "PIL", "diffusers", "transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    _configured = True
