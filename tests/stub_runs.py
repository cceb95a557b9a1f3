"""Stub run functions, swapped in through the registry: the route is under test, not the pipeline.

Each feature keeps its real declaration (fields, validation, checks, credit rule, uploads);
only `run` is replaced by one that reports progress with a preview and writes a small valid
file of the feature's output kind (`stub.png` for images, `stub.mp4` for video). The owner's
email picks what the stub does, so a test against a server in another process can choose:

- `hold-…@…`: keeps reporting progress until the job is cancelled (for cancel tests);
- `fail-…@…`: fails the way a pipeline does (PipelineError), so the job is refunded;
- anything else: completes at once.

`python -m tests.stub_runs` serves the studio (as `python app.py` does) with every feature
stubbed; tests/conftest.py starts it as the `stub_server` fixture. `python -m tests.stub_runs
worker` is `python -m worker` with every feature stubbed.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from pipelines import Output, PipelineError, RunResult
from pipelines.declare import Feature, RunContext, RunFn

logger = logging.getLogger(__name__)

HOLD, FAIL = "hold", "fail"
HOLD_LIMIT = 120.0  # seconds a held job waits for its cancel before it fails
FAILURE = "the stub pipeline failed, as the test asked"
_VIDEO: list[Path] = []  # one small MP4 per process, copied into every video job


def stub_email(mode: str = "") -> str:
    """A fresh email whose owner's stub jobs behave as `mode` (HOLD, FAIL or "": complete)."""
    return f"{mode or 'stub'}-{uuid.uuid4().hex[:8]}@example.com"


def _mode(ctx: RunContext) -> str:
    """HOLD, FAIL or "" from the job owner's email (a worker's context carries the job id)."""
    job_id = getattr(ctx, "job_id", None)
    if job_id is None:
        return ""
    from studio.models import Job

    email = Job.get_by_id(job_id).user.email
    return next((m for m in (HOLD, FAIL) if email.startswith(f"{m}-")), "")


def _small_video() -> Path:
    """A 1 s 160x90 H.264 MP4 with silent AAC audio, made once per process."""
    if not _VIDEO:
        from pipelines.media.ffmpeg import run_ffmpeg

        path = Path(tempfile.mkdtemp(prefix="stub-video-")) / "stub.mp4"
        run_ffmpeg(
            ["-f", "lavfi", "-i", "testsrc=size=160x90:rate=24:duration=1"]
            + ["-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo", "-shortest"]
            + ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac"]
            + ["-movflags", "+faststart", str(path)]
        )
        _VIDEO.append(path)
    return _VIDEO[0]


def stub_run(feature: Feature) -> RunFn:
    """A run function for `feature` that does no real work."""

    def run(inputs: dict[str, Any], ctx: RunContext) -> RunResult:
        from PIL import Image

        mode = _mode(ctx)
        preview = Image.new("RGB", (64, 64), (40, 90, 160))
        ctx.progress(10, "Stub: started", preview)
        if mode == HOLD:
            deadline = time.monotonic() + HOLD_LIMIT
            while time.monotonic() < deadline:  # ctx.progress raises once the job is cancelled
                ctx.progress(50, "Stub: holding until cancelled")
                time.sleep(0.05)
            raise PipelineError("the held stub job was never cancelled")
        if mode == FAIL:
            raise PipelineError(FAILURE)
        ctx.progress(60, "Stub: writing")
        if feature.output_kind == "video":
            path = ctx.work_dir / "stub.mp4"
            shutil.copyfile(_small_video(), path)
            output = Output("stub.mp4", path, "video/mp4")
        else:
            path = ctx.work_dir / "stub.png"
            preview.save(path)
            output = Output("stub.png", path, "image/png")
        logger.info("stub run feature=%s output=%s", feature.id, output.name)
        return RunResult([output], {"stub": True, "device": ctx.device})

    return run


def stubbed(feature: Feature) -> Feature:
    """The same declaration with the stub run function."""
    return dataclasses.replace(feature, run=stub_run(feature))


def stub_every_feature() -> None:
    """Replace every registered feature's run function, in this process."""
    from pipelines.registry import FEATURES

    for feature_id, feature in list(FEATURES.items()):
        FEATURES[feature_id] = stubbed(feature)


if __name__ == "__main__":
    import sys

    stub_every_feature()
    if sys.argv[1:] == ["worker"]:
        from worker.consumer import run_standalone

        run_standalone(1)
    else:
        import app

        app.main()
