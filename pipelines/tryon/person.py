"""The person in a photo: body pose landmarks, person mask and face region (mediapipe)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from pipelines.errors import PipelineError

log = logging.getLogger(__name__)

# mediapipe pose landmark indices (BlazePose topology).
NOSE = 0
LEFT_SHOULDER, RIGHT_SHOULDER = 11, 12
LEFT_ELBOW, RIGHT_ELBOW = 13, 14
LEFT_WRIST, RIGHT_WRIST = 15, 16
LEFT_HAND = (17, 19, 21)  # pinky, index, thumb
RIGHT_HAND = (18, 20, 22)
LEFT_HIP, RIGHT_HIP = 23, 24
LEFT_KNEE, RIGHT_KNEE = 25, 26
LEFT_ANKLE, RIGHT_ANKLE = 27, 28
VISIBLE = 0.5
MIN_PERSON_AREA = 0.01  # of the photo: below this the detection is noise, not a person

# mediapipe graphs are not thread-safe; the worker may run jobs on several threads.
_lock = threading.Lock()


@dataclass
class Person:
    """What the try-on needs to know about the person, in pixel coordinates of the photo."""

    size: tuple[int, int]  # (width, height)
    landmarks: np.ndarray  # (33, 3): x, y, visibility
    mask: np.ndarray  # (H, W) float32 in [0, 1]: person probability
    face_mask: np.ndarray  # (H, W) bool: face and hair line, put back when preserving the face
    face_box: tuple[int, int, int, int] | None  # x0, y0, x1, y1 of the face mesh

    def point(self, index: int) -> np.ndarray:
        return self.landmarks[index, :2]

    def visible(self, index: int, threshold: float = VISIBLE) -> bool:
        width, height = self.size
        x, y, vis = self.landmarks[index]
        return vis >= threshold and -0.02 * width <= x <= 1.02 * width and y <= 1.02 * height


@cache
def _pose() -> Any:
    import mediapipe as mp

    # model_complexity=1 is the model that ships in the wheel (0 and 2 download at run time).
    return mp.solutions.pose.Pose(
        static_image_mode=True, model_complexity=1, enable_segmentation=True
    )


@cache
def _face_mesh() -> Any:
    import mediapipe as mp

    return mp.solutions.face_mesh.FaceMesh(
        static_image_mode=True, refine_landmarks=True, max_num_faces=1
    )


@cache
def _selfie() -> Any:
    import mediapipe as mp

    return mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0)


def detect_person(rgb: np.ndarray) -> Person:
    """Pose, mask and face of the one person in an RGB uint8 photo; PipelineError if none."""
    height, width = rgb.shape[:2]
    rgb = np.ascontiguousarray(rgb)

    # 1. Body pose and its segmentation mask
    with _lock:
        result = _pose().process(rgb)
    if result.pose_landmarks is None:
        raise PipelineError(
            "No person found in the person photo: use a photo where one person is clearly visible."
        )
    landmarks = np.array(
        [(p.x * width, p.y * height, p.visibility) for p in result.pose_landmarks.landmark],
        dtype=np.float32,
    )
    if result.segmentation_mask is not None:
        mask = np.clip(result.segmentation_mask.astype(np.float32), 0.0, 1.0)
    else:  # a pose without a mask: fall back to the selfie segmentation model
        with _lock:
            mask = _selfie().process(rgb).segmentation_mask.astype(np.float32)
    if float((mask > 0.5).mean()) < MIN_PERSON_AREA:
        raise PipelineError("No person found in the person photo: the detected body is too small.")

    # 2. Face and hair line
    face_mask, face_box = _face_region(rgb, landmarks, mask)
    person = Person((width, height), landmarks, mask, face_mask, face_box)

    # 3. The garment hangs from the shoulders: both must be in the photo
    if not (person.visible(LEFT_SHOULDER) and person.visible(RIGHT_SHOULDER)):
        raise PipelineError(
            "Shoulders not visible in the person photo: use a photo showing both shoulders."
        )
    log.info("person found: face=%s, mask %.0f%% of the photo", face_box, 100 * (mask > 0.5).mean())
    return person


def _face_region(
    rgb: np.ndarray, landmarks: np.ndarray, mask: np.ndarray
) -> tuple[np.ndarray, tuple[int, int, int, int] | None]:
    """Face mesh hull grown a little, plus the head above the eyebrows (the hair line)."""
    import cv2

    height, width = rgb.shape[:2]
    with _lock:
        found = _face_mesh().process(rgb).multi_face_landmarks
    if found:
        points = np.array([(p.x * width, p.y * height) for p in found[0].landmark], np.float32)
    else:
        # Profiles and small faces: the pose model's face points (eyes, ears, mouth) still mark it.
        face = landmarks[:11]
        if face[:, 2].max() < VISIBLE:
            return np.zeros((height, width), bool), None
        points = face[:, :2]
    x0, y0 = points.min(axis=0)
    x1, y1 = points.max(axis=0)
    face_width = max(x1 - x0, 1.0)
    if not found:  # pose points span eyes to mouth only: grow to a whole face
        y0, y1 = y0 - 0.5 * face_width, y1 + 0.35 * face_width
        x0, x1 = x0 - 0.1 * face_width, x1 + 0.1 * face_width
        points = np.array([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], np.float32)

    face = np.zeros((height, width), np.uint8)
    cv2.fillConvexPoly(face, cv2.convexHull(points).astype(np.int32), 1)
    grow = max(3, int(0.12 * face_width))
    face = cv2.dilate(face, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1,) * 2))
    # Hair: the person's pixels above the eyes, across a band a little wider than the face.
    eyes_y = int(y0 + 0.35 * (y1 - y0))
    left, right = int(max(0, x0 - 0.4 * face_width)), int(min(width, x1 + 0.4 * face_width))
    hair = np.zeros_like(face)
    hair[: max(eyes_y, 0), left:right] = (mask[: max(eyes_y, 0), left:right] > 0.3).astype(np.uint8)
    box = (int(x0), int(y0), int(np.ceil(x1)), int(np.ceil(y1)))
    return (face | hair).astype(bool), box
