"""A thin-plate spline warp that carries the garment onto the body through matched key points."""

from __future__ import annotations

import numpy as np

from pipelines.tryon.fit import Fit
from pipelines.tryon.garment import SLEEVE, TORSO, Garment
from pipelines.tryon.spline import REGULARISATION, ThinPlateSpline

__all__ = ["ThinPlateSpline", "warp_garment"]

GRID_STEP = 6  # the spline is smooth: evaluate it every few pixels and interpolate between


def warp_garment(
    garment: Garment, fit: Fit, size: tuple[int, int], chest: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The garment in the person photo's frame: (rgb float32 0-255, alpha, part, outline points).

    Sleeves lie over the torso's sides, except on `chest` (the body between the arms, if
    given), where the torso is in front: a sleeve's underside folds under it there.
    """
    import cv2

    width, height = size
    part = np.zeros((height, width), np.uint8)

    # 1. The torso: one spline through its key points, sampled backwards (photo → garment)
    torso = garment.alpha * (garment.part == TORSO)
    layer = np.zeros((height, width, 4), np.float32)
    _paint(layer, garment.rgb, torso, fit.body_points, fit.garment_points, fit.shoulder_width)
    part[layer[..., 3] > 0.5] = TORSO

    # 2. Each sleeve: its own spline from seam (shoulder top, armpit) to elbow and cuff, so it
    # stays attached at the seam and bends along the arm; it lies over the torso's sides.
    centre_x = garment.points["neck"][0]
    columns = np.arange(garment.alpha.shape[1])[None, :]
    for side, (g_points, b_points) in fit.sleeves.items():
        on_side = columns < centre_x if side == "left" else columns >= centre_x
        sleeve = garment.alpha * ((garment.part == SLEEVE) & on_side)
        moved = np.zeros_like(layer)
        _paint(moved, garment.rgb, sleeve, b_points, g_points, fit.shoulder_width)
        # Far from its key points the spline extrapolates: keep the sleeve near the arm.
        hull = np.zeros((height, width), np.uint8)
        cv2.fillConvexPoly(hull, cv2.convexHull(b_points.astype(np.float32)).astype(np.int32), 1)
        grow = max(3, int(0.1 * fit.shoulder_width))
        hull = cv2.dilate(hull, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1,) * 2))
        moved *= hull[..., None]
        if chest is not None:
            under = chest & (layer[..., 3] > 0.5)
            moved[under] = 0.0
        a = moved[..., 3:4]
        layer = moved + layer * (1 - a)
        part[a[..., 0] > 0.5] = SLEEVE
    alpha = np.clip(layer[..., 3], 0, 1)
    rgb = layer[..., :3] / np.maximum(layer[..., 3], 1e-4)[..., None]

    # 3. The torso's outline carried forward, for the alignment image
    forward = ThinPlateSpline(fit.garment_points, fit.body_points, REGULARISATION)
    contours, _ = cv2.findContours(
        (torso > 0.5).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE
    )
    outline = max(contours, key=cv2.contourArea).reshape(-1, 2).astype(np.float64)
    return rgb, alpha, part, forward(outline).astype(np.float32)


def _paint(
    layer: np.ndarray,
    rgb: np.ndarray,
    alpha: np.ndarray,
    body_points: np.ndarray,
    garment_points: np.ndarray,
    shoulder_width: float,
) -> None:
    """Sample the premultiplied garment part into `layer` (h, w, 4) through a backward spline."""
    import cv2

    height, width = layer.shape[:2]
    inverse = ThinPlateSpline(body_points, garment_points, REGULARISATION)
    # Only the region around the body key points can receive garment pixels.
    margin = 0.5 * shoulder_width
    x0, y0 = np.floor(body_points.min(axis=0) - margin).astype(int)
    x1, y1 = np.ceil(body_points.max(axis=0) + margin).astype(int)
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return  # the body is out of the photo: nothing to draw
    box_w, box_h = x1 - x0, y1 - y0
    # The spline is smooth: evaluate it on a coarse grid placed where cv2.resize samples.
    nx, ny = max(2, box_w // GRID_STEP), max(2, box_h // GRID_STEP)
    gx = x0 + (np.arange(nx) + 0.5) * box_w / nx - 0.5
    gy = y0 + (np.arange(ny) + 0.5) * box_h / ny - 0.5
    grid = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)
    coarse = inverse(grid).reshape(ny, nx, 2).astype(np.float32)
    maps = cv2.resize(coarse, (box_w, box_h), interpolation=cv2.INTER_LINEAR)
    # Premultiplied colour, so the garment photo's background never bleeds into the edges.
    source = np.dstack([rgb.astype(np.float32) * alpha[..., None], alpha])
    layer[y0:y1, x0:x1] = cv2.remap(
        source, maps[..., 0], maps[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT
    )


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
