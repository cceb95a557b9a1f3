"""Running workers: embedded in the web process, or standalone (`python -m worker`)."""

from __future__ import annotations

import logging
from typing import Any

from huey.consumer import Consumer

from billing.schema import create_all_tables
from studio.db import init_database
from studio.settings import get_settings
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


class Worker:
    """A Huey consumer plus the reaper/sweeper thread."""

    def __init__(self, workers: int = 1):
        self.consumer = ThreadConsumer(
            run_job_task().huey, workers=workers, worker_type="thread", periodic=False, **POLL
        )
        self.maintenance = Maintenance(get_settings().reaper_interval)
        self.webhooks = WebhookSender(get_settings().webhook_poll_seconds)

    def start(self) -> None:
        self.consumer.start()
        self.maintenance.start()
        self.webhooks.start()
        logger.info("worker started (%s thread(s))", self.consumer.workers)

    def stop(self, graceful: bool = True) -> None:
        self.maintenance.stopped.set()
        self.webhooks.stopped.set()
        self.consumer.stop(graceful=graceful)
        logger.info("worker stopped")


def run_standalone(workers: int = 1) -> None:
    """`python -m worker`: consume the queue until interrupted (SIGINT/SIGTERM)."""
    settings = get_settings()
    init_database(settings.resolved_database_url)
    create_all_tables()
    consumer = Consumer(
        run_job_task().huey, workers=workers, worker_type="thread", periodic=False, **POLL
    )
    maintenance = Maintenance(settings.reaper_interval)
    maintenance.start()
    webhooks = WebhookSender(settings.webhook_poll_seconds)
    webhooks.start()
    try:
        consumer.run()
    finally:
        maintenance.stopped.set()
        webhooks.stopped.set()
