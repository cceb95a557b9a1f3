"""Shots → one video: each shot's stage rendered along its camera path, crossfaded, graded,
streamed to the encoder frame by frame (exactly seconds × fps frames)."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pipelines.scene.camera import CameraPath
from pipelines.scene.encode import VideoWriter
from pipelines.scene.stage import Stage, build_stage
from pipelines.scene.styles import Grade, SceneStyle, stylise_texture

log = logging.getLogger(__name__)


@dataclass
class ShotPlan:
    """One shot: its keyframe and depth, and the frames [start, end) it covers."""

    image: np.ndarray
    disparity: np.ndarray
    start: int
    end: int
    reverse: bool = False
    stage: Stage | None = field(default=None, repr=False)


def plan_frames(count: int, total: int, overlap: int) -> list[tuple[int, int]]:
    """[start, end) of `count` shots over `total` frames, neighbours sharing `overlap`."""
    if count <= 1:
        return [(0, total)]
    overlap = min(overlap, total // (2 * count))
    length = (total + (count - 1) * overlap) / count
    spans = []
    for index in range(count):
        start = round(index * (length - overlap))
        end = total if index == count - 1 else round(start + length)
        spans.append((start, end))
    return spans


def make_renderer(size: tuple[int, int], prefer_gl: bool = True) -> Any:
    """The GL renderer, or the NumPy forward-warp one when no GL context can be made."""
    from pipelines.scene.gl_render import GLRenderer, GLUnavailable
    from pipelines.scene.warp_render import WarpRenderer

    if prefer_gl:
        try:
            return GLRenderer(size)
        except GLUnavailable as exc:
            log.warning("no headless GL context (%s): using the forward-warp renderer", exc)
    return WarpRenderer(size)


def render_film(
    shots: list[ShotPlan],
    path: CameraPath,
    style: SceneStyle,
    renderer: Any,
    writer: VideoWriter,
    total: int,
    *,
    seed: int = 0,
    on_frame: Callable[[int, int], None] | None = None,
) -> dict[str, float]:
    """Render and stream every frame; on_frame(done, total) may raise to cancel."""
    import cv2

    grade = Grade(style, renderer.size, seed)
    timings = {"stageSeconds": 0.0, "renderSeconds": 0.0, "gradeSeconds": 0.0, "writeSeconds": 0.0}
    for frame_index in range(total):
        active = [s for s in shots if s.start <= frame_index < s.end]
        pictures = []
        for shot in active:
            if shot.stage is None:
                started = time.perf_counter()
                texture = stylise_texture(shot.image, style, shot.disparity)
                shot.stage = build_stage(texture, shot.disparity)
                renderer.load(shot.stage)
                timings["stageSeconds"] += time.perf_counter() - started
            started = time.perf_counter()
            t = (frame_index - shot.start) / max(1, shot.end - shot.start - 1)
            pose = path.pose(t, shot.stage.subject, reverse=shot.reverse)
            pictures.append(renderer.render(shot.stage, pose))
            timings["renderSeconds"] += time.perf_counter() - started
        started = time.perf_counter()
        picture = pictures[0]
        if len(pictures) == 2:  # crossfade: the later shot fades in over the overlap
            incoming = active[1]
            span = max(1, active[0].end - incoming.start)
            mix = (frame_index - incoming.start + 0.5) / span
            mix = 0.5 - 0.5 * math.cos(math.pi * min(1.0, mix))
            picture = cv2.addWeighted(pictures[0], 1 - mix, pictures[1], mix, 0)
        picture = grade.apply(picture, frame_index / max(1, total - 1))
        timings["gradeSeconds"] += time.perf_counter() - started
        started = time.perf_counter()
        writer.write(picture)
        timings["writeSeconds"] += time.perf_counter() - started
        for shot in shots:  # free each shot's meshes once it is over
            if shot.stage is not None and shot.end <= frame_index + 1:
                renderer.release(shot.stage)
                shot.stage = None
        if on_frame is not None:
            on_frame(frame_index + 1, total)
    return {key: round(value, 2) for key, value in timings.items()}


def read_rgb(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))
