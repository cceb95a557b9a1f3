"""The garment in its photo: cut out from a plain, light or textured background, and its parts.

Parsing works on the silhouette and the photo's edges, never on a fixed colour: background is
what a flood from the photo's border reaches through pixels close to the border's colour and
free of edges; the garment is the largest object left. Its parts (neckline, shoulders,
armpits, sleeves with their cuffs, sides and hem) come from the silhouette's rows and columns;
the inside back of the neckline (and the brand label printed there) is cut away.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from pipelines.errors import PipelineError

log = logging.getLogger(__name__)

MAX_SIDE = 768  # the garment is resampled by the warp anyway; more pixels only cost time
MIN_AREA, MAX_AREA = 0.03, 0.97  # of the photo
FULL_LENGTH_RATIO = 3.3  # shoulder-to-hem over torso width: tops 1.3-2.9 flat, dresses 3.5+
TORSO, SLEEVE = 1, 2
# The neck opening in torso widths: a crew neck is ~40% of the chest wide and dips ~15% below
# the shoulder line at the front; the back of the collar and its label lie inside it.
NECK_HALF_WIDTH = 0.15
NECK_DEPTH = 0.12  # from the collar's top, when no neckline edge is found
NECK_DEPTH_RANGE = (0.04, 0.3)
ARMHOLE_DEPTH = 0.42  # shoulder line to armpit, in torso widths, where the silhouette hides it


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
    # side → cuff_outer, cuff_inner, elbow_outer, elbow_inner (garment crop pixels)
    sleeve_points: dict[str, dict[str, tuple[float, float]]] = field(default_factory=dict)
    neck_hole: np.ndarray | None = None  # (h, w) bool: the inside back of the neckline, cut away

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

    # 2. Foreground: what a flood from the border through background-like pixels cannot reach
    mask = _foreground(rgb)

    # 3. Largest object, holes filled, its outline smoothed (a flood leaves ragged edges on a
    # garment as light as its backdrop)
    mask = _largest_filled(mask)
    mask = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), 2.0) > 0.5
    area = float(mask.mean())
    if not MIN_AREA <= area <= MAX_AREA:
        raise PipelineError(
            "Garment not found in the garment photo: use a photo of one garment laid flat on a "
            f"plain background (the object found covers {100 * area:.0f}% of the photo)."
        )

    # 4. Crop to the garment with a small margin so the feathered edge survives
    ys, xs = np.nonzero(mask)
    pad = 2
    y0, y1 = max(ys.min() - pad, 0), min(ys.max() + pad + 1, mask.shape[0])
    x0, x1 = max(xs.min() - pad, 0), min(xs.max() + pad + 1, mask.shape[1])
    mask, rgb = mask[y0:y1, x0:x1], rgb[y0:y1, x0:x1]
    # Edge pixels are part background: give them the garment's nearby colour so a soft edge
    # never picks up a light or dark fringe.
    solid = cv2.erode(mask.astype(np.uint8), np.ones((5, 5), np.uint8))
    weight = solid.astype(np.float32)
    near = cv2.GaussianBlur(rgb.astype(np.float32) * weight[..., None], (0, 0), 3)
    near /= np.maximum(cv2.GaussianBlur(weight, (0, 0), 3), 1e-3)[..., None]
    rgb = np.where(solid[..., None] > 0, rgb, np.clip(near, 0, 255).astype(np.uint8))

    # 5. Key points and parts from the silhouette; the neck opening is cut away
    points, torso_width, sleeves, kind, part, sleeve_points = _key_points(mask, rgb)
    hole = _neck_hole(rgb, points, torso_width)
    mask = mask & ~hole
    part[hole] = 0
    # The outermost pixel is half backdrop: drop it so no light or dark rim shows on the body.
    inner = cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8))
    alpha = cv2.GaussianBlur(inner.astype(np.float32), (3, 3), 0.8)
    log.info("garment %dx%d %s, sleeves %s", rgb.shape[1], rgb.shape[0], kind, sleeves)
    return Garment(
        np.ascontiguousarray(rgb), alpha, part, points, torso_width, kind, sleeves,
        sleeve_points, hole,
    )  # fmt: skip


def _foreground(rgb: np.ndarray) -> np.ndarray:
    """Pixels a flood from the border cannot reach through background-like, edge-free pixels.

    The background model is a smooth surface fitted to the border (studio backdrops fall off
    towards the corners); its tolerance follows the border's own noise, so a white garment on a
    white sheet is still separated by its outline, and a textured backdrop by its colour.
    """
    import cv2

    h, w = rgb.shape[:2]
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).astype(np.float32)
    border = max(2, min(h, w) // 100)
    ring = np.zeros((h, w), bool)
    ring[:border], ring[-border:], ring[:, :border], ring[:, -border:] = True, True, True, True
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    yy, xx = yy / h - 0.5, xx / w - 0.5
    basis = np.stack([np.ones_like(xx), xx, yy, xx * xx, yy * yy, xx * yy], axis=-1)
    # Garments photographed tight to the frame touch the border: fit, drop the border pixels far
    # from the fit (garment, not backdrop), fit again.
    backdrop = ring.copy()
    for _ in range(2):
        coeffs, *_ = np.linalg.lstsq(basis[backdrop], lab[backdrop], rcond=None)
        distance = np.linalg.norm(lab - basis @ coeffs, axis=-1)
        residual = distance[backdrop]
        backdrop &= distance < max(6.0, 2.5 * float(np.median(residual)))
        if backdrop.sum() < 0.3 * ring.sum():
            backdrop = ring.copy()
            break
    coeffs, *_ = np.linalg.lstsq(basis[backdrop], lab[backdrop], rcond=None)
    distance = np.linalg.norm(lab - basis @ coeffs, axis=-1)
    noise = float(np.percentile(distance[backdrop], 95))

    # Edges: the garment's outline, even where its colour matches the backdrop's.
    smooth = cv2.GaussianBlur(lab, (0, 0), 1.0)
    grad = np.zeros((h, w), np.float32)
    for c in range(3):
        gx = cv2.Sobel(smooth[..., c], cv2.CV_32F, 1, 0)
        gy = cv2.Sobel(smooth[..., c], cv2.CV_32F, 0, 1)
        grad = np.maximum(grad, np.hypot(gx, gy))
    edge_limit = max(6.0, 3.0 * float(np.percentile(grad[backdrop], 95)))
    passable = (distance < max(4.0, 3.0 * noise)) & (grad < edge_limit)
    # Close hairline gaps in the outline before flooding.
    passable = cv2.erode(passable.astype(np.uint8), np.ones((3, 3), np.uint8))
    count, labels = cv2.connectedComponents(passable, connectivity=4)
    reached = np.unique(labels[ring & (passable > 0)])
    background = np.isin(labels, reached[reached > 0])
    background = cv2.dilate(background.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    # Far from the backdrop's colour is garment even when an edge-free path reaches it.
    mask = (~background | (distance > max(12.0, 2.5 * noise))).astype(np.uint8)
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


def _largest(mask: np.ndarray) -> np.ndarray:
    """The largest connected component of a mask (all False when it is empty)."""
    import cv2

    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), 8)
    if count < 2:
        return np.zeros(mask.shape, bool)
    return labels == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))


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


def _seams(mask: np.ndarray, rgb: np.ndarray, cx: int, half: float, top: int, bottom: int):
    """Columns of long vertical edges inside the silhouette, left and right of the centre.

    Long sleeves laid down the body's sides touch it: the silhouette has no gap there, but the
    fold between sleeve and body is an edge running most of the garment's height.
    """
    import cv2

    grey = cv2.GaussianBlur(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32), (0, 0), 1.5)
    gx = np.abs(cv2.Sobel(grey, cv2.CV_32F, 1, 0))
    inside = cv2.erode(mask.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    rows = slice(top + int(0.35 * (bottom - top)), top + int(0.85 * (bottom - top)))
    strong = (gx > max(8.0, 2.0 * float(np.median(gx[inside])))) & inside
    # An edge within a couple of pixels counts for the column (seams are not perfectly straight).
    strong = cv2.dilate(strong.astype(np.uint8), np.ones((1, 5), np.uint8)) > 0
    score = strong[rows].mean(axis=0)
    found = {}
    for side, span in (("left", range(int(cx - 1.3 * half), int(cx - 0.5 * half))),
                       ("right", range(int(cx + 0.5 * half), int(cx + 1.3 * half)))):  # fmt: skip
        xs = [x for x in span if 0 <= x < mask.shape[1]]
        if xs:
            best = max(xs, key=lambda x: score[x])
            # A sleeve is a strip a fifth of the body wide or more, not a shaded side seam.
            filled = np.flatnonzero(mask[(rows.start + rows.stop) // 2])
            strip = best - filled[0] if side == "left" else filled[-1] - best
            if score[best] > 0.6 and strip >= 0.2 * abs(best - cx):
                found[side] = best
    return found


def _key_points(mask: np.ndarray, rgb: np.ndarray):
    """Neckline, shoulders, armpits, sides, hem, sleeves (root, elbow, cuff) from the silhouette."""
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
    cx = int(round(np.median([(left + r) / 2 for left, r in widths.values()])))
    half = torso_width / 2
    # Long sleeves laid along the sides: the body is between the two seams.
    seams = _seams(mask, rgb, cx, half, top, bottom)
    if len(seams) == 2 and seams["right"] - seams["left"] < 0.92 * torso_width:
        cx = (seams["left"] + seams["right"]) // 2
        torso_width = float(seams["right"] - seams["left"])
        half = torso_width / 2
    along_sides = len(seams) == 2 and abs(torso_width - (seams["right"] - seams["left"])) < 1

    # 2. Shoulders: the top of the silhouette at the torso's edges; the neck at the centre top
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
    column = np.flatnonzero(mask[:, max(cx - 1, 0) : cx + 2].any(axis=1))
    neck_y = float(column[0]) if column.size else float(top)
    points = {
        "neck": (float(cx), min(neck_y, shoulder_y + 0.1 * torso_width)),
        "shoulder_left": (shoulder_xs[0], shoulder_y),
        "shoulder_right": (shoulder_xs[1], shoulder_y),
    }

    # 3. Hem: the bottom of the centre column (long sleeves laid down may hang lower), and the
    # run through the centre just above it
    centre_rows = np.flatnonzero(mask[:, cx])
    hem_row = int(centre_rows[-1]) if centre_rows.size else bottom
    hem_y = float(hem_row)
    run = _run(mask[max(hem_row - max(2, height // 40), top)], cx) or (cx - half, cx + half)
    left = float(np.clip(run[0], cx - 1.6 * half, cx - 0.6 * half))
    right = float(np.clip(run[1], cx + 0.6 * half, cx + 1.6 * half))
    points["hem_left"], points["hem_right"] = (left, hem_y), (right, hem_y)
    points["hem"] = (float(cx), hem_y)

    # 4. Armpits: where the run through the centre narrows back to the torso below the sleeves
    # (or, sleeveless, where it has widened to the torso); hidden under laid-down sleeves.
    length = hem_y - shoulder_y
    armpit_y = None
    if not along_sides:
        widened = False
        for y in range(int(shoulder_y), int(shoulder_y + 0.6 * length)):
            run = _run(mask[y], cx)
            span = run[1] - run[0] + 1 if run else 0
            widened = widened or span > 1.3 * torso_width
            if widened and span <= 1.15 * torso_width:
                armpit_y = float(y)
                break
        if armpit_y is None:  # no sleeves: the armhole ends where the torso reaches full width
            for y in range(int(shoulder_y + 0.15 * torso_width), int(shoulder_y + 0.6 * length)):
                run = _run(mask[y], cx)
                if run and run[1] - run[0] + 1 >= 0.95 * torso_width:
                    armpit_y = float(y)
                    break
    if armpit_y is None:
        armpit_y = shoulder_y + ARMHOLE_DEPTH * torso_width
    armpit_y = float(
        np.clip(armpit_y, shoulder_y + 0.2 * torso_width, shoulder_y + 0.7 * torso_width)
    )
    points["armpit_left"], points["armpit_right"] = (cx - half, armpit_y), (cx + half, armpit_y)

    # 5. Sides between armpits and hem
    for name, fraction in (("mid", 0.45), ("low", 0.75)):
        y = int(armpit_y + fraction * (hem_y - armpit_y))
        run = _run(mask[y], cx) or (cx - half, cx + half)
        if along_sides:
            run = (cx - half, cx + half)
        left = float(np.clip(run[0], cx - 1.3 * half, cx - 0.8 * half))
        right = float(np.clip(run[1], cx + 0.8 * half, cx + 1.3 * half))
        points[f"{name}_left"], points[f"{name}_right"] = (left, float(y)), (right, float(y))

    # 6. Sleeves: garment outside the torso column, above the armpits or apart from the body
    centre = np.zeros_like(mask)
    for y in range(h):
        run = _run(mask[y], cx)
        if run:
            centre[y, run[0] : run[1] + 1] = True
    xs, ys = np.arange(w)[None, :], np.arange(h)[:, None]
    apart = mask & ((ys < armpit_y) | ~centre | along_sides)
    part = np.where(mask, TORSO, 0).astype(np.uint8)
    sleeves: dict[str, bool] = {}
    sleeve_points: dict[str, dict[str, tuple[float, float]]] = {}
    margin = 1.0 if along_sides else 1.05
    for side, outside in (("left", xs < cx - margin * half), ("right", xs > cx + margin * half)):
        region = _largest(apart & outside)
        sleeves[side] = bool(region.sum() > 0.03 * mask.sum())
        if not sleeves[side]:
            continue
        part[region] = SLEEVE
        sleeve_points[side] = _sleeve_points(region, points, side)
        # Where the sleeve's top edge leaves the torso: the sleeve hangs from there.
        seam_x = int(np.clip(cx - half if side == "left" else cx + half, 0, w - 1))
        column_rows = np.flatnonzero(mask[:, seam_x])
        seam_y = float(column_rows[0]) if column_rows.size else shoulder_y
        sleeve_points[side]["seam"] = (float(seam_x), seam_y)
        points[f"sleeve_{side}"] = sleeve_points[side]["cuff"]

    kind = "full" if length / max(torso_width, 1.0) > FULL_LENGTH_RATIO else "upper"
    # With a sleeve, the shoulder's end is the seam where the sleeve leaves the torso.
    for side, found in sleeve_points.items():
        points[f"shoulder_{side}"] = found["seam"]
    return points, torso_width, sleeves, kind, part, sleeve_points


def _sleeve_points(
    region: np.ndarray, points: dict[str, tuple[float, float]], side: str
) -> dict[str, tuple[float, float]]:
    """A sleeve's cuff (centre, outer and inner corner) and the same across its middle."""
    sy, sx = np.nonzero(region)
    top, pit = np.array(points[f"shoulder_{side}"]), np.array(points[f"armpit_{side}"])
    root = (top + pit) / 2
    reach = np.hypot(sx - root[0], sy - root[1])
    far = reach >= np.percentile(reach, 95)
    cuff = np.array([sx[far].mean(), sy[far].mean()])
    axis = (cuff - root) / max(float(np.linalg.norm(cuff - root)), 1e-6)
    normal = np.array([-axis[1], axis[0]])
    if np.dot(normal, top - root) < 0:
        normal = -normal  # "outer" is the side of the shoulder seam's top
    along = (sx - root[0]) * axis[0] + (sy - root[1]) * axis[1]
    across = (sx - root[0]) * normal[0] + (sy - root[1]) * normal[1]
    length = float(along.max())
    found = {"cuff": (float(cuff[0]), float(cuff[1]))}
    spans = {}
    for name, t in (("elbow", 0.5), ("cuff", 0.85)):
        band = np.abs(along - t * length) <= max(2.0, 0.04 * length)
        if not band.any():
            band = far
        lo, hi = float(across[band].min()), float(across[band].max())
        if name == "cuff":
            # A sleeve's end is cut square across it: where the band crosses an oblique tip,
            # it is still about as wide as the sleeve's middle.
            width = max(hi - lo, 0.75 * (spans["elbow"][1] - spans["elbow"][0]))
            middle = (lo + hi) / 2
            lo, hi = middle - width / 2, middle + width / 2
        spans[name] = (lo, hi)
        centre = root + axis * (t * length)
        found[f"{name}_outer"] = tuple(centre + normal * hi)
        found[f"{name}_inner"] = tuple(centre + normal * lo)
    return found


