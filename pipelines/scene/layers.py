"""Two layers from one picture: the picture itself, and what lies behind its near edges.

When the camera moves, the background behind a near object's edge comes into view. The
background layer is the picture with every near edge band removed and refilled from the far
side only (depth-aware: a pixel may copy a neighbour only if that neighbour sits at the
background's depth), so the foreground never smears into what the camera reveals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STEP = 0.05  # disparity difference that counts as an edge between layers


@dataclass(frozen=True)
class Layers:
    """Foreground picture + disparity, and the filled background picture + disparity."""

    image: np.ndarray  # (H, W, 3) uint8
    disparity: np.ndarray  # (H, W) float32 in [0, 1], edges sharpened
    background: np.ndarray  # (H, W, 3) uint8
    background_disparity: np.ndarray  # (H, W) float32, smooth, never nearer than disparity
    revealed: np.ndarray  # (H, W) bool: where the background layer had to be invented
    edge_zone: np.ndarray  # (H, W) bool: within reach of a depth step, either side


def sharpen_edges(disparity: np.ndarray, radius: int = 2) -> np.ndarray:
    """Snap soft depth ramps at object edges to one side, so edges become real steps."""
    import cv2

    kernel = np.ones((2 * radius + 1, 2 * radius + 1), np.uint8)
    low = cv2.erode(disparity, kernel)
    high = cv2.dilate(disparity, kernel)
    ramp = (high - low) > STEP
    snapped = np.where(disparity - low < high - disparity, low, high)
    return np.where(ramp, snapped, disparity).astype(np.float32)


def split_layers(image: np.ndarray, disparity: np.ndarray, band: float = 0.12) -> Layers:
    """The foreground layer and the background layer behind edges up to `band` × width.

    The band covers the largest parallax the camera paths make (near things at NEAR moving
    against the far plane: about a tenth of the width), so what a move reveals is filled.
    """
    import cv2

    height, width = disparity.shape
    sharp = sharpen_edges(disparity)
    # Work at most 360 px wide: the fill is smooth anyway and this keeps it cheap.
    scale = min(1.0, 360 / width)
    small_w, small_h = max(8, round(width * scale)), max(8, round(height * scale))
    small_img = cv2.resize(image, (small_w, small_h), interpolation=cv2.INTER_AREA)
    small_disp = cv2.resize(sharp, (small_w, small_h), interpolation=cv2.INTER_NEAREST)
    reach = max(2, round(band * small_w))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1, 2 * reach + 1))
    behind = cv2.erode(small_disp, kernel)  # the farthest depth within reach: what is behind
    # only real steps count: a ground plane sloping away is no edge to look behind
    square = np.ones((3, 3), np.uint8)
    # (a lower bar than the mesh's DROP_STEP: every dropped triangle lies in this zone)
    steps = (cv2.dilate(small_disp, square) - cv2.erode(small_disp, square)) > STEP / 2
    near_steps = cv2.dilate(steps.astype(np.uint8), kernel) > 0
    near_band = near_steps & (small_disp - behind > STEP)
    filled, filled_disp = _fill_from_far_side(small_img, small_disp, behind, near_band, reach)
    background_disp = cv2.GaussianBlur(filled_disp, (0, 0), max(1.0, reach / 3))
    background_disp = np.minimum(background_disp, small_disp)

    up = (width, height)
    # soften what was invented: streaks of copied pixels read as out-of-focus background
    soft = cv2.GaussianBlur(filled, (0, 0), max(1.0, reach / 4))
    bg_small = np.where(near_band[..., None], soft, filled)
    background = cv2.resize(bg_small, up, interpolation=cv2.INTER_LINEAR)
    revealed = cv2.resize(near_band.astype(np.uint8), up, interpolation=cv2.INTER_NEAREST) > 0
    background = np.where(revealed[..., None], background, image)
    background_disparity = cv2.resize(background_disp, up, interpolation=cv2.INTER_LINEAR)
    background_disparity = np.minimum(background_disparity, sharp)
    zone = cv2.resize(near_steps.astype(np.uint8), up, interpolation=cv2.INTER_NEAREST) > 0
    return Layers(image, sharp, background, background_disparity.astype(np.float32), revealed, zone)


def _fill_from_far_side(
    image: np.ndarray, disparity: np.ndarray, behind: np.ndarray, hole: np.ndarray, steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """Grow the known background into the hole, one pixel ring per step, far side only."""
    import cv2

    colour = image.astype(np.float32)
    disp = disparity.copy()
    known = ~hole
    shifts = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx]
    for _ in range(steps * 2):
        if known.all():
            break
        total = np.zeros_like(colour)
        total_disp = np.zeros_like(disp)
        weight = np.zeros(disp.shape, np.float32)
        for dy, dx in shifts:
            src_known = _shift(known, dy, dx, False)
            src_disp = _shift(disp, dy, dx, 0.0)
            # only neighbours clearly behind this pixel may be copied: never the foreground
            ok = src_known & ~known & (src_disp < disparity - STEP)
            w = ok.astype(np.float32)
            total += _shift(colour, dy, dx, 0.0) * w[..., None]
            total_disp += src_disp * w
            weight += w
        grow = weight > 0
        if not grow.any():
            break
        colour[grow] = total[grow] / weight[grow, None]
        disp[grow] = total_disp[grow] / weight[grow]
        known = known | grow
    if not known.all():  # enclosed holes with no far side in reach: a plain inpaint
        mask = (~known).astype(np.uint8)
        colour = cv2.inpaint(np.clip(colour, 0, 255).astype(np.uint8), mask, 3, cv2.INPAINT_TELEA)
        disp = np.where(known, disp, behind)
        return colour, disp.astype(np.float32)
    return np.clip(colour, 0, 255).astype(np.uint8), disp.astype(np.float32)


def _shift(array: np.ndarray, dy: int, dx: int, fill: float | bool) -> np.ndarray:
    """array moved so out[y, x] = array[y + dy, x + dx]; outside is `fill`."""
    out = np.full_like(array, fill)
    h, w = array.shape[:2]
    ys = slice(max(0, -dy), h - max(0, dy))
    xs = slice(max(0, -dx), w - max(0, dx))
    ys_src = slice(max(0, dy), h - max(0, -dy))
    xs_src = slice(max(0, dx), w - max(0, -dx))
    out[ys, xs] = array[ys_src, xs_src]
    return out
