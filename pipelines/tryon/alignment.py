"""The alignment image: landmarks, masks and the warped garment outline, for debugging a result."""

from __future__ import annotations

import numpy as np

from pipelines.tryon.fit import Fit
from pipelines.tryon.garment import SLEEVE, Garment
from pipelines.tryon.parsing import BodyParts
from pipelines.tryon.person import Person

# BlazePose limbs worth drawing (face points are covered by the face mask tint).
SKELETON = (
    (11, 12), (11, 13), (13, 15), (12, 14), (14, 16), (11, 23), (12, 24), (23, 24),
    (23, 25), (25, 27), (24, 26), (26, 28), (15, 19), (16, 20),
)  # fmt: skip
PERSON_TINT = np.array([40, 110, 255], np.float32)
FACE_TINT = np.array([40, 220, 90], np.float32)
# Parsed parts: the skin found, the old garment to replace, the lower garment kept.
PART_TINTS = (
    ("skin", np.array([255, 190, 140], np.float32)),
    ("top", np.array([230, 30, 30], np.float32)),
    ("lower", np.array([30, 60, 230], np.float32)),
)
SLEEVE_TINT = np.array([60, 230, 60], np.float32)
HOLE_TINT = np.array([255, 0, 200], np.float32)
GARMENT_EDGE = (255, 220, 0)
OUTLINE = (255, 0, 200)
BODY_POINT = (255, 40, 40)
GARMENT_POINT = (0, 200, 255)
# What the colours mean, shown as the image's caption in the studio.
LEGEND = (
    "Alignment: person blue, skin peach, old top red, kept lower garment dark blue, kept face "
    "and hair green; garment edge yellow, its carried outline magenta; pose white; body "
    "points red, garment points cyan"
)


def draw_alignment(
    photo: np.ndarray,
    person: Person,
    parts: BodyParts,
    garment: Garment,
    fit: Fit,
    alpha: np.ndarray,
    outline: np.ndarray,
) -> np.ndarray:
    """An RGB uint8 image the size of the photo."""
    import cv2

    height, width = photo.shape[:2]
    thick = max(1, round(max(width, height) / 400))

    # 1. Dimmed photo with the person (blue), its parsed parts and the kept face (green) tinted
    canvas = photo.astype(np.float32) * 0.6
    tint = (person.mask > 0.5)[..., None]
    canvas = np.where(tint, canvas * 0.7 + PERSON_TINT * 0.3, canvas)
    for name, colour in PART_TINTS:
        canvas = np.where(getattr(parts, name)[..., None], canvas * 0.6 + colour * 0.4, canvas)
    keep = (person.face_mask | parts.hair)[..., None]
    canvas = np.where(keep, canvas * 0.6 + FACE_TINT * 0.4, canvas)
    canvas = np.ascontiguousarray(canvas.astype(np.uint8))

    # 2. Where the garment landed (yellow) and the spline-carried garment outline (magenta)
    edges, _ = cv2.findContours(
        (alpha > 0.5).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE
    )
    cv2.drawContours(canvas, edges, -1, GARMENT_EDGE, thick)
    if len(outline):
        cv2.polylines(canvas, [outline.astype(np.int32)], True, OUTLINE, thick)

    # 3. Pose skeleton and the key points the garment was pinned to
    points = person.landmarks
    for a, b in SKELETON:
        if min(points[a, 2], points[b, 2]) >= 0.3:
            pa, pb = tuple(int(v) for v in points[a, :2]), tuple(int(v) for v in points[b, :2])
            cv2.line(canvas, pa, pb, (255, 255, 255), thick)
    body_points = [fit.body_points, *(b for _, b in fit.sleeves.values())]
    for x, y in np.concatenate(body_points):
        cv2.circle(canvas, (int(x), int(y)), 3 * thick, BODY_POINT, -1)

    # 4. The cut-out garment with its key points, inset in the top-right corner
    # At most a quarter of the width and under half the height, so it rarely hides the person.
    factor = min(width / 4 / garment.rgb.shape[1], 0.45 * height / garment.rgb.shape[0])
    inset_w = max(1, int(garment.rgb.shape[1] * factor))
    inset_h = max(1, int(garment.rgb.shape[0] * factor))
    # Sleeves tinted green, the cut-away inside back of the neckline magenta.
    cut = garment.rgb.astype(np.float32) * garment.alpha[..., None] + 40 * (
        1 - garment.alpha[..., None]
    )
    cut = np.where((garment.part == SLEEVE)[..., None], cut * 0.7 + SLEEVE_TINT * 0.3, cut)
    if garment.neck_hole is not None:
        cut = np.where(garment.neck_hole[..., None], cut * 0.4 + HOLE_TINT * 0.6, cut)
    inset = cv2.resize(cut.astype(np.uint8), (inset_w, inset_h), interpolation=cv2.INTER_AREA)
    inset = np.ascontiguousarray(inset)
    garment_points = [fit.garment_points, *(g for g, _ in fit.sleeves.values())]
    for x, y in np.concatenate(garment_points):
        cv2.circle(inset, (int(x * factor), int(y * factor)), 2 * thick, GARMENT_POINT, -1)
    canvas[:inset_h, width - inset_w :] = inset
    cv2.rectangle(canvas, (width - inset_w, 0), (width - 1, inset_h - 1), (255, 255, 255), thick)
    return canvas
