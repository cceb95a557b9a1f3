"""`python -m worker --queues video` with its own metrics port, as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx

from studio.models import PENDING, Job, WorkerBeat
from tests.conftest import ROOT, configure, free_port
from tests.factories import IMAGE_JOB, new_user
from worker import jobs
from worker.broker import get_huey


def _env(settings, **extra: str) -> dict[str, str]:
    return (
        os.environ
        | {
            "STUDIO_DATA_DIR": str(settings.data_dir),
            "STUDIO_MODELS_DIR": str(settings.resolved_models_dir),
            "STUDIO_MODEL_PRESET": "tiny",
            "STUDIO_DEVICE": "cpu",
            "STUDIO_REAPER_INTERVAL": "0.3",
        }
        | {f"STUDIO_{k.upper()}": v for k, v in extra.items()}
    )


def test_a_video_worker_serves_only_the_video_queue_and_its_metrics(studio, monkeypatch):
    configure(monkeypatch, separate_video_queue="true")
    port = free_port()
    env = _env(studio, separate_video_queue="true", worker_metrics_port=str(port))
    proc = subprocess.Popen(
        [sys.executable, "-m", "worker", "--queues", "video"], cwd=ROOT, env=env
    )
    try:
        image = jobs.submit(new_user(), "image_generation", IMAGE_JOB)
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None and time.monotonic() < deadline
            try:
                text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
            except httpx.HTTPError:
                time.sleep(0.2)
                continue
            if f':{proc.pid}"}}' in text and WorkerBeat.select().count():
                break
            time.sleep(0.2)
        assert "studio_worker_heartbeat_timestamp_seconds{worker=" in text
        beat = WorkerBeat.get()
        assert beat.id.endswith(f":{proc.pid}") and beat.queues == f"{studio.queue_name}-video"
        # The image's message is still on the default queue: not this worker's to take.
        assert get_huey("default").pending_count() == 1
        assert Job.get_by_id(image.id).status == PENDING
    finally:
        proc.terminate()
        proc.wait(15)


def test_an_unknown_queue_is_refused(studio):
    done = subprocess.run(
        [sys.executable, "-m", "worker", "--queues", "gpu-fast"],
        cwd=ROOT,
        env=_env(studio),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "--queues takes default, video" in done.stderr
