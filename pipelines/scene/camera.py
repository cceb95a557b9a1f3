"""Cameras: the keyframe's lens, depth in scene units, and eased camera paths (data).

Scene space is the keyframe camera's: x right, y down, z forward, the keyframe camera at
the origin. Paths move a second camera through it; amounts are fractions of the subject's
distance so the same path works for a close-up and a landscape.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path

import numpy as np

PATHS_FILE = Path(__file__).resolve().parent / "data" / "camera_paths.json"
NEAR, FAR = 1.0, 8.0  # scene distance of disparity 1 and 0
FOV_DEGREES = 55.0  # the keyframe's assumed horizontal field of view
OVERSCAN = (1280 / 1344, 720 / 768)  # the share of the keyframe the output shows at rest
CLIP_NEAR, CLIP_FAR = 0.05, 200.0
REACH = 1.5 * NEAR  # moves are fractions of the subject's distance, capped at this


def distance(disparity: np.ndarray | float) -> np.ndarray | float:
    """Scene distance of a disparity (1/z is linear in disparity)."""
    return 1.0 / (1.0 / FAR + np.asarray(disparity) * (1.0 / NEAR - 1.0 / FAR))


def subject_distance(disparity: np.ndarray) -> float:
    """Distance of what the picture is about: the middle of the frame, its nearer half."""
    h, w = disparity.shape
    centre = disparity[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4]
    return float(distance(np.percentile(centre, 60)))


@dataclass(frozen=True)
class Lens:
    """The keyframe's focal lengths in normalised units (x and y in [-1, 1] across it)."""

    sx: float
    sy: float

    @classmethod
    def for_size(cls, width: int, height: int) -> Lens:
        sx = 1.0 / math.tan(math.radians(FOV_DEGREES) / 2)
        return cls(sx, sx * width / height)


def projection(lens: Lens, key_size: tuple[int, int], out_size: tuple[int, int], zoom: float):
    """4x4 projection: the output shows the keyframe's centre crop at rest, times zoom."""
    kw, kh = key_size
    ow, oh = out_size
    gain = max(ow / (kw * OVERSCAN[0]), oh / (kh * OVERSCAN[1]))
    # keyframe pixel focal (sx * kw / 2) scaled to output pixels, back to output NDC
    fx = lens.sx * kw / 2 * gain * zoom / (ow / 2)
    fy = lens.sy * kh / 2 * gain * zoom / (oh / 2)
    a = (CLIP_FAR + CLIP_NEAR) / (CLIP_FAR - CLIP_NEAR)
    b = -2 * CLIP_FAR * CLIP_NEAR / (CLIP_FAR - CLIP_NEAR)
    return np.array([[fx, 0, 0, 0], [0, fy, 0, 0], [0, 0, a, b], [0, 0, 1, 0]], dtype=np.float64)


@dataclass(frozen=True)
class Pose:
    rotation: np.ndarray  # camera → scene
    position: np.ndarray
    zoom: float

    def view(self) -> np.ndarray:
        """4x4 scene → camera."""
        out = np.eye(4)
        out[:3, :3] = self.rotation.T
        out[:3, 3] = -self.rotation.T @ self.position
        return out


def _ry(degrees: float) -> np.ndarray:
    t = math.radians(degrees)
    return np.array([[math.cos(t), 0, math.sin(t)], [0, 1, 0], [-math.sin(t), 0, math.cos(t)]])


def _rx(degrees: float) -> np.ndarray:
    t = math.radians(degrees)
    return np.array([[1, 0, 0], [0, math.cos(t), -math.sin(t)], [0, math.sin(t), math.cos(t)]])


EASINGS = {
    "linear": lambda t: t,
    "in-out-sine": lambda t: 0.5 - 0.5 * math.cos(math.pi * t),
    "in-out-cubic": lambda t: 4 * t**3 if t < 0.5 else 1 - (-2 * t + 2) ** 3 / 2,
}


@dataclass(frozen=True)
class CameraPath:
    """One camera move; each channel goes from its first value to its second, eased."""

    name: str
    label: str
    help: str = ""
    orbit_degrees: tuple[float, float] = (0.0, 0.0)  # around the subject, y axis
    dolly: tuple[float, float] = (0.0, 0.0)  # forward, × subject distance
    truck: tuple[float, float] = (0.0, 0.0)  # sideways, × subject distance
    pedestal: tuple[float, float] = (0.0, 0.0)  # down (+) / up (-), × subject distance
    pitch_degrees: tuple[float, float] = (0.0, 0.0)
    zoom: tuple[float, float] = (1.0, 1.0)
    breathe: float = 0.0  # a slow drift, × subject distance
    ease: str = "in-out-sine"
    alternate: bool = False  # odd shots run the path backwards

    def pose(self, t: float, subject: float, reverse: bool = False) -> Pose:
        """The camera at time t in [0, 1] of a shot whose subject is `subject` away."""
        t = min(1.0, max(0.0, t))
        e = EASINGS[self.ease](t)
        if reverse and self.alternate:
            e = 1.0 - e

        def at(pair: tuple[float, float]) -> float:
            return pair[0] + (pair[1] - pair[0]) * e

        # breathing: whole cycles, so a static shot ends where it began
        truck = at(self.truck) + self.breathe * math.sin(2 * math.pi * t)
        pedestal = at(self.pedestal) + self.breathe * 0.5 * math.sin(4 * math.pi * t)
        zoom = at(self.zoom) * (1 + self.breathe * 0.8 * (1 - math.cos(2 * math.pi * t)))
        # A far subject would swing the nearest things (at NEAR) past the overscan: moves are
        # sized for a subject at most REACH away.
        scale = min(1.0, REACH / subject)
        rotation = _ry(at(self.orbit_degrees) * scale) @ _rx(at(self.pitch_degrees))
        pivot = np.array([0.0, 0.0, subject])
        position = pivot + rotation @ np.array([0.0, 0.0, -subject])
        moves = np.array([truck, pedestal, at(self.dolly)]) * subject * scale
        position = position + rotation @ moves
        return Pose(rotation, position, zoom)

    def describe(self) -> dict:
        """The path as scene.json records it."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@cache
def camera_paths() -> dict[str, CameraPath]:
    """Every camera path by name, in file order."""
    entries = json.loads(PATHS_FILE.read_text(encoding="utf-8"))
    paths = {}
    for entry in entries:
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in entry.items()}
        paths[entry["name"]] = CameraPath(**values)
    return paths
