"""The Huey brokers: SQLite in the data dir by default, Redis by URL; one per queue.

The broker objects only; the task they carry is registered in worker/tasks.py, so
nothing imports in a circle. The queue only carries job ids; the job row is the truth.
Both kinds honour priorities (higher first), so a cheap job overtakes queued videos.
"""

from __future__ import annotations

import logging
import threading

from huey import Huey, PriorityRedisHuey, SqliteHuey

from studio.settings import get_settings

logger = logging.getLogger(__name__)

QUEUES = ("default", "video")  # as features declare them (pipelines/declare.py)

_lock = threading.Lock()
_hueys: dict[str, Huey] = {}


def _open(url: str, name: str) -> Huey:
    if url.startswith(("redis://", "rediss://", "unix://")):
        # A sorted set (plain RedisHuey has no priorities); still a blocking pop, so a job is
        # picked up within milliseconds of being queued.
        return PriorityRedisHuey(name, url=url, blocking=True, read_timeout=1)
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        return SqliteHuey(name, filename=path, timeout=10)
    raise ValueError(f"STUDIO_QUEUE_URL must be sqlite:///PATH or redis://…, got {url!r}")


def queue_name(queue: str = "default") -> str:
    """The Huey name a queue has in this deployment (video shares default unless separated)."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}; one of {', '.join(QUEUES)}")
    settings = get_settings()
    if queue == "default" or not settings.separate_video_queue:
        return settings.queue_name
    return f"{settings.queue_name}-{queue}"


def served_queues(wanted: list[str] | None = None) -> list[str]:
    """The distinct queue names a worker asked for `wanted` (all by default) consumes."""
    names: list[str] = []
    for queue in wanted or QUEUES:
        name = queue_name(queue)
        if name not in names:
            names.append(name)
    return names


def get_huey(queue: str = "default") -> Huey:
    """The process-wide Huey instance of a queue."""
    return huey_named(queue_name(queue))


def huey_named(name: str) -> Huey:
    """The process-wide Huey instance with this Huey name."""
    with _lock:
        if name not in _hueys:
            settings = get_settings()
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            _hueys[name] = _open(settings.resolved_queue_url, name)
            logger.info("queue ready: %s %s", type(_hueys[name]).__name__, name)
        return _hueys[name]


def pending_messages() -> int:
    """How many messages wait in all the queues."""
    return sum(huey_named(name).pending_count() for name in served_queues())


def reset_broker() -> None:
    """Forget the Huey instances (tests switch queues)."""
    with _lock:
        _hueys.clear()
