"""The one task the queues carry: run a job by id."""

from __future__ import annotations

import threading

from huey import Huey
from huey.api import TaskWrapper

from pipelines.registry import get_feature
from studio.models import Job
from worker.broker import get_huey
from worker.runner import run_job

_lock = threading.Lock()
_registered: dict[int, TaskWrapper] = {}  # id(Huey) → its run_job task (tests switch queues)


def run_job_task(huey: Huey | None = None) -> TaskWrapper:
    """The run_job task on this Huey instance (registered once)."""
    huey = huey or get_huey()
    with _lock:
        task = _registered.get(id(huey))
        if task is None or task.huey is not huey:
            task = huey.task(name="run_job")(run_job)
            _registered[id(huey)] = task
        return task


def enqueue(job_id: str) -> None:
    """Put a job id on its feature's queue with its feature's priority."""
    feature = get_feature(Job.select(Job.feature).where(Job.id == job_id).scalar())
    task = run_job_task(get_huey(feature.queue))
    task.huey.enqueue(task.s(job_id, priority=feature.priority))
