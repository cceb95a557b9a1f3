"""The pose library and persona templates: data a user extends, read the same way every time."""

from __future__ import annotations

import numpy as np
import pytest

from pipelines.face import personas
from pipelines.face.poses import COLOURS, draw_skeleton, keypoint_names, load_poses, pick


def test_the_library_has_the_poses_the_issue_names_in_pick_order():
    names = [p.name for p in pick(10)]
    assert names[:5] == ["close-up", "three-quarter", "standing", "seated", "walking"]
    assert "over-shoulder" in names and names[-1] == "from-behind"
    assert [p.name for p in pick(2)] == names[:2]
    with pytest.raises(ValueError):
        pick(11)


def test_every_pose_has_a_visible_face_except_the_back_view():
    for pose in load_poses().values():
        size = pose.size()
        assert max(size) == 1216 and min(size) == 832
        eyes = pose.eyes(size)
        assert (eyes is None) == (pose.facing == "back")
        if eyes:
            assert eyes[0][0] < eyes[1][0]


def test_the_skeleton_has_openpose_colours_at_its_joints():
    pose = load_poses()["standing"]
    size = (416, 608)
    pixels = np.asarray(draw_skeleton(pose, size))
    assert pixels.shape == (608, 416, 3)
    for index, point in enumerate(pose.pixels(size)):
        if point is not None:
            x, y = round(point[0]), round(point[1])
            assert tuple(pixels[y, x]) == COLOURS[index], keypoint_names()[index]
    assert (pixels.sum(axis=2) == 0).mean() > 0.8  # black around the figure


def test_a_persona_keeps_its_look_for_its_seed_and_changes_with_another():
    one = personas.build_persona("female", "asian", "26-35", "professional", 7)
    again = personas.build_persona("female", "asian", "26-35", "professional", 7)
    assert one == again
    looks = {personas.build_persona("female", "asian", "26-35", "casual", s).appearance
             for s in range(10)}  # fmt: skip
    assert len(looks) > 3
    prompt = one.prompt("walking towards the camera")
    assert prompt.startswith("an Asian woman around thirty years old")
    assert one.hair in prompt and one.wardrobe in prompt and "walking" in prompt


def test_every_style_and_attribute_is_data():
    assert {"professional", "casual", "fashion"} <= set(personas.load_styles())
    for style in personas.load_styles().values():
        assert style.wardrobe and style.setting
    values, labels = personas.choices("age_ranges")
    assert values == ("18-25", "26-35", "36-45", "46-55", "56+")
    assert labels[1] == "26–35"
    genders, _ = personas.choices("genders")
    for gender in genders:
        person = personas.build_persona(gender, "any", "56+", "fitness", 1)
        assert person.hair in personas.load_appearance()["hair"][gender]
