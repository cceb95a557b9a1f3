"""The main face in a picture: dlib's HOG box and 5 landmarks, and mediapipe's 468-point mesh.

Licences matter here: dlib's HOG detector, its 5-point landmark model and its ResNet face
embedding are free for commercial use (CC0 / Boost), and so is mediapipe's face mesh
(Apache-2.0); dlib's 68-point model is not (trained on iBUG 300-W, non-commercial), so it is
never loaded.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pipelines.errors import PipelineError

log = logging.getLogger(__name__)

# Detection runs on a copy no larger than this: HOG at 1024 px costs ~4x for the same answer.
DETECT_SIDE = 640
# dlib's HOG detector finds faces from ~80 px; upsampling once halves that for small faces.
UPSAMPLE_BELOW = 1200
# dlib models are not documented as thread-safe; jobs may run in parallel threads.
DLIB_LOCK = threading.Lock()
MESH_LOCK = threading.Lock()  # one mediapipe graph, one image at a time
MESH_SIDE = 512  # the crop handed to the face mesh (it works at 192 px inside)


@dataclass(frozen=True)
class Face:
    """One detected face: its box (x0, y0, x1, y1) and dlib's 5 landmarks (x, y) in pixels."""

    box: tuple[int, int, int, int]
    points: Any  # numpy float32 (5, 2): two corners of each eye, then below the nose

    @property
    def eyes(self) -> tuple[Any, Any]:
        """Centres of the image-left and image-right eye."""
        a, b = self.points[0:2].mean(axis=0), self.points[2:4].mean(axis=0)
        return (a, b) if a[0] <= b[0] else (b, a)

    @property
    def width(self) -> float:
        return float(self.box[2] - self.box[0])


def models_folder() -> Path:
    """The .dat files of face-recognition-models (found without its pkg_resources import)."""
    spec = importlib.util.find_spec("face_recognition_models")
    for location in (spec.submodule_search_locations or []) if spec else []:
        folder = Path(location) / "models"
        if (folder / "shape_predictor_5_face_landmarks.dat").is_file():
            return folder
    raise PipelineError(
        "Face landmarks need the face-recognition-models package: "
        "pip install face-recognition-models==0.3.0 dlib-bin"
    )


@cache
def _detector() -> Any:
    import dlib

    return dlib.get_frontal_face_detector()


@cache
def _predictor() -> Any:
    import dlib

    return dlib.shape_predictor(str(models_folder() / "shape_predictor_5_face_landmarks.dat"))


@cache
def _face_mesh() -> Any:
    import mediapipe as mp

    return mp.solutions.face_mesh.FaceMesh(
        static_image_mode=True, max_num_faces=1, refine_landmarks=False,
        min_detection_confidence=0.3,
    )  # fmt: skip


def rgb(image: Any) -> Any:
    """A contiguous uint8 RGB array from a PIL image or an array."""
    import numpy as np

    if hasattr(image, "convert"):
        image = image.convert("RGB")
    return np.ascontiguousarray(np.asarray(image, dtype=np.uint8)[..., :3])


def detect(image: Any, near: tuple[float, float, float, float] | None = None) -> Face | None:
    """The largest face in image (PIL or RGB array), or None when there is none.

    Two passes keep a 1024 px picture under ~0.2 s: HOG on a 640 px copy (faces from ~130 px
    at 1024), then, only if that found nothing, upsampled HOG for small faces — on the region
    `near` (x0, y0, x1, y1: where a pose puts the head) when given, else on the whole copy.
    """
    import cv2
    import numpy as np

    pixels = rgb(image)
    height, width = pixels.shape[:2]
    scale = min(1.0, DETECT_SIDE / max(height, width))
    small = pixels
    if scale < 1.0:
        size = (round(width * scale), round(height * scale))
        small = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
    found = _largest(small, 0, scale, (0, 0))
    if found is None and near is not None:
        x0, y0, x1, y1 = (max(0, round(v)) for v in near)
        crop = pixels[y0 : min(height, y1), x0 : min(width, x1)]
        if crop.size:
            found = _largest(np.ascontiguousarray(crop), 1, 1.0, (x0, y0))
    elif found is None and max(small.shape[:2]) < UPSAMPLE_BELOW:
        found = _largest(small, 1, scale, (0, 0))
    if found is None:
        return None
    with DLIB_LOCK:
        shape = _predictor()(pixels, found)
    points = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float32)
    return Face((found.left(), found.top(), found.right(), found.bottom()), points)


def _largest(pixels: Any, upsample: int, scale: float, offset: tuple[int, int]) -> Any:
    """The largest HOG detection as a dlib rectangle in full-image pixels, or None."""
    import dlib

    with DLIB_LOCK:
        boxes = list(_detector()(pixels, upsample))
    if not boxes:
        return None
    # Photos can hold several faces (the astronaut's patch has one): the subject is largest.
    best = max(boxes, key=lambda r: r.area())
    dx, dy = offset
    return dlib.rectangle(
        round(best.left() / scale) + dx,
        round(best.top() / scale) + dy,
        round(best.right() / scale) + dx,
        round(best.bottom() / scale) + dy,
    )


def shape_of(image: Any, face: Face) -> Any:
    """dlib's 5-point full_object_detection for a found face (what the embedding reads)."""
    import dlib

    x0, y0, x1, y1 = face.box
    with DLIB_LOCK:
        return _predictor()(rgb(image), dlib.rectangle(x0, y0, x1, y1))


def face_mesh(image: Any, face: Face) -> Any | None:
    """mediapipe's 468 face-mesh points (x, y in image pixels) for a found face, or None.

    The mesh runs on a square crop around the dlib box, so small faces in full-length
    pictures get the same detail as close-ups.
    """
    import cv2
    import numpy as np

    pixels = rgb(image)
    height, width = pixels.shape[:2]
    x0, y0, x1, y1 = face.box
    side = 1.8 * max(x1 - x0, y1 - y0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    left, top = max(0, round(cx - side / 2)), max(0, round(cy - side / 2))
    right, bottom = min(width, round(cx + side / 2)), min(height, round(cy + side / 2))
    crop = pixels[top:bottom, left:right]
    if crop.size == 0:
        return None
    scale = min(1.0, MESH_SIDE / max(crop.shape[:2]))
    if scale < 1.0:
        size = (round(crop.shape[1] * scale), round(crop.shape[0] * scale))
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
    with MESH_LOCK:
        found = _face_mesh().process(np.ascontiguousarray(crop))
    if not found.multi_face_landmarks:
        return None
    h, w = crop.shape[:2]
    marks = found.multi_face_landmarks[0].landmark
    points = np.array([(m.x * w / scale + left, m.y * h / scale + top) for m in marks])
    return points.astype(np.float32)


@cache
def face_outline() -> tuple[int, ...]:
    """The mesh points on the face's outline (jaw, temples, top of the forehead)."""
    import mediapipe as mp

    return tuple(sorted({i for pair in mp.solutions.face_mesh.FACEMESH_FACE_OVAL for i in pair}))
