"""A thin-plate spline warp that carries the garment onto the body through matched key points."""

from __future__ import annotations

import numpy as np

from pipelines.tryon.fit import Fit
from pipelines.tryon.garment import SLEEVE, TORSO, Garment

GRID_STEP = 6  # the spline is smooth: evaluate it every few pixels and interpolate between
REGULARISATION = 0.02  # a little stiffness so noisy key points bend the garment less


class ThinPlateSpline:
    """2-D thin-plate spline through control points: maps `source` points onto `target` ones."""

    def __init__(self, source: np.ndarray, target: np.ndarray, regularisation: float = 0.0):
        source, target = np.asarray(source, np.float64), np.asarray(target, np.float64)
        # Work in units of the point spread so the regularisation means the same at any size.
        self.offset = source.mean(axis=0)
        self.scale = float(np.abs(source - self.offset).max()) or 1.0
        self.points = (source - self.offset) / self.scale
        n = len(self.points)
        kernel = self._kernel(self.points, self.points) + regularisation * np.eye(n)
        affine = np.hstack([np.ones((n, 1)), self.points])
        system = np.zeros((n + 3, n + 3))
        system[:n, :n], system[:n, n:], system[n:, :n] = kernel, affine, affine.T
        rhs = np.zeros((n + 3, 2))
        rhs[:n] = target
        # lstsq rather than solve: two coincident key points make the system singular.
        self.coefficients = np.linalg.lstsq(system, rhs, rcond=None)[0]

    @staticmethod
    def _kernel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        d2 = ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(d2 > 0, d2 * np.log(d2), 0.0)

    def __call__(self, xy: np.ndarray) -> np.ndarray:
        """Map (m, 2) points."""
        p = (np.asarray(xy, np.float64) - self.offset) / self.scale
        n = len(self.points)
        affine = np.hstack([np.ones((len(p), 1)), p])
        return self._kernel(p, self.points) @ self.coefficients[:n] + affine @ self.coefficients[n:]


def warp_garment(
    garment: Garment, fit: Fit, size: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The garment in the person photo's frame: (rgb float32 0-255, alpha, part, outline points)."""
    import cv2

    width, height = size
    part = np.zeros((height, width), np.uint8)

    # 1. Backward map (photo → garment crop), so every photo pixel samples the garment once
    inverse = ThinPlateSpline(fit.body_points, fit.garment_points, REGULARISATION)
    forward = ThinPlateSpline(fit.garment_points, fit.body_points, REGULARISATION)

    # 2. Only the region around the body key points can receive garment pixels
    margin = 0.8 * fit.shoulder_width
    x0, y0 = np.floor(fit.body_points.min(axis=0) - margin).astype(int)
    x1, y1 = np.ceil(fit.body_points.max(axis=0) + margin).astype(int)
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
    if x1 <= x0 or y1 <= y0:
        x0, y0, x1, y1 = 0, 0, 2, 2  # the body is out of the photo: nothing to draw
    box_w, box_h = x1 - x0, y1 - y0

    # 3. Evaluate the spline on a coarse grid placed where cv2.resize expects its samples
    nx, ny = max(2, box_w // GRID_STEP), max(2, box_h // GRID_STEP)
    gx = x0 + (np.arange(nx) + 0.5) * box_w / nx - 0.5
    gy = y0 + (np.arange(ny) + 0.5) * box_h / ny - 0.5
    grid = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)
    coarse = inverse(grid).reshape(ny, nx, 2).astype(np.float32)
    maps = cv2.resize(coarse, (box_w, box_h), interpolation=cv2.INTER_LINEAR)

    # 4. Sample premultiplied colour so the garment's old background never bleeds into edges
    torso = garment.alpha * (garment.part == TORSO)
    source = np.dstack([garment.rgb.astype(np.float32) * torso[..., None], torso])
    sampled = cv2.remap(
        source, maps[..., 0], maps[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT
    )
    layer = np.zeros((height, width, 4), np.float32)
    layer[y0:y1, x0:x1] = sampled
    part[layer[..., 3] > 0.5] = TORSO

    # 5. Each sleeve turns and scales rigidly onto its arm, in front of the torso's sides
    centre_x = garment.points["neck"][0]
    columns = np.arange(garment.alpha.shape[1])[None, :]
    for side, (g_root, g_end, b_root, b_end) in fit.sleeves.items():
        on_side = columns < centre_x if side == "left" else columns >= centre_x
        sleeve = garment.alpha * ((garment.part == SLEEVE) & on_side)
        source = np.dstack([garment.rgb.astype(np.float32) * sleeve[..., None], sleeve])
        moved = cv2.warpAffine(
            source, _similarity(g_root, g_end, b_root, b_end), (width, height),
            flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
        )  # fmt: skip
        a = moved[..., 3:4]
        layer = moved + layer * (1 - a)
        part[a[..., 0] > 0.5] = SLEEVE
    alpha = np.clip(layer[..., 3], 0, 1)
    rgb = layer[..., :3] / np.maximum(layer[..., 3], 1e-4)[..., None]

    # 6. The torso's outline carried forward, for the alignment image
    contours, _ = cv2.findContours(
        (torso > 0.5).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE
    )
    outline = max(contours, key=cv2.contourArea).reshape(-1, 2).astype(np.float64)
    return rgb, alpha, part, forward(outline).astype(np.float32)


def _similarity(
    src_a: np.ndarray, src_b: np.ndarray, dst_a: np.ndarray, dst_b: np.ndarray
) -> np.ndarray:
    """The 2x3 rotation + scale + shift taking segment src_a→src_b onto dst_a→dst_b."""
    src, dst = np.subtract(src_b, src_a), np.subtract(dst_b, dst_a)
    scale = np.linalg.norm(dst) / max(np.linalg.norm(src), 1e-6)
    angle = np.arctan2(dst[1], dst[0]) - np.arctan2(src[1], src[0])
    cos, sin = scale * np.cos(angle), scale * np.sin(angle)
    rotation = np.array([[cos, -sin], [sin, cos]])
    shift = np.asarray(dst_a) - rotation @ np.asarray(src_a)
    return np.hstack([rotation, shift[:, None]]).astype(np.float32)
