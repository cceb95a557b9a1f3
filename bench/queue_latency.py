"""Enqueue → start latency of an idle queue (embedded SQLite and Redis) and the time of one
tiny image job.

    .venv/bin/python bench/queue_latency.py [--jobs 5] [--idle 2]

Each job is submitted after the worker has sat idle for --idle seconds, so the
consumer's polling back-off is included. Needs Redis on 127.0.0.1:6379 for the
Redis half (skipped with a note otherwise).
"""

from __future__ import annotations

import argparse
import logging
import socket
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from harness import configure_studio, new_user, run_job

logger = logging.getLogger("bench")
JOB = {"prompt": "a lighthouse", "width": 512, "height": 512, "steps": 2}


def measure(label: str, jobs: int, idle: float) -> dict[str, float]:
    from worker.consumer import Worker

    user = new_user()
    worker = Worker()
    worker.start()
    latencies, durations = [], []
    try:
        for _ in range(jobs):
            time.sleep(idle)
            job, _ = run_job(user, "image_generation", JOB)
            latencies.append((job.started_at - job.created_at).total_seconds())
            durations.append(job.processing_time)
    finally:
        worker.stop(graceful=False)
    # The first job builds/loads the model; report it separately.
    return {
        "label": label,
        "latency_median_ms": statistics.median(latencies) * 1000,
        "latency_max_ms": max(latencies) * 1000,
        "first_job_s": durations[0],
        "warm_job_median_s": statistics.median(durations[1:] or durations),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=5)
    parser.add_argument("--idle", type=float, default=2.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        rows = []
        configure_studio(root / "sqlite", root / "models")
        rows.append(measure("embedded SQLite queue", args.jobs, args.idle))
        with socket.socket() as sock:
            redis_up = sock.connect_ex(("127.0.0.1", 6379)) == 0
        if redis_up:
            configure_studio(
                root / "redis",
                root / "models",
                queue_url="redis://127.0.0.1:6379/0",
                queue_name=f"bench-{uuid.uuid4().hex[:6]}",
            )
            rows.append(measure("Redis queue", args.jobs, args.idle))
        else:
            rows.append({"label": "Redis queue: skipped (nothing on 127.0.0.1:6379)"})
    out = sys.stdout
    out.write(f"{args.jobs} jobs each after {args.idle:.1f} s idle; tiny SDXL, 512x512, 2 steps\n")
    for row in rows:
        if "latency_median_ms" not in row:
            out.write(row["label"] + "\n")
            continue
        out.write(
            f"{row['label']:<24} enqueue→start median {row['latency_median_ms']:.0f} ms, "
            f"max {row['latency_max_ms']:.0f} ms; first job {row['first_job_s']:.2f} s, "
            f"warm job median {row['warm_job_median_s']:.2f} s\n"
        )


if __name__ == "__main__":
    main()
