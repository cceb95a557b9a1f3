"""Body parsing: skin, hair, the garment the person wears now and the lower-body garment.

No parsing network ships in a package, so the parts come from colour models sampled where the
pose says each part must be: skin from the face, hair from above the eyes, the worn top from
the chest, the lower garment from the thighs. Each person pixel takes the part whose colours
are nearest; the pose then limits where each part may be (no top below the knees, no lower
garment above the waist).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from pipelines.tryon import person as body

log = logging.getLogger(__name__)

PARSE_SIDE = 512  # colour classes are smooth regions: parse a small copy, upsample the masks
CLUSTERS = {"top": 4, "lower": 3, "hair": 2}
SKIN_LIMIT = 3.2  # Mahalanobis distance in (a, b) from the face's skin colour
L_WEIGHT = 0.5  # lightness counts less than colour: folds and shadows change it


@dataclass
class BodyParts:
    """Masks (H, W) bool at the photo's size, and the person's skin colour (RGB)."""

    skin: np.ndarray
    hair: np.ndarray
    top: np.ndarray  # the garment worn now on the upper body
    lower: np.ndarray  # trousers or skirt
    skin_rgb: np.ndarray
    skin_zone: np.ndarray  # where bare skin would show under a removed top: arms, neck, torso
    neck: np.ndarray  # the neck's part of that zone: filled from the neck's own skin above
    hip_y: float


def parse_body(photo: np.ndarray, person: body.Person) -> BodyParts:
    """The person's parts from the pose, the person mask and colour models sampled by the pose."""
    import cv2

    height, width = photo.shape[:2]
    factor = min(1.0, PARSE_SIDE / max(height, width))
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    small = cv2.resize(photo, size, interpolation=cv2.INTER_AREA)
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB).astype(np.float32)
    points = person.landmarks[:, :2] * factor
    inside = cv2.resize(person.mask, size, interpolation=cv2.INTER_LINEAR) > 0.5
    face = cv2.resize(person.face_mask.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
    s_left, s_right = points[body.LEFT_SHOULDER], points[body.RIGHT_SHOULDER]
    sw = float(np.linalg.norm(s_left - s_right))
    shoulder_y = float((s_left[1] + s_right[1]) / 2)
    hips = points[[body.LEFT_HIP, body.RIGHT_HIP]]
    hip_y = float(hips[:, 1].mean())
    if not 0.9 * sw <= hip_y - shoulder_y <= 2.2 * sw:
        hip_y = shoulder_y + 1.45 * sw

    # 1. Skin: the face's colour (cheeks, nose, mouth), then every person pixel close to it
    skin_samples = _face_samples(lab, person.face_box, factor, inside)
    skin = np.zeros(inside.shape, bool)
    skin_lab = np.array([160.0, 145.0, 150.0], np.float32)
    if skin_samples is not None:
        skin_lab = np.median(skin_samples, axis=0)
        ab = skin_samples[:, 1:]
        cov = np.cov(ab.T) + np.eye(2) * 4.0
        diff = lab[..., 1:] - ab.mean(axis=0)
        dist = np.sqrt(np.einsum("...i,ij,...j->...", diff, np.linalg.inv(cov), diff))
        light = lab[..., 0]
        skin = inside & (dist < SKIN_LIMIT) & (light > 0.35 * skin_lab[0]) & (light < 255)
        skin = cv2.morphologyEx(skin.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
        skin = skin.astype(bool) & ~face

    # 2. Colour models of the top (chest), the lower garment (thighs) and hair (above the eyes)
    torso_quad = np.array(
        [
            s_left + (hips[0] - s_left) * 0.15,
            s_right + (hips[1] - s_right) * 0.15,
            s_right + (hips[1] - s_right) * 0.75,
            s_left + (hips[0] - s_left) * 0.75,
        ]
    )
    chest = _polygon(inside.shape, _shrink(torso_quad, 0.15)) & inside & ~skin & ~face
    thighs = np.zeros(inside.shape, np.uint8)
    for hip, knee in ((body.LEFT_HIP, body.LEFT_KNEE), (body.RIGHT_HIP, body.RIGHT_KNEE)):
        a = points[hip] + (points[knee] - points[hip]) * 0.3
        b = points[hip] + (points[knee] - points[hip]) * 0.8
        if person.landmarks[knee, 2] < 0.3:
            a, b = points[hip] + [0, 0.2 * sw], points[hip] + [0, 0.8 * sw]
        cv2.line(thighs, _int(a), _int(b), 1, max(1, int(0.12 * sw)))
    thighs = thighs.astype(bool) & inside & ~skin
    hair_zone = np.zeros(inside.shape, bool)
    if person.face_box is not None:
        x0, y0, x1, y1 = (np.array(person.face_box) * factor).astype(int)
        hair_zone[max(0, y0 - (y1 - y0) // 3) : y0 + (y1 - y0) // 6, x0:x1] = True
    hair_samples = hair_zone & inside & ~skin
    models = {
        name: _clusters(lab[where], CLUSTERS[name])
        for name, where in (("top", chest), ("lower", thighs), ("hair", hair_samples))
        if where.sum() >= 20
    }

    # 3. Every non-skin person pixel takes its nearest model; the pose limits each part
    names = list(models)
    dists = np.stack([_nearest(lab, models[n]) for n in names]) if names else None
    ys = np.arange(inside.shape[0])[:, None]
    waist_y = shoulder_y + 0.55 * (hip_y - shoulder_y)
    knee_y = float(points[[body.LEFT_KNEE, body.RIGHT_KNEE], 1].mean())
    if not hip_y < knee_y:
        knee_y = hip_y + 1.6 * sw
    free = inside & ~skin & ~face
    top = free.copy()
    lower = np.zeros_like(free)
    hair = np.zeros_like(free)
    if dists is not None:
        choice = np.array(names)[np.argmin(dists, axis=0)]
        if "lower" in models:
            lower = free & (choice == "lower") & (ys > waist_y)
        if "hair" in models:
            # Long hair falls over the shoulders, never much below the chest.
            near_head = ys < shoulder_y + 0.8 * sw
            hair = free & (choice == "hair") & near_head & (dists[names.index("hair")] < 30)
        top = free & ~lower & ~hair
        if "top" in models:
            top &= (choice == "top") | (ys < waist_y) | (dists[names.index("top")] < 25)
    top &= ys < knee_y
    # What no colour model claimed belongs to the garment the pose puts there.
    unclaimed = free & ~top & ~hair & ~lower
    lower |= unclaimed & (ys > waist_y)
    top |= unclaimed & (ys <= waist_y)
    # Speckles of a class inside another are colour noise, not parts.
    top = _clean(top)
    # Hair in front of the body is hair that hangs from the head: connected to the hair above
    # the eyes (dark folds or trims elsewhere can share its colour).
    head_hair = face & ~_face_hull(person, factor, inside.shape)
    hair = _connected_to(hair & ~top | head_hair, head_hair) | head_hair

    # 4. Where bare skin would show once the top is gone: arms, neck, and the torso itself
    zone = np.zeros(inside.shape, np.uint8)
    width_arm = max(2, int(0.24 * sw))  # a bare upper arm, not the sleeve that was around it
    for shoulder, elbow, wrist in (
        (body.LEFT_SHOULDER, body.LEFT_ELBOW, body.LEFT_WRIST),
        (body.RIGHT_SHOULDER, body.RIGHT_ELBOW, body.RIGHT_WRIST),
    ):
        chain = [points[shoulder], points[elbow], points[wrist]]
        for a, b in zip(chain, chain[1:], strict=False):
            cv2.line(zone, _int(a), _int(b), 1, width_arm)
    neck = np.array(
        [
            (s_left + s_right) / 2 + [-0.2 * sw, -0.5 * sw],
            (s_left + s_right) / 2 + [0.2 * sw, -0.5 * sw],
            (s_left + s_right) / 2 + [0.25 * sw, 0.1 * sw],
            (s_left + s_right) / 2 + [-0.25 * sw, 0.1 * sw],
        ]
    )
    torso = np.array(
        [s_left + [0, -0.1 * sw], s_right + [0, -0.1 * sw], hips[1] + [0, 0.05 * sw],
         hips[0] + [0, 0.05 * sw]]
    )  # fmt: skip
    neck_zone = _polygon(zone.shape, neck)
    zone = zone.astype(bool) | neck_zone | _polygon(zone.shape, torso)

    def full(mask: np.ndarray) -> np.ndarray:
        grown = cv2.resize(mask.astype(np.uint8) * 255, (width, height), cv2.INTER_LINEAR)
        return grown > 127

    skin_rgb = cv2.cvtColor(skin_lab.reshape(1, 1, 3).astype(np.uint8), cv2.COLOR_LAB2RGB)
    log.info(
        "body parts: skin %.1f%%, top %.1f%%, lower %.1f%%, hair %.1f%%",
        *(100 * m.mean() for m in (skin, top, lower, hair)),
    )
    return BodyParts(
        skin=full(skin),
        hair=full(hair),
        top=full(top),
        lower=full(lower),
        skin_rgb=skin_rgb.reshape(3).astype(np.float32),
        skin_zone=full(zone & inside),
        neck=full(neck_zone & inside),
        hip_y=hip_y / factor,
    )


def _face_samples(
    lab: np.ndarray, box: tuple[int, int, int, int] | None, factor: float, inside: np.ndarray
) -> np.ndarray | None:
    """Lab pixels of the cheeks, nose and mouth: the middle of the face box, lightest 80%."""
    if box is None:
        return None
    x0, y0, x1, y1 = (np.array(box, np.float32) * factor).astype(int)
    w, h = x1 - x0, y1 - y0
    region = lab[y0 + int(0.45 * h) : y0 + int(0.85 * h), x0 + int(0.25 * w) : x1 - int(0.25 * w)]
    samples = region.reshape(-1, 3)
    if len(samples) < 10:
        return None
    light = samples[:, 0]
    keep = (light >= np.percentile(light, 20)) & (light <= np.percentile(light, 95))
    return samples[keep]


def _face_hull(person: body.Person, factor: float, shape: tuple[int, int]) -> np.ndarray:
    """The face box (no hair), at the parsing size."""
    hull = np.zeros(shape, bool)
    if person.face_box is not None:
        x0, y0, x1, y1 = (np.array(person.face_box) * factor).astype(int)
        hull[max(y0, 0) : y1, max(x0, 0) : x1] = True
    return hull


def _clusters(samples: np.ndarray, k: int) -> np.ndarray:
    """k Lab colour centres of the samples (fewer when there are few samples)."""
    import cv2

    rng = np.random.default_rng(0)
    if len(samples) > 4000:
        samples = samples[rng.choice(len(samples), 4000, replace=False)]
    k = max(1, min(k, len(samples) // 10))
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 1.0)
    cv2.setRNGSeed(0)
    _, _, centres = cv2.kmeans(
        samples.astype(np.float32), k, None, criteria, 2, cv2.KMEANS_PP_CENTERS
    )
    return centres


def _nearest(lab: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Per pixel, the distance to the nearest centre (lightness weighted down)."""
    weight = np.array([L_WEIGHT, 1.0, 1.0], np.float32)
    diff = (lab[:, :, None, :] - centres[None, None, :, :]) * weight
    return np.sqrt((diff**2).sum(-1)).min(axis=-1)


def _connected_to(mask: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """The parts of mask connected to any seed pixel."""
    import cv2

    count, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    keep = np.unique(labels[seeds & mask])
    return np.isin(labels, keep[keep > 0])


def _clean(mask: np.ndarray) -> np.ndarray:
    import cv2

    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    mask = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_CLOSE, kernel)
    return cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel).astype(bool)


def _polygon(shape: tuple[int, int], corners: np.ndarray) -> np.ndarray:
    import cv2

    mask = np.zeros(shape, np.uint8)
    cv2.fillConvexPoly(mask, np.round(corners).astype(np.int32), 1)
    return mask.astype(bool)


def _shrink(corners: np.ndarray, amount: float) -> np.ndarray:
    centre = corners.mean(axis=0)
    return centre + (corners - centre) * (1 - amount)


def _int(point: np.ndarray) -> tuple[int, int]:
    return int(round(float(point[0]))), int(round(float(point[1])))
