"""What an operator looks at, read from the database (the Admin tab; /metrics at scrape time):
jobs per hour, processing times, queue depth, credits, failures, workers."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from pipelines.registry import FEATURES, get_feature
from studio.models import COMPLETED, FAILED, PENDING, Job, LedgerEntry, utcnow
from worker.broker import QUEUES
from worker.heartbeats import live_workers


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _queue_of(feature_id: str) -> str:
    try:
        return get_feature(feature_id).queue
    except KeyError:  # a row from a feature this release no longer has
        return "default"


def queue_depths() -> dict[str, int]:
    """Jobs waiting now, by queue as features declare them (default, video)."""
    depths: dict[str, int] = dict.fromkeys(QUEUES, 0)
    for row in Job.select(Job.feature).where(Job.status == PENDING):
        depths[_queue_of(row.feature)] += 1
    return depths


def jobs_per_hour(hours: int = 24) -> list[dict[str, Any]]:
    """[{hour, feature, status, jobs}] for jobs submitted in the last `hours` hours."""
    since = utcnow() - timedelta(hours=hours)
    counts: Counter[tuple[datetime, str, str]] = Counter(
        (_hour(j.created_at), j.feature, j.status)
        for j in Job.select(Job.created_at, Job.feature, Job.status).where(Job.created_at >= since)
    )
    return [
        {"hour": hour, "feature": feature, "status": status, "jobs": n}
        for (hour, feature, status), n in sorted(counts.items())
    ]


def processing_times(days: int = 7) -> list[dict[str, Any]]:
    """[{feature, quantile, seconds}]: p50 and p95 of completed jobs' processing time."""
    since = utcnow() - timedelta(days=days)
    times: dict[str, list[float]] = {}
    completed = Job.select(Job.feature, Job.processing_time).where(
        (Job.status == COMPLETED) & (Job.finished_at >= since) & Job.processing_time.is_null(False)
    )
    for job in completed:
        if job.processing_time is not None:
            times.setdefault(job.feature, []).append(float(job.processing_time))
    rows = []
    for feature, values in sorted(times.items()):
        values.sort()
        p95 = (
            statistics.quantiles(values, n=20, method="inclusive")[18]
            if len(values) > 1
            else values[0]
        )
        rows.append({"feature": feature, "quantile": "p50", "seconds": statistics.median(values)})
        rows.append({"feature": feature, "quantile": "p95", "seconds": p95})
    return rows


def queue_depth_history(hours: int = 24, step_minutes: int = 15) -> list[dict[str, Any]]:
    """[{time, queue, waiting}]: how many jobs were waiting at each step of the window
    (a job waited from submission until a worker claimed it, or it ended unclaimed)."""
    now = utcnow()
    since = now - timedelta(hours=hours)
    waits: list[tuple[str, datetime, datetime]] = []
    relevant = Job.select(
        Job.feature, Job.created_at, Job.started_at, Job.finished_at, Job.status
    ).where((Job.created_at >= since) | (Job.status == PENDING))
    later = now + timedelta(seconds=1)  # still waiting: counted at every step up to now
    for job in relevant:
        end = job.started_at or job.finished_at or (later if job.status == PENDING else None)
        if end is not None:
            waits.append((_queue_of(job.feature), job.created_at, end))
    rows = []
    moment = since
    while moment <= now:
        for queue in QUEUES:
            waiting = sum(1 for q, start, end in waits if q == queue and start <= moment < end)
            rows.append({"time": moment, "queue": queue, "waiting": waiting})
        moment += timedelta(minutes=step_minutes)
    return rows


def _credit_kind(entry: LedgerEntry) -> str:
    key = entry.key
    if key.startswith("job:") and key.endswith(":debit"):
        return "spent"
    if key.startswith("job:") and key.endswith(":refund"):
        return "refunded"
    if key.startswith("stripe:"):
        return "purchased"
    if key.startswith("signup:"):
        return "signup"
    return "granted"


def credits_per_day(days: int = 30) -> list[dict[str, Any]]:
    """[{day, kind, credits}]: spent, refunded, purchased, signup and operator grants."""
    since = utcnow() - timedelta(days=days)
    totals: Counter[tuple[str, str]] = Counter()
    for entry in LedgerEntry.select().where(LedgerEntry.created_at >= since):
        totals[(entry.created_at.strftime("%Y-%m-%d"), _credit_kind(entry))] += abs(entry.amount)
    return [{"day": day, "kind": kind, "credits": n} for (day, kind), n in sorted(totals.items())]


def failure_reasons(days: int = 7, limit: int = 20) -> list[dict[str, Any]]:
    """[{feature, reason, jobs}]: the commonest errors of failed jobs, most frequent first."""
    since = utcnow() - timedelta(days=days)
    reasons: Counter[tuple[str, str]] = Counter(
        (job.feature, (job.error or "no reason recorded")[:200])
        for job in Job.select(Job.feature, Job.error).where(
            (Job.status == FAILED) & (Job.created_at >= since)
        )
    )
    return [
        {"feature": feature, "reason": reason, "jobs": n}
        for (feature, reason), n in reasons.most_common(limit)
    ]


def workers() -> list[dict[str, Any]]:
    """Workers that reported in the last two minutes, with their GPUs."""
    now = utcnow()
    rows = []
    for beat in live_workers():
        gpus = beat.gpus or []
        rows.append(
            {
                "worker": beat.id,
                "queues": beat.queues,
                "running": beat.running,
                "lastSeenSeconds": round((now - beat.last_seen).total_seconds(), 1),
                "gpus": ", ".join(
                    f"{g['name']} {g['utilization']:.0f}% "
                    f"{g['memoryUsed'] / 2**30:.1f}/{g['memoryTotal'] / 2**30:.1f} GiB"
                    for g in gpus
                )
                or "none (CPU)",
            }
        )
    return rows


def feature_title(feature_id: str) -> str:
    feature = FEATURES.get(feature_id)
    return feature.title if feature else feature_id
