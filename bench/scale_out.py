"""Throughput of a scaled-out studio: W web processes + N `python -m worker` processes on
PostgreSQL + Redis + S3 (s3rver), U users submitting J tiny image jobs through every web
process at once, optionally one worker SIGKILLed mid-job.

    .venv/bin/python bench/scale_out.py [--webs 2] [--workers 3] [--users 3] [--jobs 60] [--kill]

Prints jobs/min, queue wait p50/p95 (s) and recoveries (the same figures as tests/scale/).
Needs PostgreSQL (postgres@127.0.0.1:5432, trust), Redis (127.0.0.1:6379) and s3rver in .tools/.
"""

from __future__ import annotations

import argparse
import logging
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import harness  # noqa: F401 — puts the repository on sys.path, offline settings

logger = logging.getLogger("bench")
SMALL = {"prompt": "a paper boat", "width": 512, "height": 512, "steps": 1}


def _services(root: Path) -> tuple[str, subprocess.Popen, str]:
    """A fresh PostgreSQL database, an s3rver, and their URLs."""
    import psycopg

    from tests.conftest import POSTGRES_ADMIN_URL, S3RVER, free_port, port_open

    name = f"studio_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    port = free_port()
    s3 = subprocess.Popen(
        [str(S3RVER), "-d", str(root / "s3"), "-a", "127.0.0.1", "-p", str(port)]
        + ["--no-vhost-buckets"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while not port_open(port):
        time.sleep(0.1)
    return (
        f"postgresql://postgres@127.0.0.1:5432/{name}",
        s3,
        f"s3://S3RVER:S3RVER@127.0.0.1:{port}/studio?secure=false",
    )


def _drop(database_url: str) -> None:
    import psycopg

    from studio.db import close_database
    from tests.conftest import POSTGRES_ADMIN_URL

    close_database()
    name = database_url.rsplit("/", 1)[-1]
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--webs", type=int, default=2)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--users", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=60)
    parser.add_argument("--kill", action="store_true", help="SIGKILL one busy worker")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)

    from studio.models import FINAL_STATES, PROCESSING, Job
    from tests.scale.cluster import Cluster, figures, register, submit

    root = Path(tempfile.mkdtemp(prefix="scale-bench-"))
    database_url, s3, storage_url = _services(root)
    env = {
        "STUDIO_DATABASE_URL": database_url,
        "STUDIO_QUEUE_URL": "redis://127.0.0.1:6379/0",
        "STUDIO_QUEUE_NAME": f"bench-{uuid.uuid4().hex[:6]}",
        "STUDIO_STORAGE_URL": storage_url,
        "STUDIO_SECRET_KEY": secrets.token_urlsafe(32),
        "STUDIO_LEASE_SECONDS": "5",
        "STUDIO_REAPER_INTERVAL": "0.5",
        "STUDIO_MAX_PENDING_PER_USER": str(args.jobs),
        "STUDIO_SIGNUP_CREDITS": str(2 * args.jobs),
    }
    harness.configure_studio(
        root / "bench",
        root / "models",
        **{k.removeprefix("STUDIO_").lower(): v for k, v in env.items()},
    )
    cluster = Cluster(root, root / "models", env)
    try:
        cluster.start(webs=args.webs, workers=args.workers)
        users = [register(cluster.webs[0]) for _ in range(args.users)]
        started = time.monotonic()
        with ThreadPoolExecutor(12) as pool:
            ids = list(
                pool.map(
                    lambda i: submit(cluster.webs[i % args.webs], users[i % args.users], SMALL),
                    range(args.jobs),
                )
            )
        if args.kill:
            while not (busy := Job.get_or_none(Job.status == PROCESSING)):
                time.sleep(0.02)
            pid = int(busy.worker_id.split(":")[1])
            next(p for p in cluster.workers if p.pid == pid).send_signal(signal.SIGKILL)
            logger.info("killed worker pid %s running job %s", pid, busy.id)
        while Job.select().where(Job.id.in_(ids) & Job.status.not_in(FINAL_STATES)).count():
            time.sleep(0.25)
        ended = time.monotonic()
        rows = list(Job.select().where(Job.id.in_(ids)))
    finally:
        cluster.stop()
        s3.terminate()
        _drop(database_url)
    logger.info(
        "%s webs, %s workers, %s jobs: %s",
        args.webs,
        args.workers,
        args.jobs,
        figures(rows, started, ended),
    )


if __name__ == "__main__":
    sys.exit(main())
