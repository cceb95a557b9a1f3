"""The Huey broker: SQLite in the data dir by default, Redis by URL.

The broker object only; the task it carries is registered in worker/tasks.py, so
nothing imports in a circle. The queue only carries job ids; the job row is the truth.
"""

from __future__ import annotations

import logging
import threading

from huey import Huey, RedisHuey, SqliteHuey

from studio.settings import get_settings

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_huey: Huey | None = None


def _open(url: str, name: str) -> Huey:
    if url.startswith(("redis://", "rediss://", "unix://")):
        # Blocking pop: a job is picked up within milliseconds of being queued.
        return RedisHuey(name, url=url, blocking=True, read_timeout=1)
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        return SqliteHuey(name, filename=path, timeout=10)
    raise ValueError(f"STUDIO_QUEUE_URL must be sqlite:///PATH or redis://…, got {url!r}")


def get_huey() -> Huey:
    """The process-wide Huey instance."""
    global _huey
    with _lock:
        if _huey is None:
            settings = get_settings()
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            _huey = _open(settings.resolved_queue_url, settings.queue_name)
            logger.info("queue ready: %s", type(_huey).__name__)
        return _huey


def pending_messages() -> int:
    """How many messages wait in the queue."""
    return get_huey().pending_count()


def reset_broker() -> None:
    """Forget the Huey instance (tests switch queues)."""
    global _huey
    with _lock:
        _huey = None
