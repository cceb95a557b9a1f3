"""Prometheus metrics shared by the web processes and the workers (names in README
"Monitoring"; deploy/grafana/ plots them)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# The API: response time by route template (never the raw path) and status.
HTTP_SECONDS = Histogram(
    "studio_http_request_seconds",
    "API response time",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
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
    ["feature"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900),
)
# Read from the database at scrape time (the job rows are the truth, whichever process ran them).
JOBS_IN_STATE = Gauge("studio_jobs", "Jobs by state (read at scrape time)", ["status"])
QUEUE_DEPTH = Gauge("studio_queue_depth", "Jobs waiting, by queue (read at scrape time)", ["queue"])
WORKER_LAST_SEEN = Gauge(
    "studio_worker_last_seen_seconds",
    "Seconds since each worker's last heartbeat (workers seen in the last hour)",
    ["worker"],
)
CREDITS_SPENT = Counter("studio_credits_spent_total", "Credits debited for jobs", ["feature"])
CREDITS_REFUNDED = Counter(
    "studio_credits_refunded_total", "Credits given back for failed or cancelled jobs", ["feature"]
)
CREDITS_PURCHASED = Counter(
    "studio_credits_purchased_total", "Credits bought through Stripe", ["package"]
)
GPU_MEMORY_PEAK_MB = Gauge(
    "studio_last_job_peak_memory_mb", "Peak memory of the last job", ["feature"]
)
# Workers only, and only where NVML answers (nvidia-ml-py on a CUDA machine).
GPU_UTILIZATION = Gauge(
    "studio_gpu_utilization_percent", "GPU busy time over the last sample", ["worker", "gpu"]
)
GPU_MEMORY_USED = Gauge("studio_gpu_memory_used_bytes", "GPU memory in use", ["worker", "gpu"])
GPU_MEMORY_TOTAL = Gauge("studio_gpu_memory_total_bytes", "GPU memory", ["worker", "gpu"])
WORKER_HEARTBEAT = Gauge(
    "studio_worker_heartbeat_timestamp_seconds", "When this worker last reported", ["worker"]
)
