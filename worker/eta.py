"""Where a waiting job stands in its queue, and when it should be done.

The order is the queue's: higher priority first, then first come. Times come from the
same feature's recent completed jobs; with no history there is no estimate.
"""

from __future__ import annotations

from pipelines.registry import FEATURES, get_feature
from studio.models import COMPLETED, PENDING, PROCESSING, Job, utcnow
from worker.broker import queue_name

RECENT = 20  # completed jobs per feature the average is taken over


def recent_seconds(feature_id: str) -> float | None:
    """Mean processing time of the feature's last RECENT completed jobs."""
    recent = (
        Job.select(Job.processing_time)
        .where((Job.feature == feature_id) & (Job.status == COMPLETED))
        .where(Job.processing_time.is_null(False))
        .order_by(Job.finished_at.desc())
        .limit(RECENT)
    )
    times = [float(row.processing_time) for row in recent if row.processing_time is not None]
    return sum(times) / len(times) if times else None


def _queue_mates(feature_id: str) -> tuple[list[str], list[str]]:
    """(features taken before it, features of equal priority) on the same queue."""
    mine = get_feature(feature_id)
    same_queue = [f for f in FEATURES.values() if queue_name(f.queue) == queue_name(mine.queue)]
    before = [f.id for f in same_queue if f.priority > mine.priority]
    equal = [f.id for f in same_queue if f.priority == mine.priority]
    return before, equal


def jobs_ahead(job: Job) -> list[str]:
    """The features of the pending jobs a worker will take before this one."""
    before, equal = _queue_mates(job.feature)
    ahead = Job.select(Job.feature).where(
        (Job.status == PENDING)
        & (Job.id != job.id)
        & (Job.feature.in_(before) | (Job.feature.in_(equal) & (Job.created_at < job.created_at)))
    )
    return [row.feature for row in ahead]


def queue_estimate(job: Job) -> tuple[int | None, float | None]:
    """(queue position, 1 = next; seconds until it should be done) for an active job."""
    if job.status == PROCESSING:
        usual = recent_seconds(job.feature)
        if usual is None or job.started_at is None:
            return None, None
        return None, max(0.0, usual - (utcnow() - job.started_at).total_seconds())
    if job.status != PENDING:
        return None, None
    ahead = jobs_ahead(job)
    typical: dict[str, float | None] = {f: recent_seconds(f) for f in {*ahead, job.feature}}
    mine = typical[job.feature]
    if mine is None:
        return len(ahead) + 1, None
    running = list(Job.select().where(Job.status == PROCESSING))
    busy = sum(
        max(0.0, (typical.get(r.feature) or recent_seconds(r.feature) or 0.0) - _elapsed(r))
        for r in running
    )
    waiting = sum(typical[f] or mine for f in ahead)
    workers = max(1, len({r.worker_id for r in running}))
    return len(ahead) + 1, round((busy + waiting) / workers + mine, 1)


def _elapsed(job: Job) -> float:
    return 0.0 if job.started_at is None else (utcnow() - job.started_at).total_seconds()
