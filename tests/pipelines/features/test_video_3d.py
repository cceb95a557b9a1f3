"""The 3D video feature end to end: the seed's request, what a user gets, cancel, fallbacks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from pipelines import InputError
from pipelines.features.video_3d import render_video_3d
from pipelines.media.ffmpeg import probe, run_ffmpeg
from pipelines.registry import get_feature
from tests.pipelines.conftest import RecordingContext
from tests.samples import skimage_photo

FEATURE = get_feature("video_3d")
SEED_REQUEST = {
    "prompt": "A dragon flying over snow-capped mountains",
    "duration": 30,
    "cameraMovement": "orbit",
    "style": "cinematic",
}


def count_frames(path: Path) -> int:
    stderr = run_ffmpeg(["-i", str(path), "-map", "0:v:0", "-c", "copy", "-f", "null", "-"])
    return int(re.findall(r"frame=\s*(\d+)", stderr)[-1])


def test_the_seed_request_is_accepted_as_written_for_8_credits():
    cleaned = FEATURE.validate(SEED_REQUEST)
    assert cleaned["duration"] == 30 and cleaned["camera_movement"] == "orbit"
    assert cleaned["style"] == "cinematic" and cleaned["music"] == "none"
    assert cleaned["fps"] == 24 and cleaned["seed"] is None
    assert FEATURE.cost(cleaned) == 8
    assert FEATURE.validate(SEED_REQUEST | {"duration": "60"})["duration"] == 60


@pytest.mark.parametrize(
    ("field", "value"),
    [("duration", 45), ("duration", "20"), ("fps", 25), ("cameraMovement", "spin")],
)
def test_values_outside_the_choices_are_rejected_on_their_field(field, value):
    with pytest.raises(InputError) as caught:
        FEATURE.validate(SEED_REQUEST | {field: value})
    assert caught.value.field == field


@pytest.fixture(scope="module")
def tiny_video(tmp_path_factory, tiny_models_dir):
    """The seed's request at 15 s with music, tiny SDXL + tiny Depth Anything, at 320x180.

    The full 1280x720 render runs end to end over REST (tests/api/test_video_3d_rest.py).
    """
    ctx = RecordingContext(work_dir=tmp_path_factory.mktemp("video3d"), models_dir=tiny_models_dir)
    inputs = FEATURE.validate(SEED_REQUEST | {"duration": 15, "music": "epic", "seed": 7})
    return ctx, render_video_3d(inputs, ctx, size=(320, 180))


def test_a_15_s_video_is_h264_at_the_asked_size_and_exactly_15_s(tiny_video):
    ctx, result = tiny_video
    names = [o.name for o in result.outputs]
    assert names == [
        "video.mp4",
        "keyframe_01.png",
        "keyframe_02.png",
        "depth_01.png",
        "depth_02.png",
        "scene.json",
    ]
    for output in result.outputs:
        assert output.path.is_file() and output.path.parent == ctx.work_dir
    video = result.outputs[0].path
    info = probe(video)
    assert (info.width, info.height, info.video_codec, info.fps) == (320, 180, "h264", 24)
    assert info.duration == pytest.approx(15.0, abs=1 / 24 + 0.03)
    assert count_frames(video) == 15 * 24
    assert info.audio_codec == "aac"
    data = video.read_bytes()
    assert 0 <= data.find(b"moov") < data.find(b"mdat")  # faststart: the index first
    metrics = result.metrics
    assert metrics["depthSource"] == "tiny-depth-anything"
    assert metrics["renderer"] == "moderngl-egl"
    assert metrics["shots"] == 2 and metrics["frames"] == 360


def test_scene_json_records_shots_seeds_and_the_camera_path(tiny_video):
    _, result = tiny_video
    scene = json.loads(result.outputs[-1].path.read_text())
    assert scene["seed"] == 7 and [s["seed"] for s in scene["shots"]] == [7, 8]
    assert scene["cameraPath"]["name"] == "orbit"
    assert [s["framing"] for s in scene["shots"]] == ["wide establishing shot", "closer view"]
    assert scene["shots"][0]["startFrame"] == 0 and scene["shots"][-1]["endFrame"] == 360
    assert scene["shots"][1]["startFrame"] < scene["shots"][0]["endFrame"]  # crossfade
    assert all("dragon" in s["prompt"] for s in scene["shots"])


def test_progress_reports_each_stage_and_shot_in_order(tiny_video):
    ctx, _ = tiny_video
    stages = [stage for _, stage in ctx.calls]
    percents = [percent for percent, _ in ctx.calls]
    assert percents == sorted(percents) and percents[-1] == 100
    first = {
        key: next(i for i, s in enumerate(stages) if s.startswith(key))
        for key in ("Keyframe 1/2", "Keyframe 2/2", "Depth 1/2", "Music", "Rendering shot 1/2")
    }
    order = ["Keyframe 1/2", "Keyframe 2/2", "Depth 1/2", "Music", "Rendering shot 1/2"]
    assert [first[k] for k in order] == sorted(first.values())
    assert any(s.startswith("Rendering shot 2/2") for s in stages)


def _premade(tmp_path: Path) -> list[Path]:
    from PIL import Image

    paths = []
    for name in ("coffee.png", "chelsea.png"):
        path = tmp_path / f"premade-{name}"
        Image.open(skimage_photo(name)).convert("RGB").resize((448, 256)).save(path)
        paths.append(path)
    return paths


def test_without_gl_or_depth_weights_the_fallbacks_still_make_the_video(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    ctx = RecordingContext(work_dir=work, models_dir=tmp_path / "empty", model_preset="auto")
    inputs = FEATURE.validate(SEED_REQUEST | {"duration": 15, "cameraMovement": "pan"})
    result = render_video_3d(
        inputs, ctx, size=(160, 90), fps=24, keyframes=_premade(tmp_path), prefer_gl=False
    )
    assert result.metrics["renderer"] == "numpy-forward-warp"
    assert result.metrics["depthSource"] == "procedural"
    video = result.outputs[0].path
    assert count_frames(video) == 360
    # the camera really moves: the first and last frames of the first shot differ
    frames = _frames(video, [0.2, 6.0], tmp_path)
    assert np.abs(frames[0].astype(int) - frames[1].astype(int)).mean() > 4


def _frames(video: Path, times: list[float], folder: Path) -> list[np.ndarray]:
    from PIL import Image

    out = []
    for index, at in enumerate(times):
        path = folder / f"frame-{index}.png"
        run_ffmpeg(["-ss", f"{at:.2f}", "-i", str(video), "-frames:v", "1", str(path)])
        out.append(np.asarray(Image.open(path).convert("RGB")))
    return out


def test_cancelling_during_the_render_propagates_and_leaves_no_video(tmp_path):
    class Cancelled(Exception):
        pass

    def cancel(percent: float, stage: str) -> None:
        if stage.startswith("Rendering shot 2/2"):
            raise Cancelled

    work = tmp_path / "work"
    work.mkdir()
    ctx = RecordingContext(work_dir=work, models_dir=tmp_path / "m", on_progress=cancel)
    inputs = FEATURE.validate(SEED_REQUEST | {"duration": 15})
    with pytest.raises(Cancelled):
        render_video_3d(inputs, ctx, size=(160, 90), keyframes=_premade(tmp_path))
    assert not (work / "video.mp4").exists()
