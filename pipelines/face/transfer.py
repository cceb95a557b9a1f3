"""The identity lock: put the reference face onto a pose image, classically (no face encoder).

Two ways, recorded per image:
- "landmarks": the pose image has a face → mediapipe's 468-point face mesh on both faces, a
  Delaunay triangulated warp of the reference onto the target's mesh (so the target's head
  angle and outline stay), a Reinhard colour match to the target's skin and light, then
  Poisson blending (cv2.seamlessClone). Where the mesh fails, the face's own eyes place it
  as below ("eyes").
- "skeleton": no face was found (always so on the tiny test model) → the reference face is
  placed by a similarity transform from its eyes to the pose skeleton's eye key points, with
  a feathered oval mask and a partial colour match to what lies under it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from pipelines.face import landmarks
from pipelines.face.landmarks import Face

log = logging.getLogger(__name__)

LANDMARKS, EYES, SKELETON, NONE = "landmarks", "eyes", "skeleton", "none"
# How far the pasted face moves towards the colour under it: enough to share the scene's
# light, little enough that a noise canvas cannot wash the face out.
SKELETON_COLOUR_MATCH = 0.45
# How far the warped face follows the target's mesh (0: the reference's own shape, 1: the
# target's): the inner face keeps most of the reference's proportions (they carry the
# identity), the outline follows the target's head.
TARGET_PULL = {"inner": 0.3, "outline": 0.6}


@dataclass(frozen=True)
class Reference:
    """The reference face, prepared once per set."""

    pixels: Any  # RGB uint8 array
    face: Face
    mesh: Any  # (468, 2) face-mesh points, or None when mediapipe found no mesh
    triangles: Any  # Delaunay triangles over the mesh (index rows), or None


def prepare(image: Any) -> Reference | None:
    """The reference face of an image, or None when it has no detectable face."""
    pixels = landmarks.rgb(image)
    face = landmarks.detect(pixels)
    if face is None:
        return None
    mesh = landmarks.face_mesh(pixels, face)
    return Reference(pixels, face, mesh, None if mesh is None else _triangles(mesh))


def lock_identity(
    reference: Reference,
    image: Any,
    head_eyes: tuple[tuple[float, float], tuple[float, float]] | None = None,
    near: tuple[float, float, float, float] | None = None,
) -> tuple[Any, str]:
    """(PIL image with the reference identity, method: landmarks | eyes | skeleton | none).

    head_eyes: where the pose puts the eyes, used when the image has no face of its own;
    near: where a small face can be (the pose's head, when a ControlNet held the pose).
    """
    from PIL import Image

    target = landmarks.rgb(image)
    face = landmarks.detect(target, near)
    if face is not None:
        mesh = landmarks.face_mesh(target, face) if reference.mesh is not None else None
        if mesh is not None:
            return Image.fromarray(swap_by_landmarks(reference, target, mesh)), LANDMARKS
        return Image.fromarray(place_by_eyes(reference, target, face.eyes)), EYES
    if head_eyes is not None:
        return Image.fromarray(place_by_eyes(reference, target, head_eyes)), SKELETON
    return Image.fromarray(target), NONE


def _triangles(points: Any) -> Any:
    """Delaunay triangles (rows of 3 indices) over the reference's mesh (OpenCV's Subdiv2D)."""
    import cv2
    import numpy as np

    x0, y0 = np.floor(points.min(axis=0)) - 1
    x1, y1 = np.ceil(points.max(axis=0)) + 1
    subdiv = cv2.Subdiv2D((int(x0), int(y0), int(x1 - x0) + 1, int(y1 - y0) + 1))
    subdiv.insert([(float(x), float(y)) for x, y in points])
    corners = subdiv.getTriangleList().reshape(-1, 3, 2)
    # Subdiv2D returns coordinates: map each corner back to its point; drop the triangles
    # that use its virtual outer vertices (no point within a pixel).
    gaps = np.linalg.norm(corners[:, :, None, :] - points[None, None, :, :], axis=-1)
    nearest, distance = gaps.argmin(axis=-1), gaps.min(axis=-1)
    return nearest[(distance < 1.0).all(axis=1)]


def destination(reference_points: Any, target_points: Any) -> Any:
    """The reference's mesh fitted onto the target's, pulled towards it by TARGET_PULL."""
    import cv2
    import numpy as np

    matrix, _ = cv2.estimateAffinePartial2D(reference_points, target_points)
    if matrix is None:
        return target_points.copy()
    aligned = reference_points @ matrix[:, :2].T + matrix[:, 2]
    pull = np.full((len(target_points), 1), TARGET_PULL["inner"], dtype=np.float32)
    pull[list(landmarks.face_outline())] = TARGET_PULL["outline"]
    return (aligned * (1 - pull) + target_points * pull).astype(np.float32)


def swap_by_landmarks(reference: Reference, target: Any, mesh: Any) -> Any:
    """The reference's face warped onto the target's mesh, colour matched, Poisson blended."""
    import cv2
    import numpy as np

    # 1. Where the reference's features go: its own proportions moved onto the target face,
    # bent part-way to the target's outline so the head keeps its angle.
    src_points = reference.mesh
    dst_points = destination(reference.mesh, mesh)
    height, width = target.shape[:2]
    # Work in the box around the placed face only (a few % of a full-length picture).
    x0, y0 = (max(0, int(v) - 4) for v in dst_points.min(axis=0))
    x1 = min(width, int(dst_points[:, 0].max()) + 5)
    y1 = min(height, int(dst_points[:, 1].max()) + 5)
    if x1 - x0 < 8 or y1 - y0 < 8:
        return target.copy()
    local = dst_points - np.float32((x0, y0))
    under = target[y0:y1, x0:x1]
    warped = np.zeros_like(under)
    for triangle in reference.triangles:
        _warp_triangle(reference.pixels, warped, src_points[triangle], local[triangle])
    # 2. The mask: the hull of the placed mesh, a little inside it, off the box's edges.
    hull = cv2.convexHull(np.round(local).astype(np.int32))
    mask = np.zeros(under.shape[:2], dtype=np.uint8)
    cv2.fillConvexPoly(mask, hull, 255)
    inset = max(1, round(float(np.ptp(local[:, 0])) * 0.03))
    mask = cv2.erode(mask, np.ones((2 * inset + 1, 2 * inset + 1), np.uint8))
    mask[:2, :], mask[-2:, :], mask[:, :2], mask[:, -2:] = 0, 0, 0, 0
    if not mask.any():
        return target.copy()
    # 3. Colour: the reference skin in the target's light (Reinhard, in Lab).
    warped = _match_colour(warped, under, mask > 0, strength=1.0)
    # 4. Poisson blend: the seam takes the target's boundary, the inside keeps the face.
    bx, by, bw, bh = cv2.boundingRect(mask)
    centre = (x0 + bx + bw // 2, y0 + by + bh // 2)
    return cv2.seamlessClone(warped, target, mask, centre, cv2.NORMAL_CLONE)


def _warp_triangle(source: Any, out: Any, src: Any, dst: Any) -> None:
    import cv2
    import numpy as np

    x0, y0, w0, h0 = cv2.boundingRect(np.float32(src))
    x1, y1, w1, h1 = cv2.boundingRect(np.float32(dst))
    sh, sw = source.shape[:2]
    oh, ow = out.shape[:2]
    # Triangles reaching outside either picture: clip their boxes; the warp still lands right.
    if w1 <= 0 or h1 <= 0 or x1 >= ow or y1 >= oh or x1 + w1 <= 0 or y1 + h1 <= 0:
        return
    x0c, y0c = max(0, x0), max(0, y0)
    patch = source[y0c : min(sh, y0 + h0), x0c : min(sw, x0 + w0)]
    if patch.size == 0:
        return
    matrix = cv2.getAffineTransform(np.float32(src - (x0c, y0c)), np.float32(dst - (x1, y1)))
    piece = cv2.warpAffine(
        patch, matrix, (w1, h1), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101
    )
    tri_mask = np.zeros((h1, w1), dtype=np.uint8)
    cv2.fillConvexPoly(tri_mask, np.int32(np.round(dst - (x1, y1))), 1)
    ya, yb, xa, xb = max(0, y1), min(oh, y1 + h1), max(0, x1), min(ow, x1 + w1)
    sub_mask = tri_mask[ya - y1 : yb - y1, xa - x1 : xb - x1].astype(bool)
    region = out[ya:yb, xa:xb]
    region[sub_mask] = piece[ya - y1 : yb - y1, xa - x1 : xb - x1][sub_mask]


def _match_colour(source: Any, target: Any, where: Any, strength: float) -> Any:
    """Move source's Lab mean and spread inside `where` towards target's there."""
    import cv2
    import numpy as np

    src_lab = cv2.cvtColor(source, cv2.COLOR_RGB2LAB).astype(np.float32)
    dst_lab = cv2.cvtColor(target, cv2.COLOR_RGB2LAB).astype(np.float32)
    s_mean, s_std = src_lab[where].mean(axis=0), src_lab[where].std(axis=0) + 1e-3
    d_mean, d_std = dst_lab[where].mean(axis=0), dst_lab[where].std(axis=0) + 1e-3
    mean = s_mean + strength * (d_mean - s_mean)
    # Spread: only ever narrowed a little, never widened (a noisy target must not add noise).
    std = s_std * np.clip(1 + strength * (d_std / s_std - 1), 0.75, 1.0)
    matched = (src_lab - s_mean) / s_std * std + mean
    return cv2.cvtColor(np.clip(matched, 0, 255).astype(np.uint8), cv2.COLOR_LAB2RGB)


def face_oval(face: Face) -> tuple[tuple[float, float], tuple[float, float], float]:
    """An ellipse (centre, half axes, angle°) over the face, forehead and hairline.

    From the eyes alone (proportions of an average face: chin ~1.9 eye spans below the eye
    line, hairline ~1.3 above, cheeks ~1 to each side).
    """
    import numpy as np

    left, right = face.eyes
    span = float(np.linalg.norm(right - left))
    angle = float(np.degrees(np.arctan2(right[1] - left[1], right[0] - left[0])))
    down = np.array([-(right - left)[1], (right - left)[0]]) / max(span, 1e-3)
    centre = (left + right) / 2 + down * 0.3 * span
    return (float(centre[0]), float(centre[1])), (1.1 * span, 1.6 * span), angle


def place_by_eyes(
    reference: Reference, target: Any, eyes: tuple[tuple[float, float], tuple[float, float]]
) -> Any:
    """The reference face placed where the skeleton's eyes are, feathered and colour matched."""
    import cv2
    import numpy as np

    height, width = target.shape[:2]
    # 1. Similarity transform: the reference's eyes onto the skeleton's eyes.
    src_left, src_right = reference.face.eyes
    dst_left, dst_right = np.float32(eyes[0]), np.float32(eyes[1])
    src_vec, dst_vec = src_right - src_left, dst_right - dst_left
    scale = float(np.linalg.norm(dst_vec) / max(np.linalg.norm(src_vec), 1e-3))
    angle = float(np.arctan2(dst_vec[1], dst_vec[0]) - np.arctan2(src_vec[1], src_vec[0]))
    cos, sin = scale * np.cos(angle), scale * np.sin(angle)
    rotation = np.array([[cos, -sin], [sin, cos]], dtype=np.float32)
    offset = dst_left - rotation @ src_left
    matrix = np.hstack([rotation, offset[:, None]]).astype(np.float32)
    # 2. A feathered oval mask over face, forehead and hairline, in the reference's frame.
    centre, axes, tilt = face_oval(reference.face)
    mask = np.zeros(reference.pixels.shape[:2], dtype=np.float32)
    cv2.ellipse(
        mask, (round(centre[0]), round(centre[1])), (round(axes[0]), round(axes[1])),
        tilt, 0, 360, 1.0, thickness=-1,
    )  # fmt: skip
    mask = cv2.GaussianBlur(mask, (0, 0), max(1.0, 0.12 * axes[0]))
    # Only the box the face lands in is warped, matched and blended (a few % of the frame).
    reach = (max(axes) * 1.3) * scale
    at = matrix @ np.array([centre[0], centre[1], 1.0], dtype=np.float32)
    x0, y0 = max(0, int(at[0] - reach)), max(0, int(at[1] - reach))
    x1, y1 = min(width, int(at[0] + reach) + 1), min(height, int(at[1] + reach) + 1)
    if x1 <= x0 or y1 <= y0:
        return target.copy()
    shifted = matrix.copy()
    shifted[:, 2] -= (x0, y0)
    box = (x1 - x0, y1 - y0)
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    face_pixels = cv2.warpAffine(
        reference.pixels, shifted, box, flags=interpolation, borderMode=cv2.BORDER_REFLECT_101
    )
    alpha = cv2.warpAffine(mask, shifted, box, flags=cv2.INTER_LINEAR)[..., None]
    if alpha.max() <= 0:
        return target.copy()
    # 3. Colour: part-way towards what lies under the face (its light, not its noise).
    under = target[y0:y1, x0:x1]
    core = alpha[..., 0] > 0.5
    face_pixels = _match_colour(face_pixels, under, core, strength=SKELETON_COLOUR_MATCH)
    out = target.copy()
    blended = face_pixels * alpha + under * (1 - alpha)
    out[y0:y1, x0:x1] = np.clip(blended, 0, 255).astype(np.uint8)
    return out
