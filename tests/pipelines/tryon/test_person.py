"""Person detection on the astronaut: landmarks, mask, face; missing shoulders are named."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from pipelines import PipelineError
from pipelines.tryon.person import LEFT_SHOULDER, RIGHT_SHOULDER, detect_person
from tests.samples import FACE_BOX, skimage_photo


def astronaut() -> Image.Image:
    return Image.open(skimage_photo("astronaut.png")).convert("RGB")


def test_astronaut_pose_mask_and_face():
    person = detect_person(np.asarray(astronaut()))
    assert person.visible(LEFT_SHOULDER) and person.visible(RIGHT_SHOULDER)
    # Her left shoulder is on the right of the photo; shoulders sit below the face.
    assert person.point(LEFT_SHOULDER)[0] > person.point(RIGHT_SHOULDER)[0]
    assert person.point(LEFT_SHOULDER)[1] > FACE_BOX[3]
    assert 0.3 < (person.mask > 0.5).mean() < 0.7
    x0, y0, x1, y1 = person.face_box
    assert FACE_BOX[0] <= x0 < x1 <= FACE_BOX[2] and FACE_BOX[1] <= y0 < y1 <= FACE_BOX[3]
    # The kept face region covers the face and the hair above it, not the shoulders.
    assert person.face_mask[100:160, 190:260].all()
    assert person.face_mask[30, 225] and not person.face_mask[350, 200]


def test_a_head_and_neck_photo_has_no_shoulders():
    head = astronaut().crop((140, 0, 310, 200)).resize((340, 400))
    with pytest.raises(PipelineError, match="Shoulders not visible"):
        detect_person(np.asarray(head))
