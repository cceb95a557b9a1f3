"""The Huey broker: SQLite in the data dir by default, Redis by URL.

The queue only carries job ids to one generic task; the job row is the truth.
"""

from __future__ import annotations

import logging
import threading

from huey import Huey, RedisHuey, SqliteHuey

from studio.settings import get_settings

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_huey: Huey | None = None
_task = None


def _run_job(job_id: str) -> None:
    from worker.runner import run_job  # the runner imports pipelines; load it in workers only

    run_job(job_id)


def _open(url: str, name: str) -> Huey:
    if url.startswith(("redis://", "rediss://", "unix://")):
        # Blocking pop: a job is picked up within milliseconds of being queued.
        return RedisHuey(name, url=url, blocking=True, read_timeout=1)
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        return SqliteHuey(name, filename=path, timeout=10)
    raise ValueError(f"STUDIO_QUEUE_URL must be sqlite:///PATH or redis://…, got {url!r}")


def get_huey() -> Huey:
    """The process-wide Huey instance with the run_job task registered."""
    global _huey, _task
    with _lock:
        if _huey is None:
            settings = get_settings()
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            _huey = _open(settings.resolved_queue_url, settings.queue_name)
            _task = _huey.task(name="run_job")(_run_job)
            logger.info("queue ready: %s", type(_huey).__name__)
        return _huey


def enqueue(job_id: str) -> None:
    """Put a job id on the queue."""
    get_huey()
    _task(job_id)


def pending_messages() -> int:
    """How many messages wait in the queue."""
    return get_huey().pending_count()


def reset_broker() -> None:
    """Forget the Huey instance (tests switch queues)."""
    global _huey, _task
    with _lock:
        _huey = None
        _task = None
