"""The operator's figures from the database: per hour, times, queue depth, credits, failures,
workers (heartbeats and GPU readings)."""

from __future__ import annotations

import sys
import types
from datetime import timedelta

import pytest

from studio.models import COMPLETED, FAILED, Job, WorkerBeat, utcnow
from studio.telemetry import GPU_MEMORY_TOTAL, GPU_MEMORY_USED, GPU_UTILIZATION
from tests.conftest import configure
from tests.factories import IMAGE_JOB, new_user
from worker import gpus, jobs, stats
from worker.heartbeats import beat, live_workers
from worker.lifecycle import claim, finish

VIDEO_JOB = {"prompt": "a slow pan over a harbour", "duration": 15}


@pytest.fixture(autouse=True)
def no_queue(monkeypatch):
    monkeypatch.setattr(jobs, "enqueue", lambda job_id: None)


def _ended(user, status: str, seconds: float, error: str | None = None) -> Job:
    job = jobs.submit(user, "image_generation", IMAGE_JOB)
    claim(job.id, "host:1:1")
    fields = {"processing_time": seconds} | ({"error": error} if error else {})
    assert finish(job.id, status, refund=status == FAILED, **fields)
    return Job.get_by_id(job.id)


def test_figures_from_the_database(studio, monkeypatch):
    configure(monkeypatch, max_running_per_user="10")
    user = new_user()
    for seconds in (1.0, 2.0, 3.0, 4.0, 10.0):
        _ended(user, COMPLETED, seconds)
    _ended(user, FAILED, 1.0, error="no person in the photo")
    _ended(user, FAILED, 1.0, error="no person in the photo")
    jobs.submit(user, "image_generation", IMAGE_JOB)  # waiting
    jobs.submit(user, "video_3d", VIDEO_JOB)  # waiting, on the video queue

    per_hour = stats.jobs_per_hour()
    assert sum(r["jobs"] for r in per_hour if r["status"] == COMPLETED) == 5
    assert {r["status"] for r in per_hour} == {COMPLETED, FAILED, "pending"}
    times = {(r["feature"], r["quantile"]): r["seconds"] for r in stats.processing_times()}
    assert times[("image_generation", "p50")] == 3.0
    assert 4.0 < times[("image_generation", "p95")] <= 10.0
    assert stats.queue_depths() == {"default": 1, "video": 1}
    depth_now = [r for r in stats.queue_depth_history() if r["queue"] == "video"][-1]
    assert depth_now["waiting"] == 1
    credits = {r["kind"]: r["credits"] for r in stats.credits_per_day()}
    assert credits == {"signup": 50, "spent": 2 * 8 + 8, "refunded": 4}
    assert stats.failure_reasons() == [
        {"feature": "image_generation", "reason": "no person in the photo", "jobs": 2}
    ]


def test_heartbeats_list_live_workers_with_their_jobs(studio):
    user = new_user()
    job = jobs.submit(user, "image_generation", IMAGE_JOB)
    claim(job.id, "gpu-box:42:7")
    row = beat("gpu-box:42", ["studio"])
    assert (row.running, row.queues, row.gpus) == (1, "studio", [])  # no NVML here
    WorkerBeat.create(
        id="old:1", host="old", queues="studio", last_seen=utcnow() - timedelta(hours=1)
    )
    assert [w.id for w in live_workers()] == ["gpu-box:42"]
    assert stats.workers()[0]["gpus"] == "none (CPU)"


def test_gpu_readings_from_nvml_for_the_visible_gpus(studio, monkeypatch):
    """NVML as nvidia-ml-py exposes it (a stand-in module: no GPU on this machine)."""
    memory = types.SimpleNamespace(used=3 * 2**30, total=80 * 2**30)
    fake = types.SimpleNamespace(
        nvmlInit=lambda: None,
        nvmlDeviceGetCount=lambda: 4,
        nvmlDeviceGetHandleByIndex=lambda i: i,
        nvmlDeviceGetName=lambda h: f"NVIDIA H100 #{h}".encode(),
        nvmlDeviceGetMemoryInfo=lambda h: memory,
        nvmlDeviceGetUtilizationRates=lambda h: types.SimpleNamespace(gpu=10 * h),
    )
    monkeypatch.setitem(sys.modules, "pynvml", fake)
    monkeypatch.setattr(gpus, "_nvml", None)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2,3")
    configure(monkeypatch)
    readings = gpus.gpu_readings()
    assert [(r["index"], r["name"], r["utilization"]) for r in readings] == [
        (2, "NVIDIA H100 #2", 20.0),
        (3, "NVIDIA H100 #3", 30.0),
    ]
    try:
        row = beat("gpu-box:9", ["studio"])
        assert stats.workers()[0]["gpus"].startswith("NVIDIA H100 #2 20% 3.0/80.0 GiB")
        assert len(row.gpus) == 2
        assert GPU_UTILIZATION.labels("gpu-box:9", "3")._value.get() == 30.0
    finally:  # this process has no GPU: leave no GPU series behind for other tests
        for gauge in (GPU_UTILIZATION, GPU_MEMORY_USED, GPU_MEMORY_TOTAL):
            gauge.clear()
    monkeypatch.setattr(gpus, "_nvml", None)  # the next test initialises NVML afresh


def test_visible_indices_follow_cuda_visible_devices():
    assert gpus.visible_indices(2, "") == [0, 1]
    assert gpus.visible_indices(4, "1, 3") == [1, 3]
    assert gpus.visible_indices(2, "GPU-uuid,5") == []  # UUIDs and absent GPUs are skipped
