"""Running workers: embedded in the web process, or standalone (`python -m worker`)."""

from __future__ import annotations

import logging
from typing import Any

from huey.consumer import Consumer
from prometheus_client import start_http_server

from billing.schema import create_all_tables
from studio.db import init_database
from studio.settings import get_settings
from worker.broker import huey_named, served_queues
from worker.leases import Maintenance
from worker.tasks import run_job_task
from worker.webhooks import WebhookSender

logger = logging.getLogger(__name__)

# Huey backs off to 10 s when idle by default; these keep an idle SQLite queue
# starting a job within ~0.25 s (Redis uses a blocking pop and is faster still).
POLL: dict[str, Any] = {"initial_delay": 0.01, "backoff": 1.15, "max_delay": 0.25}


class ThreadConsumer(Consumer):
    """A Huey consumer that can run outside the main thread (no signal handlers)."""

    def _set_signal_handlers(self) -> None:
        pass


def _consumer(cls: type[Consumer], name: str, workers: int) -> Consumer:
    # periodic=False: no periodic tasks, but the scheduler still moves delayed retries (a job
    # waiting for its owner's running limit) back onto the queue.
    huey = run_job_task(huey_named(name)).huey
    return cls(huey, workers=workers, worker_type="thread", periodic=False, **POLL)


class Worker:
    """One Huey consumer per queue served, the maintenance thread and the webhook sender."""

    def __init__(self, workers: int = 1, queues: list[str] | None = None):
        self.queues = served_queues(queues)
        self.consumers = [_consumer(ThreadConsumer, name, workers) for name in self.queues]
        self.maintenance = Maintenance(get_settings().reaper_interval, self.queues)
        self.webhooks = WebhookSender(get_settings().webhook_poll_seconds)

    def start(self) -> None:
        for consumer in self.consumers:
            consumer.start()
        self.maintenance.start()
        self.webhooks.start()
        logger.info("worker started queues=%s", ",".join(self.queues))

    def stop(self, graceful: bool = True) -> None:
        self.maintenance.stopped.set()
        self.webhooks.stopped.set()
        for consumer in self.consumers:
            consumer.stop(graceful=graceful)
        logger.info("worker stopped")


def run_standalone(workers: int = 1, queues: list[str] | None = None) -> None:
    """`python -m worker`: consume the queues until interrupted (SIGINT/SIGTERM)."""
    settings = get_settings()
    init_database(settings.resolved_database_url)
    create_all_tables()
    names = served_queues(queues)
    # The first queue runs in the main thread (Huey's signal handling); others beside it.
    extra = [_consumer(ThreadConsumer, name, workers) for name in names[1:]]
    main = _consumer(Consumer, names[0], workers)
    if settings.worker_metrics_port:
        start_http_server(settings.worker_metrics_port, addr=settings.worker_metrics_host)
        logger.info(
            "worker metrics on %s:%s", settings.worker_metrics_host, settings.worker_metrics_port
        )
    maintenance = Maintenance(settings.reaper_interval, names)
    maintenance.start()
    webhooks = WebhookSender(settings.webhook_poll_seconds)
    webhooks.start()
    for consumer in extra:
        consumer.start()
    logger.info("worker serving queues=%s threads=%s", ",".join(names), workers)
    try:
        main.run()
    finally:
        for consumer in extra:
            consumer.stop(graceful=False)
        maintenance.stopped.set()
        webhooks.stopped.set()
