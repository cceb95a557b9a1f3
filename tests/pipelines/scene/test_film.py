"""Shots over the timeline, styles on frames, and frames streamed to the encoder."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image

from pipelines.media.ffmpeg import probe, run_ffmpeg
from pipelines.scene.camera import camera_paths
from pipelines.scene.encode import VideoWriter
from pipelines.scene.film import ShotPlan, make_renderer, plan_frames, render_film
from pipelines.scene.styles import Grade, scene_styles, stylise_texture
from tests.samples import skimage_photo


def count_frames(path) -> int:
    stderr = run_ffmpeg(["-i", str(path), "-map", "0:v:0", "-c", "copy", "-f", "null", "-"])
    return int(re.findall(r"frame=\s*(\d+)", stderr)[-1])


@pytest.mark.parametrize(("count", "total"), [(1, 360), (2, 360), (3, 720), (6, 1440), (6, 1800)])
def test_shots_cover_every_frame_and_overlap_for_the_crossfade(count, total):
    spans = plan_frames(count, total, 19)
    assert spans[0][0] == 0 and spans[-1][1] == total
    for (a0, a1), (b0, b1) in zip(spans, spans[1:], strict=False):
        assert a0 < b0 < a1 < b1 and a1 - b0 == pytest.approx(19, abs=1)
    lengths = [b - a for a, b in spans]
    assert max(lengths) - min(lengths) <= 1


def test_the_seed_styles_and_camera_moves_are_there():
    assert {"realistic", "cartoon", "cinematic", "abstract"} <= set(scene_styles())
    assert {"orbit", "dolly", "pan", "static"} <= set(camera_paths())


def _photo() -> np.ndarray:
    return np.asarray(Image.open(skimage_photo("astronaut.png")).convert("RGB").resize((320, 320)))


def test_styles_change_the_look_as_their_names_say():
    frame = _photo()
    depth = np.tile(np.linspace(0, 1, 320, dtype=np.float32)[:, None], (1, 320))
    looks = {
        name: Grade(style, (320, 320)).apply(stylise_texture(frame, style, depth), 0.5)
        for name, style in scene_styles().items()
    }
    noir = looks["noir"].astype(int)
    assert np.abs(noir[..., 0] - noir[..., 2]).mean() < 3  # black and white
    cartoon_colours = len(np.unique(looks["cartoon"].reshape(-1, 3), axis=0))
    photo_colours = len(np.unique(frame.reshape(-1, 3), axis=0))
    assert cartoon_colours < photo_colours / 3  # flat cel colours
    for name, look in looks.items():
        assert look.shape == frame.shape and look.dtype == np.uint8, name
    assert np.abs(looks["cinematic"].astype(int) - frame).mean() > 3  # graded


def test_a_film_is_exactly_seconds_times_fps_frames_with_a_crossfade(tmp_path):
    image = _photo()[:256, :]
    image = np.ascontiguousarray(np.concatenate([image, image[:, :128]], axis=1))  # 448x256
    depth = np.tile(np.linspace(0, 1, 256, dtype=np.float32)[:, None], (1, 448))
    total, fps = 48, 24
    spans = plan_frames(2, total, 10)
    shots = [ShotPlan(image, depth, a, b, reverse=i == 1) for i, (a, b) in enumerate(spans)]
    renderer = make_renderer((320, 180))
    writer = VideoWriter(tmp_path / "film.mp4", (320, 180), fps)
    seen = []
    render_film(
        shots,
        camera_paths()["orbit"],
        scene_styles()["cinematic"],
        renderer,
        writer,
        total,
        on_frame=lambda done, frames: seen.append(done),
    )
    writer.close()
    renderer.close()
    info = probe(tmp_path / "film.mp4")
    assert (info.width, info.height, info.video_codec) == (320, 180, "h264")
    assert count_frames(tmp_path / "film.mp4") == total
    assert seen == list(range(1, total + 1))


def test_cancelling_mid_film_stops_ffmpeg_and_leaves_no_file(tmp_path):
    image = np.ascontiguousarray(_photo()[:180, :])
    depth = np.full((180, 320), 0.5, np.float32)
    renderer = make_renderer((160, 90))
    writer = VideoWriter(tmp_path / "film.mp4", (160, 90), 24)

    class Cancelled(Exception):
        pass

    def cancel(done: int, total: int) -> None:
        if done == 5:
            raise Cancelled

    with pytest.raises(Cancelled):
        try:
            render_film(
                [ShotPlan(image, depth, 0, 48)],
                camera_paths()["dolly"],
                scene_styles()["realistic"],
                renderer,
                writer,
                48,
                on_frame=cancel,
            )
        finally:
            writer.abort()
            renderer.close()
    assert not (tmp_path / "film.mp4").exists()
