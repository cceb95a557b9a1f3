"""Scale-out, proven: 2 web processes + 3 standalone workers on PostgreSQL + Redis + S3,
3 users submitting 60 jobs through both web processes at once, one worker SIGKILLed mid-job.

Every job ends (completed, or failed and refunded once), no job completes twice, every
balance equals its ledger, and every output downloads through either web process.
"""

from __future__ import annotations

import secrets
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from billing.ledger import balance, ledger_sum
from studio.models import COMPLETED, FAILED, FINAL_STATES, PROCESSING, Job, LedgerEntry
from tests.conftest import configure
from tests.scale.cluster import Cluster, figures, now, register, submit

SMALL = {"prompt": "a paper boat", "width": 512, "height": 512, "steps": 1}
LONG = SMALL | {"steps": 30}  # long enough to be killed mid-job
JOBS, USERS = 60, 3


@pytest.mark.slow
@pytest.mark.timeout(480)  # ~2.5 min on 2 quiet cores; headroom for a loaded machine
def test_two_webs_three_workers_one_killed(
    studio, monkeypatch, tmp_path, models_dir, postgres_url, redis_queue, s3_url, capsys
):
    queue_url, queue_name = redis_queue
    env = {
        "STUDIO_DATABASE_URL": postgres_url,
        "STUDIO_QUEUE_URL": queue_url,
        "STUDIO_QUEUE_NAME": queue_name,
        "STUDIO_STORAGE_URL": s3_url,
        "STUDIO_SECRET_KEY": secrets.token_urlsafe(32),  # the same on every process
        "STUDIO_LEASE_SECONDS": "5",
        "STUDIO_REAPER_INTERVAL": "0.5",
        "STUDIO_MAX_PENDING_PER_USER": "100",
    }
    configure(monkeypatch, **{k.removeprefix("STUDIO_").lower(): v for k, v in env.items()})
    cluster = Cluster(tmp_path, models_dir, env)
    try:
        cluster.start(webs=2, workers=3)
        web_a, web_b = cluster.webs
        users = [register(web_a) for _ in range(USERS)]
        owner = {
            httpx.get(f"{web_b}/api/v1/users/profile", headers=u, timeout=30).json()["id"]: u
            for u in users
        }
        started = now()

        # 1. The long job first, then 60 small ones through both web processes at once.
        long_id = submit(web_b, users[0], LONG)
        with ThreadPoolExecutor(12) as pool:
            ids = list(
                pool.map(
                    lambda i: submit(cluster.webs[i % 2], users[i % USERS], SMALL), range(JOBS)
                )
            )
        all_ids = [long_id, *ids]

        # 2. SIGKILL the worker running the long job once it is under way.
        deadline = now() + 120
        while (job := Job.get_by_id(long_id)).status != PROCESSING or job.progress < 5:
            assert now() < deadline and job.status not in FINAL_STATES, job.status
            time.sleep(0.05)
        pid = int(job.worker_id.split(":")[1])
        victim = next(p for p in cluster.workers if p.pid == pid)
        victim.send_signal(signal.SIGKILL)
        victim.wait()

        # 3. Everything ends.
        deadline = now() + 240
        while Job.select().where(Job.status.not_in(FINAL_STATES)).count():
            assert now() < deadline, "jobs still running after 240 s"
            time.sleep(0.25)
        ended = now()
        rows = list(Job.select().where(Job.id.in_(all_ids)))

        # 4. Downloads through either web process.
        with httpx.Client(timeout=30) as client:
            for row in rows:
                if row.status != COMPLETED:
                    continue
                for base in cluster.webs:
                    r = client.get(
                        f"{base}/api/v1/jobs/{row.id}/download", headers=owner[row.user_id]
                    )
                    assert r.status_code == 200 and r.content.startswith(b"\x89PNG"), r.text
    finally:
        cluster.stop()

    assert len(rows) == JOBS + 1 and all(r.status in (COMPLETED, FAILED) for r in rows)
    completions = cluster.completions()
    for row in rows:
        refunds = LedgerEntry.select().where(LedgerEntry.key == f"job:{row.id}:refund").count()
        if row.status == COMPLETED:
            assert completions[row.id] == 1, f"{row.id} completed {completions[row.id]} times"
            assert refunds == 0
        else:
            assert completions[row.id] == 0 and refunds == 1, row.error
    assert Job.get_by_id(long_id).attempts == 2  # the reaper gave it to another worker
    for user_row in {r.user_id for r in rows}:
        spent = sum(
            r.credits_charged for r in rows if r.user_id == user_row and r.status == COMPLETED
        )
        assert balance(user_row) == ledger_sum(user_row) == 50 - spent
    numbers = figures(rows, started, ended)
    with capsys.disabled():
        sys.stdout.write(f"\nscale-out: {numbers}\n")
    assert numbers["recoveries"] >= 1
