"""The identity score: dlib's ResNet 128-D face embedding and the distance between two faces."""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from pipelines.face import landmarks

log = logging.getLogger(__name__)

# dlib's own rule: two faces closer than 0.6 are the same person (99.38 % on LFW).
SAME_PERSON = 0.6


@cache
def _model() -> Any:
    import dlib

    folder = landmarks.models_folder()
    return dlib.face_recognition_model_v1(str(folder / "dlib_face_recognition_resnet_model_v1.dat"))


def embed(image: Any, face: landmarks.Face | None = None) -> Any | None:
    """The 128-D embedding of image's largest face (numpy float32), or None without a face."""
    import numpy as np

    face = face or landmarks.detect(image)
    if face is None:
        return None
    pixels = landmarks.rgb(image)
    shape = landmarks.shape_of(pixels, face)
    with landmarks.DLIB_LOCK:
        vector = _model().compute_face_descriptor(pixels, shape)
    return np.asarray(vector, dtype=np.float32)


def distance(a: Any, b: Any) -> float:
    """Euclidean distance between two embeddings (0 = identical; < 0.6 = same person)."""
    import numpy as np

    return float(np.linalg.norm(np.asarray(a) - np.asarray(b)))
