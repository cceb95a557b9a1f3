"""The pose library (data/poses.json): OpenPose key points, drawn as ControlNet skeletons."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

POSES_FILE = Path(__file__).parent / "data" / "poses.json"
# OpenPose's limbs (COCO-18 indices) and colours, as controlnet_aux draws them: ControlNet
# OpenPose models were trained on exactly these colours.
LIMBS = ((1, 2), (1, 5), (2, 3), (3, 4), (5, 6), (6, 7), (1, 8), (8, 9), (9, 10), (1, 11),
         (11, 12), (12, 13), (1, 0), (0, 14), (14, 16), (0, 15), (15, 17))  # fmt: skip
COLOURS = ((255, 0, 0), (255, 85, 0), (255, 170, 0), (255, 255, 0), (170, 255, 0),
           (85, 255, 0), (0, 255, 0), (0, 255, 85), (0, 255, 170), (0, 255, 255),
           (0, 170, 255), (0, 85, 255), (0, 0, 255), (85, 0, 255), (170, 0, 255),
           (255, 0, 255), (255, 0, 170), (255, 0, 85))  # fmt: skip


@dataclass(frozen=True)
class Pose:
    """One pose: key points as fractions of its frame, and how to say it in a prompt."""

    name: str
    label: str
    facing: str  # front | three-quarter | back (back: no face to lock or score)
    frame: str
    prompt: str
    points: tuple[tuple[float, float] | None, ...]  # COCO-18 order; None where not visible

    def size(self) -> tuple[int, int]:
        """The SDXL native size of this pose's frame (width, height)."""
        width, height = load_library()["frames"][self.frame]
        return int(width), int(height)

    def pixels(self, size: tuple[int, int]) -> list[tuple[float, float] | None]:
        """Key points in pixels of an image of this size."""
        width, height = size
        return [None if p is None else (p[0] * width, p[1] * height) for p in self.points]

    def eyes(self, size: tuple[int, int]) -> tuple[tuple[float, float], tuple[float, float]] | None:
        """(image-left eye, image-right eye) in pixels, or None when the face is not visible."""
        names = keypoint_names()
        points = self.pixels(size)
        a, b = points[names.index("right_eye")], points[names.index("left_eye")]
        if self.facing == "back" or a is None or b is None:
            return None
        return (a, b) if a[0] <= b[0] else (b, a)

    def head_box(self, size: tuple[int, int]) -> tuple[float, float, float, float] | None:
        """Where this pose's face can be (x0, y0, x1, y1 in pixels): around the eyes."""
        eyes = self.eyes(size)
        if eyes is None:
            return None
        (lx, ly), (rx, ry) = eyes
        span = max(abs(rx - lx), abs(ry - ly), 1.0)
        cx, cy = (lx + rx) / 2, (ly + ry) / 2
        return cx - 3 * span, cy - 3 * span, cx + 3 * span, cy + 4 * span


@cache
def load_library() -> dict[str, Any]:
    """The raw data file (key point names, frames, poses)."""
    return json.loads(POSES_FILE.read_text(encoding="utf-8"))


@cache
def keypoint_names() -> tuple[str, ...]:
    return tuple(load_library()["keypoints"])


@cache
def load_poses() -> dict[str, Pose]:
    """Every pose by name, in file order (the order they are picked in)."""
    names = keypoint_names()
    poses = {}
    for entry in load_library()["poses"]:
        unknown = set(entry["points"]) - set(names)
        if unknown:
            raise ValueError(f"pose {entry['name']}: unknown key points {sorted(unknown)}")
        points = tuple(tuple(entry["points"][n]) if n in entry["points"] else None for n in names)
        fields = {k: entry[k] for k in ("name", "label", "facing", "frame", "prompt")}
        poses[entry["name"]] = Pose(**fields, points=points)
    return poses


def pick(count: int) -> list[Pose]:
    """The first `count` poses of the library: the file orders them for variety."""
    poses = list(load_poses().values())
    if not 1 <= count <= len(poses):
        raise ValueError(f"poses must be between 1 and {len(poses)}, got {count}")
    return poses[:count]


def draw_skeleton(pose: Pose, size: tuple[int, int]) -> Any:
    """The OpenPose conditioning image: coloured limbs and joints on black (PIL RGB)."""
    import cv2
    import numpy as np
    from PIL import Image

    width, height = size
    canvas = np.zeros((height, width, 3), dtype=np.uint8)
    points = pose.pixels(size)
    # controlnet_aux draws 4 px limbs on ~512 px images: keep the same look at any size.
    stick = max(2, round(4 * max(size) / 512))
    for (a, b), colour in zip(LIMBS, COLOURS, strict=False):
        if points[a] is None or points[b] is None:
            continue
        (x0, y0), (x1, y1) = points[a], points[b]
        length = float(np.hypot(x1 - x0, y1 - y0))
        angle = float(np.degrees(np.arctan2(y1 - y0, x1 - x0)))
        centre = (round((x0 + x1) / 2), round((y0 + y1) / 2))
        polygon = cv2.ellipse2Poly(centre, (round(length / 2), stick), round(angle), 0, 360, 1)
        cv2.fillConvexPoly(canvas, polygon, tuple(int(c * 0.6) for c in colour))
    for point, colour in zip(points, COLOURS, strict=True):
        if point is not None:
            cv2.circle(canvas, (round(point[0]), round(point[1])), stick, colour, thickness=-1)
    return Image.fromarray(canvas)