def _neck_hole(
    rgb: np.ndarray, points: dict[str, tuple[float, float]], torso_width: float
) -> np.ndarray:
    """The neck opening, a half-ellipse from the collar's top down to the front neckline.

    Inside it lie the back of the collar and its label. The front neckline is the strongest
    change of lightness down the centre (the shadowed inside back against the front's collar),
    searched within typical neckline depths.
    """
    import cv2

    h, w = rgb.shape[:2]
    cx, top = points["neck"]
    grey = cv2.GaussianBlur(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32), (0, 0), 1.5)
    half = max(2, int(NECK_HALF_WIDTH * torso_width))
    x0, x1 = max(int(cx - 0.4 * half), 0), min(int(cx + 0.4 * half) + 1, w)
    y0 = int(top + NECK_DEPTH_RANGE[0] * torso_width)
    y1 = min(int(top + NECK_DEPTH_RANGE[1] * torso_width), h - 2)
    depth = NECK_DEPTH * torso_width
    if y1 > y0 + 2 and x1 > x0:
        profile = np.abs(np.diff(grey[y0 : y1 + 1, x0:x1].mean(axis=1)))
        if profile.size and profile.max() > 4.0:
            # The label and the collar's back have edges of their own: take the deepest strong
            # edge, the front neckline below them.
            strong = np.flatnonzero(profile >= 0.5 * profile.max())
            depth = float(y0 + int(strong[-1]) - top)
    hole = np.zeros((h, w), np.uint8)
    cv2.ellipse(hole, (int(cx), int(top)), (half, max(2, int(depth))), 0, 0, 180, 1, -1)
    hole[: int(top) + 1] = 0
    return hole.astype(bool)
