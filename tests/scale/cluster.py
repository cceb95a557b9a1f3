"""A studio of many processes on one machine: web processes and standalone workers sharing
PostgreSQL, Redis and an S3 server, driven over REST (the scale test and bench/scale_out.py)."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.conftest import ROOT, start_server

COMPLETED_LINE = re.compile(r"job completed job_id=(\w+)")


@dataclass
class Cluster:
    """`webs` app.py processes (no embedded worker) and `workers` `python -m worker`s."""

    root: Path
    models_dir: Path
    env: dict[str, str]  # STUDIO_* shared by every process (database, queue, storage, secret)
    webs: list[str] = field(default_factory=list)  # base URLs
    web_procs: list[subprocess.Popen] = field(default_factory=list)
    workers: list[subprocess.Popen] = field(default_factory=list)

    def start(self, webs: int, workers: int) -> None:
        for n in range(workers):
            self.workers.append(self._worker(n))
        with ThreadPoolExecutor(webs) as pool:
            started = list(pool.map(self._web, range(webs)))
        self.web_procs = [proc for proc, _ in started]
        self.webs = [base for _, base in started]

    def _web(self, n: int) -> tuple[subprocess.Popen, str]:
        folder = self.root / f"web{n}"
        folder.mkdir(parents=True, exist_ok=True)
        return start_server(
            folder / "data", self.models_dir, self.env | {"STUDIO_EMBEDDED_WORKER": "false"}
        )

    def _worker(self, n: int) -> subprocess.Popen:
        folder = self.root / f"worker{n}"
        folder.mkdir(parents=True, exist_ok=True)
        env = os.environ | self.env
        env |= {
            "STUDIO_DATA_DIR": str(folder / "data"),
            "STUDIO_MODELS_DIR": str(self.models_dir),
            "STUDIO_MODEL_PRESET": "tiny",
            "STUDIO_DEVICE": "cpu",
            "STUDIO_LOG_LEVEL": "INFO",  # the "job completed" lines are counted
        }
        log = open(folder / "worker.log", "wb")  # noqa: SIM115 — closed with the process
        return subprocess.Popen(
            [sys.executable, "-m", "worker"], cwd=ROOT, env=env, stdout=log, stderr=log
        )

    def completions(self) -> Counter[str]:
        """How many times each job id was finished as completed, over every worker's log."""
        seen: Counter[str] = Counter()
        for log in self.root.glob("worker*/worker.log"):
            seen.update(COMPLETED_LINE.findall(log.read_text(errors="replace")))
        return seen

    def stop(self) -> None:
        for proc in [*self.workers, *self.web_procs]:
            if proc.poll() is None:
                proc.terminate()
        for proc in [*self.workers, *self.web_procs]:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


def register(base: str) -> dict[str, str]:
    """A new account's auth headers."""
    email = f"scale-{uuid.uuid4().hex[:8]}@example.com"
    r = httpx.post(
        f"{base}/api/v1/auth/register",
        json={"email": email, "password": "s3cret-password"},
        timeout=30,
    )
    r.raise_for_status()
    return {"authorization": f"Bearer {r.json()['token']}"}


def submit(base: str, headers: dict, body: dict) -> str:
    r = httpx.post(f"{base}/api/v1/jobs/image-generation", json=body, headers=headers, timeout=60)
    assert r.status_code == 202, r.text
    return r.json()["id"]


def figures(rows: list, started: float, ended: float) -> dict[str, float]:
    """jobs/min, queue wait p50/p95 (s) and recoveries from finished job rows."""
    waits = sorted((r.started_at - r.created_at).total_seconds() for r in rows if r.started_at)
    quantiles = (
        statistics.quantiles(waits, n=20, method="inclusive") if len(waits) > 1 else waits * 19
    )
    done = sum(1 for r in rows if r.status == "completed")
    return {
        "jobs_per_min": round(done / max(ended - started, 1e-9) * 60, 1),
        "queue_wait_p50_s": round(statistics.median(waits), 2) if waits else 0.0,
        "queue_wait_p95_s": round(quantiles[18], 2) if waits else 0.0,
        "recoveries": sum(
            1 for r in rows if r.attempts > 1 or "stopped responding" in (r.error or "")
        ),
    }


def now() -> float:
    return time.monotonic()
