"""The garment in its photo: cut out from a plain or studio background, with its key points."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from pipelines.errors import PipelineError

log = logging.getLogger(__name__)

MAX_SIDE = 768  # the garment is resampled by the warp anyway; more pixels only cost time
MIN_AREA, MAX_AREA = 0.03, 0.97  # of the photo
FULL_LENGTH_RATIO = 2.0  # shoulder-to-hem over torso width: T-shirts ~1.3, dresses ~3
TORSO, SLEEVE = 1, 2


@dataclass
class Garment:
    """A cut-out garment (cropped to its box) and its key points in that crop's pixels."""

    rgb: np.ndarray  # (h, w, 3) uint8
    alpha: np.ndarray  # (h, w) float32 in [0, 1]
    part: np.ndarray  # (h, w) uint8: TORSO, SLEEVE or 0 outside
    points: dict[str, tuple[float, float]]
    torso_width: float
    kind: str  # "upper" | "full"
    sleeves: dict[str, bool] = field(default_factory=dict)  # "left"/"right" in the photo

    @property
    def colour(self) -> np.ndarray:
        """Mean RGB of the garment's own pixels."""
        return self.rgb[self.alpha > 0.5].reshape(-1, 3).astype(np.float32).mean(axis=0)


def cut_out(rgb: np.ndarray) -> Garment:
    """Find the garment (the largest object that differs from the background) and its key points."""
    import cv2

    # 1. Work at a bounded size
    scale = MAX_SIDE / max(rgb.shape[:2])
    if scale < 1:
        size = (round(rgb.shape[1] * scale), round(rgb.shape[0] * scale))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)

    # 2. Foreground: far from a smooth background model fitted to the border
    mask = _foreground(rgb)

    # 3. Largest object, holes filled, edges cleaned
    mask = _largest_filled(mask)
    area = float(mask.mean())
    if not MIN_AREA <= area <= MAX_AREA:
        raise PipelineError(
            "Garment not found in the garment photo: use a photo of one garment on a plain "
            f"background (the object found covers {100 * area:.0f}% of the photo)."
        )

    # 4. Crop to the garment with a small margin so the feathered edge survives
    ys, xs = np.nonzero(mask)
    pad = 2
    y0, y1 = max(ys.min() - pad, 0), min(ys.max() + pad + 1, mask.shape[0])
    x0, x1 = max(xs.min() - pad, 0), min(xs.max() + pad + 1, mask.shape[1])
    mask, rgb = mask[y0:y1, x0:x1], rgb[y0:y1, x0:x1]
    alpha = cv2.GaussianBlur(mask.astype(np.float32), (3, 3), 0.8)
    # Edge pixels are part background: give the background the garment's nearby colour so a
    # soft edge never picks up a light or dark fringe.
    # The outermost garment pixels are mixed with the background too: they take it as well.
    solid = cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8))
    weight = solid.astype(np.float32)
    near = cv2.GaussianBlur(rgb.astype(np.float32) * weight[..., None], (0, 0), 3)
    near /= np.maximum(cv2.GaussianBlur(weight, (0, 0), 3), 1e-3)[..., None]
    rgb = np.where(solid[..., None] > 0, rgb, np.clip(near, 0, 255).astype(np.uint8))

    # 5. Key points from the silhouette
    points, torso_width, sleeves, kind, part = _key_points(mask)
    log.info("garment %dx%d %s, sleeves %s", rgb.shape[1], rgb.shape[0], kind, sleeves)
    return Garment(np.ascontiguousarray(rgb), alpha, part, points, torso_width, kind, sleeves)


def _foreground(rgb: np.ndarray) -> np.ndarray:
    """Pixels far from a quadratic background model fitted to the photo's border."""
    import cv2

    h, w = rgb.shape[:2]
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).astype(np.float32)
    border = max(2, min(h, w) // 100)
    ring = np.zeros((h, w), bool)
    ring[:border], ring[-border:], ring[:, :border], ring[:, -border:] = True, True, True, True
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    yy, xx = yy / h - 0.5, xx / w - 0.5
    # Studio backdrops fall off towards the corners: a quadratic surface follows that.
    basis = np.stack([np.ones_like(xx), xx, yy, xx * xx, yy * yy, xx * yy], axis=-1)
    coeffs, *_ = np.linalg.lstsq(basis[ring], lab[ring], rcond=None)
    background = basis @ coeffs
    distance = np.linalg.norm(lab - background, axis=-1)
    noise = float(np.percentile(distance[ring], 95))
    threshold = max(12.0, 2.5 * noise)
    mask = (distance > threshold).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)
    return cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel, iterations=2)


def _largest_filled(mask: np.ndarray) -> np.ndarray:
    """The largest connected component with its enclosed holes filled."""
    import cv2

    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count < 2:
        return np.zeros(mask.shape, bool)
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    solid = (labels == largest).astype(np.uint8)
    # Fill holes: flood the outside from a padded border; whatever it cannot reach is inside.
    padded = np.pad(solid, 1)
    flood = padded.copy()
    cv2.floodFill(flood, np.zeros((flood.shape[0] + 2, flood.shape[1] + 2), np.uint8), (0, 0), 1)
    holes = flood[1:-1, 1:-1] == 0
    return solid.astype(bool) | holes


