"""Worker heartbeats: each worker's row in the `workers` table (the Admin tab lists them) and
its gauges (heartbeat time, GPU utilisation and memory) for Prometheus."""

from __future__ import annotations

import os
import socket
import time
from datetime import timedelta

from peewee import IntegrityError

from studio.models import PROCESSING, Job, WorkerBeat, utcnow
from studio.telemetry import (
    GPU_MEMORY_TOTAL,
    GPU_MEMORY_USED,
    GPU_UTILIZATION,
    WORKER_HEARTBEAT,
)
from worker.gpus import gpu_readings


def worker_name() -> str:
    """This worker process: host:pid (job rows name host:pid:thread)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def beat(name: str, queues: list[str]) -> WorkerBeat:
    """Record that this worker is alive, what it runs and its GPUs."""
    now = utcnow()
    gpus = gpu_readings()
    running = (
        Job.select()
        .where((Job.status == PROCESSING) & Job.worker_id.startswith(f"{name}:"))
        .count()
    )
    fields = {"last_seen": now, "running": running, "gpus": gpus, "queues": ",".join(queues)}
    if not WorkerBeat.update(**fields).where(WorkerBeat.id == name).execute():
        try:
            WorkerBeat.create(id=name, host=name.rsplit(":", 1)[0], started_at=now, **fields)
        except IntegrityError:  # a second thread of the same worker got there first
            WorkerBeat.update(**fields).where(WorkerBeat.id == name).execute()
    WORKER_HEARTBEAT.labels(name).set(time.time())
    for gpu in gpus:
        labels = (name, str(gpu["index"]))
        GPU_UTILIZATION.labels(*labels).set(gpu["utilization"])
        GPU_MEMORY_USED.labels(*labels).set(gpu["memoryUsed"])
        GPU_MEMORY_TOTAL.labels(*labels).set(gpu["memoryTotal"])
    return WorkerBeat.get_by_id(name)


def live_workers(within: timedelta = timedelta(minutes=2)) -> list[WorkerBeat]:
    """Workers that reported recently, newest first."""
    since = utcnow() - within
    return list(WorkerBeat.select().where(WorkerBeat.last_seen >= since).order_by(WorkerBeat.id))


def forget_old_workers(older_than: timedelta = timedelta(days=1)) -> int:
    """Drop rows of workers silent for a day (restarts leave one row per process)."""
    return WorkerBeat.delete().where(WorkerBeat.last_seen < utcnow() - older_than).execute()
