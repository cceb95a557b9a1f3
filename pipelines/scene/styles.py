"""Scene styles (data/styles.json): a keyframe prompt template and a look.

The look has two parts. A texture effect (cel shading for cartoon, flat colour fields for
abstract) is applied once per shot to the keyframe before it becomes a mesh texture, so
outlines and colour areas move with the geometry. The grade (contrast, lift, colour of
shadows and highlights, saturation, hue drift, bloom, vignette, grain) is applied to every
rendered frame with lookup tables and 3x3 colour matrices, which stay cheap at 720p.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

STYLES_FILE = Path(__file__).resolve().parent / "data" / "styles.json"
LUMA = np.array([0.299, 0.587, 0.114], np.float32)
GRAIN_FRAMES = 6


@dataclass(frozen=True)
class SceneStyle:
    name: str
    label: str
    base_style: str  # a style of pipelines/sdxl/data/styles.json
    prompt: str  # with {prompt} and {shot}
    negative_prompt: str = ""
    contrast: float = 1.0
    saturation: float = 1.0
    lift: float = 0.0
    shadows: tuple[float, float, float] = (0.0, 0.0, 0.0)  # RGB offsets in the darks
    highlights: tuple[float, float, float] = (0.0, 0.0, 0.0)  # RGB offsets in the lights
    hue_drift: float = 0.0  # degrees of hue rotation over a shot
    grain: float = 0.0  # noise amplitude in 8-bit levels
    bloom: float = 0.0
    vignette: float = 0.0
    texture: str = "none"  # none | cel | abstract

    def keyframe_prompt(self, prompt: str, framing: str) -> str:
        return self.prompt.replace("{prompt}", prompt).replace("{shot}", framing)


@cache
def scene_styles() -> dict[str, SceneStyle]:
    """Every scene style by name, in file order."""
    entries = json.loads(STYLES_FILE.read_text(encoding="utf-8"))
    styles = {}
    for entry in entries:
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in entry.items()}
        styles[entry["name"]] = SceneStyle(**values)
    return styles


def stylise_texture(image: np.ndarray, style: SceneStyle, disparity: np.ndarray) -> np.ndarray:
    """The style's texture effect on a keyframe (RGB uint8); depth edges become outlines."""
    import cv2

    if style.texture == "none":
        return image
    small = cv2.resize(image, (image.shape[1] // 2, image.shape[0] // 2), cv2.INTER_AREA)
    if style.texture == "cel":
        flat = small
        for _ in range(2):
            flat = cv2.bilateralFilter(flat, 9, 40, 7)
        levels = 6
    else:  # abstract: large flat colour fields
        flat = cv2.pyrMeanShiftFiltering(small, 12, 40)
        levels = 4
    step = 256 // levels
    lut = np.clip((np.arange(256) // step) * step + step // 2, 0, 255).astype(np.uint8)
    flat = cv2.LUT(flat, lut)
    flat = cv2.resize(flat, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_LINEAR)
    gray = cv2.cvtColor(cv2.GaussianBlur(image, (5, 5), 0), cv2.COLOR_RGB2GRAY)
    edges = cv2.Canny(gray, 60, 140)
    depth_edges = cv2.Canny((disparity * 255).astype(np.uint8), 10, 30)
    lines = cv2.dilate(edges | depth_edges, np.ones((2, 2), np.uint8)) > 0
    strength = 0.25 if style.texture == "cel" else 0.6
    out = flat.copy()
    out[lines] = (out[lines] * strength).astype(np.uint8)
    return out


class Grade:
    """A style's per-frame look at one output size; apply(frame, t) with t in [0, 1]."""

    def __init__(self, style: SceneStyle, size: tuple[int, int], seed: int = 0) -> None:
        import cv2

        self.style = style
        width, height = size
        self.lut = _tone_lut(style)
        ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
        r = np.hypot(xs / (width / 2) - 1, ys / (height / 2) - 1) / math.sqrt(2)
        mask = 1.0 - style.vignette * np.clip(r, 0, 1) ** 2.2
        self.vignette = (
            cv2.merge([(mask * 255).astype(np.uint8)] * 3) if style.vignette > 0 else None
        )
        self.grain = None
        if style.grain > 0:
            rng = np.random.default_rng(seed)
            self.grain = []
            for _ in range(GRAIN_FRAMES):  # as two uint8 planes: saturating adds stay cheap
                noise = rng.standard_normal((height, width)) * style.grain
                up = np.clip(noise, 0, 255).astype(np.uint8)
                down = np.clip(-noise, 0, 255).astype(np.uint8)
                self.grain.append((cv2.merge([up] * 3), cv2.merge([down] * 3)))
        self._frame = 0

    def apply(self, frame: np.ndarray, t: float) -> np.ndarray:
        import cv2

        style = self.style
        out = cv2.LUT(frame, self.lut)
        matrix = _colour_matrix(style.saturation, style.hue_drift * t)
        if matrix is not None:
            out = cv2.transform(out, matrix)
        if style.bloom > 0:
            h, w = out.shape[:2]
            small = cv2.resize(out, (w // 8, h // 8), interpolation=cv2.INTER_AREA)
            bright = cv2.subtract(small, np.full_like(small, 170))
            glow = cv2.GaussianBlur(bright, (0, 0), 4)
            glow = cv2.resize(glow, (w, h), interpolation=cv2.INTER_LINEAR)
            out = cv2.addWeighted(out, 1.0, glow, style.bloom * 2.0, 0)
        if self.vignette is not None:
            out = cv2.multiply(out, self.vignette, scale=1 / 255)
        if self.grain is not None:
            up, down = self.grain[self._frame % GRAIN_FRAMES]
            self._frame += 1
            out = cv2.subtract(cv2.add(out, up), down)
        return out


def _tone_lut(style: SceneStyle) -> np.ndarray:
    """Contrast around mid-grey, lift, and colour offsets weighted to darks / lights."""
    x = np.linspace(0, 1, 256, dtype=np.float32)
    base = np.clip((x - 0.5) * style.contrast + 0.5, 0, 1)
    base = style.lift + (1 - style.lift) * base
    dark = (1 - x) ** 2
    light = x**2
    channels = [
        np.clip(base + style.shadows[c] * dark + style.highlights[c] * light, 0, 1)
        for c in range(3)
    ]
    lut = np.stack(channels, axis=-1)  # (256, 3)
    return (lut * 255 + 0.5).astype(np.uint8).reshape(256, 1, 3)


def _colour_matrix(saturation: float, hue_degrees: float) -> np.ndarray | None:
    """Saturation and hue rotation as one 3x3 RGB matrix (None when it is the identity)."""
    if abs(saturation - 1) < 1e-3 and abs(hue_degrees) < 1e-3:
        return None
    grey = np.outer(np.ones(3), LUMA)
    sat = saturation * np.eye(3) + (1 - saturation) * grey
    # rotate hue around the grey axis (Rodrigues on the normalised (1, 1, 1) axis)
    a = math.radians(hue_degrees)
    k = np.ones(3) / math.sqrt(3)
    cross = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    rot = math.cos(a) * np.eye(3) + math.sin(a) * cross + (1 - math.cos(a)) * np.outer(k, k)
    return (rot @ sat).astype(np.float32)
