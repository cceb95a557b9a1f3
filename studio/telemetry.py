"""Prometheus metrics shared by the web process and the workers."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

JOBS_SUBMITTED = Counter("studio_jobs_submitted_total", "Jobs accepted", ["feature"])
JOBS_FINISHED = Counter("studio_jobs_finished_total", "Jobs that ended", ["feature", "status"])
JOB_SECONDS = Histogram(
    "studio_job_processing_seconds",
    "Time from claim to completion",
    ["feature"],
    buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800),
)
QUEUE_WAIT_SECONDS = Histogram(
    "studio_job_queue_wait_seconds",
    "Time from submission to a worker claiming the job",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
)
JOBS_IN_STATE = Gauge("studio_jobs", "Jobs by state (read at scrape time)", ["status"])
CREDITS_SPENT = Counter("studio_credits_spent_total", "Credits debited for jobs", ["feature"])
GPU_MEMORY_PEAK_MB = Gauge(
    "studio_last_job_peak_memory_mb", "Peak memory of the last job", ["feature"]
)