def _run(row: np.ndarray, x: int) -> tuple[int, int] | None:
    """The contiguous run of True in row that contains column x (None if row[x] is False)."""
    if not row[x]:
        return None
    off = np.flatnonzero(~row)
    left = off[off < x]
    right = off[off > x]
    return (
        int(left[-1]) + 1 if left.size else 0,
        int(right[0]) - 1 if right.size else row.size - 1,
    )


def _key_points(
    mask: np.ndarray,
) -> tuple[dict[str, tuple[float, float]], float, dict[str, bool], str, np.ndarray]:
    """Neckline, shoulders, armpits, sides, hem and sleeve ends from the silhouette."""
    h, w = mask.shape
    rows = np.flatnonzero(mask.any(axis=1))
    top, bottom = int(rows[0]), int(rows[-1])
    height = bottom - top + 1

    # 1. The torso column: the run through the centre, narrowest in the middle rows
    cx = int(round(np.median(np.nonzero(mask)[1])))
    widths = {}
    for y in range(top + int(0.3 * height), top + int(0.8 * height) + 1):
        run = _run(mask[y], cx)
        if run:
            widths[y] = run
    if not widths:
        raise PipelineError("Garment not found in the garment photo: its shape is not a garment.")
    torso_width = float(np.percentile([r - left + 1 for left, r in widths.values()], 25))
    centres = [(left + r) / 2 for left, r in widths.values()]
    cx = int(round(np.median(centres)))
    half = torso_width / 2

    # 2. Neckline (first garment row at the centre) and shoulders (top of the column's edges)
    column = np.flatnonzero(mask[:, max(cx - 1, 0) : cx + 2].any(axis=1))
    neck_y = float(column[0]) if column.size else float(top)
    # Straps and narrow bodices: the shoulders lie within the garment's top rows.
    top_cols = np.flatnonzero(mask[top : top + max(3, height // 20)].any(axis=0))
    shoulder_xs = (
        float(np.clip(cx - half, top_cols[0], cx - 2)),
        float(np.clip(cx + half, cx + 2, top_cols[-1])),
    )
    shoulder_ys = []
    for x in shoulder_xs:
        col = np.flatnonzero(mask[:, int(np.clip(x, 0, w - 1))])
        shoulder_ys.append(float(col[0]) if col.size else float(top))
    shoulder_y = float(np.mean(shoulder_ys))
    neck_y = max(neck_y, shoulder_y)
    points = {
        "neck": (float(cx), neck_y),
        "shoulder_left": (shoulder_xs[0], shoulder_y),
        "shoulder_right": (shoulder_xs[1], shoulder_y),
    }

    # 3. Hem: the column's run near the bottom row
    hem_y = float(bottom)
    run = _run(mask[max(bottom - max(2, height // 40), top)], cx) or (cx - half, cx + half)
    points["hem_left"], points["hem_right"] = (float(run[0]), hem_y), (float(run[1]), hem_y)
    points["hem"] = (float(cx), hem_y)

    # 4. Sides between shoulders and hem, where sleeves no longer join the run
    length = hem_y - shoulder_y
    for name, fraction in (("mid", 0.5), ("low", 0.75)):
        y = int(shoulder_y + fraction * length)
        run = _run(mask[y], cx) or (cx - half, cx + half)
        left = float(np.clip(run[0], cx - 1.6 * half, cx - 0.7 * half))
        right = float(np.clip(run[1], cx + 0.7 * half, cx + 1.6 * half))
        points[f"{name}_left"], points[f"{name}_right"] = (left, float(y)), (right, float(y))

    # 5. Sleeves: garment outside the torso column, above the armpits or apart from the body
    # The armpit: where the run through the centre narrows back to the torso after the sleeves.
    armpit_y, widened = shoulder_y, False
    for y in range(int(shoulder_y), int(shoulder_y + 0.6 * length)):
        run = _run(mask[y], cx)
        span = run[1] - run[0] + 1 if run else 0
        widened = widened or span > 1.3 * torso_width
        if widened and span <= 1.15 * torso_width:
            armpit_y = float(y)
            break
    centre = np.zeros_like(mask)
    for y in range(h):
        run = _run(mask[y], cx)
        if run:
            centre[y, run[0] : run[1] + 1] = True
    xs, ys = np.arange(w)[None, :], np.arange(h)[:, None]
    # A flared skirt widens in the same run as the body; a hanging sleeve is a run of its own.
    apart = mask & ((ys < armpit_y) | ~centre)
    part = np.where(mask, TORSO, 0).astype(np.uint8)
    sleeves = {}
    for side, outside in (("left", xs < cx - 1.1 * half), ("right", xs > cx + 1.1 * half)):
        region = apart & outside
        sleeves[side] = bool(region.sum() > 0.03 * mask.sum())
        if not sleeves[side]:
            continue
        part[region] = SLEEVE
        sy, sx = np.nonzero(region)
        shoulder = np.array(points[f"shoulder_{side}"])
        reach = np.hypot(sx - shoulder[0], sy - shoulder[1])
        far = reach >= np.percentile(reach, 92)
        points[f"sleeve_{side}"] = (float(sx[far].mean()), float(sy[far].mean()))
        points[f"armpit_{side}"] = (cx - half if side == "left" else cx + half, armpit_y)

    kind = "full" if length / max(torso_width, 1.0) > FULL_LENGTH_RATIO else "upper"
    return points, torso_width, sleeves, kind, part
