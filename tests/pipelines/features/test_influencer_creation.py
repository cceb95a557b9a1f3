"""The AI influencer set end to end on the tiny model: one face in every pose, measured."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from pipelines import InputError, PipelineError
from pipelines.face import embedding, landmarks
from pipelines.features.influencer_creation import create_set
from pipelines.registry import get_feature
from tests.pipelines.conftest import RecordingContext
from tests.samples import skimage_photo

FEATURE = get_feature("influencer_creation")
SEED_REQUEST = {
    "gender": "female",
    "ethnicity": "asian",
    "ageRange": "26-35",
    "style": "professional",
    "poses": 5,
}
QUICK = {"long_side": 512, "steps": 2}  # the tiny model needs ~1 min per 832x1216 pose


def test_the_seeds_request_is_accepted_as_written_and_costs_5():
    inputs = FEATURE.validate(SEED_REQUEST)
    assert inputs["age_range"] == "26-35" and inputs["poses"] == 5
    assert inputs["reference_face"] is None and inputs["seed"] is None
    assert {FEATURE.cost(FEATURE.validate(SEED_REQUEST | {"poses": n})) for n in (1, 10)} == {5}
    age = FEATURE.field("ageRange")
    assert age.labels[age.choices.index("26-35")] == "26–35"
    assert {"professional", "casual", "fashion"} <= set(FEATURE.field("style").choices)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"poses": 0}, "poses"),
        ({"poses": 11}, "poses"),
        ({"ageRange": "25-34"}, "ageRange"),
        ({"gender": "robot"}, "gender"),
        ({"style": "anime"}, "style"),
        ({"referenceFace": b"not an image"}, "referenceFace"),
        ({"look": "x" * 501}, "look"),
    ],
)
def test_bad_inputs_name_their_field(change, field):
    with pytest.raises(InputError) as caught:
        FEATURE.validate(SEED_REQUEST | change)
    assert caught.value.field == field


def _inputs(**extra):
    astronaut = skimage_photo("astronaut.png").read_bytes()
    return FEATURE.validate(SEED_REQUEST | {"referenceFace": astronaut, "seed": 11} | extra)


@pytest.fixture(scope="module")
def astronaut_set(tmp_path_factory, tiny_models_dir):
    """Three poses with the astronaut as the reference face, at 512 px on the long side."""
    ctx = RecordingContext(work_dir=tmp_path_factory.mktemp("set"), models_dir=tiny_models_dir)
    return ctx, create_set(_inputs(poses=3), ctx, **QUICK)


def test_every_pose_carries_the_reference_face_within_the_threshold(astronaut_set):
    ctx, result = astronaut_set
    names = [o.name for o in result.outputs]
    assert names == [
        "pose-01-close-up.png",
        "pose-02-three-quarter.png",
        "pose-03-standing.png",
        "reference.png",
        "contact-sheet.jpg",
        "persona.json",
    ]
    reference = embedding.embed(Image.open(skimage_photo("astronaut.png")))
    boxes = []
    for output in result.outputs[:3]:
        image = Image.open(output.path)
        assert max(image.size) == 512
        face = landmarks.detect(image)
        assert face is not None, output.name
        assert embedding.distance(embedding.embed(image, face), reference) < 0.6
        boxes.append(face.box)
    widths = [b[2] - b[0] for b in boxes]
    centres = [((b[0] + b[2]) / 2, (b[1] + b[3]) / 2) for b in boxes]
    assert widths[0] > 1.4 * widths[2]  # close-up vs full length
    assert len({(round(x / 10), round(y / 10)) for x, y in centres}) == 3


def test_metrics_and_persona_json_record_each_poses_method_and_distance(astronaut_set):
    ctx, result = astronaut_set
    metrics = result.metrics
    assert metrics["posesRequested"] == metrics["posesKept"] == 3 and metrics["dropped"] == []
    assert metrics["referenceSource"] == "upload" and metrics["seed"] == 11
    assert metrics["controlnet"] == "tiny-controlnet-openpose"
    for pose in metrics["poses"]:
        assert pose["method"] == "skeleton"  # the tiny model draws no face of its own
        assert 0 <= pose["distance"] < metrics["identityThreshold"] == 0.6
        assert pose["caption"].endswith(f"{pose['distance']:.2f}")
    card = json.loads((ctx.work_dir / "persona.json").read_text())
    assert card["persona"]["ethnicity"] == "asian" and card["persona"]["ageRange"] == "26-35"
    assert card["poses"] == metrics["poses"]
    assert card["persona"]["appearance"] == metrics["appearance"]


def test_each_png_keeps_its_recipe_and_adds_its_identity(astronaut_set):
    ctx, result = astronaut_set
    prompts = set()
    for output, pose in zip(result.outputs[:3], result.metrics["poses"], strict=True):
        png = Image.open(output.path)
        studio = json.loads(png.text["studio"])
        identity = json.loads(png.text["identity"])
        assert identity["distance"] == pose["distance"] and identity["method"] == "skeleton"
        assert studio["seed"] == 11 and studio["controlnet"] == "tiny-controlnet-openpose"
        assert result.metrics["appearance"].split(",")[0] in studio["prompt"]
        assert "Seed: 11" in png.text["parameters"]
        prompts.add(studio["prompt"])
    assert len(prompts) == 3  # same persona, three different pose words


def test_the_contact_sheet_shows_the_reference_and_every_pose(astronaut_set):
    ctx, result = astronaut_set
    sheet = Image.open(ctx.work_dir / "contact-sheet.jpg")
    assert sheet.format == "JPEG" and sheet.width > 4 * 250
    pixels = np.asarray(sheet.convert("L"), dtype=float)
    caption_band = pixels[384 + 12 : 384 + 70]
    assert (caption_band < 120).mean() > 0.002  # captions are written under the pictures


def test_progress_runs_per_stage_and_per_pose(astronaut_set):
    ctx, _ = astronaut_set
    stages = [s for _, s in ctx.calls]
    percents = [p for p, _ in ctx.calls]
    assert percents == sorted(percents) and percents[-1] == 100
    firsts = [stages.index(f"Pose {i}/3 ({label})")
              for i, label in ((1, "Close-up"), (2, "Three-quarter"), (3, "Standing"))]  # fmt: skip
    assert (
        stages.index("Persona") < firsts[0] < firsts[1] < firsts[2] < stages.index("Contact sheet")
    )
    assert "Pose 2/3 (Three-quarter): identity lock" in stages
    assert any(s.startswith("Pose 3/3 (Standing): Step 2/2") for s in stages)


def test_a_cancel_between_poses_stops_the_set(tmp_path, tiny_models_dir):
    class Cancelled(Exception):
        pass

    def cancel(percent: float, stage: str) -> None:
        if stage == "Pose 2/2 (Three-quarter)":
            raise Cancelled

    ctx = RecordingContext(work_dir=tmp_path, models_dir=tiny_models_dir, on_progress=cancel)
    # The worker hands uploads over as files: the reference face as a path here.
    inputs = _inputs(poses=2) | {"reference_face": skimage_photo("astronaut.png")}
    with pytest.raises(Cancelled):
        create_set(inputs, ctx, **QUICK)
    assert not any("Pose 2/2 (Three-quarter):" in s for _, s in ctx.calls)
    assert not (tmp_path / "persona.json").exists()


def test_when_every_pose_fails_the_job_fails_saying_why(tmp_path, tiny_models_dir):
    ctx = RecordingContext(work_dir=tmp_path, models_dir=tiny_models_dir)
    with pytest.raises(PipelineError, match="No pose kept the persona's face") as caught:
        create_set(_inputs(poses=1), ctx, threshold=0.01, retries=1, **QUICK)
    assert "2 tries" in str(caught.value)
    stages = [s for _, s in ctx.calls]
    assert any(s.startswith("Pose 1/1 (Close-up) try 2:") for s in stages)  # re-rolled once


def test_without_a_face_to_start_from_the_tiny_model_asks_for_one(tmp_path, tiny_models_dir):
    ctx = RecordingContext(work_dir=tmp_path, models_dir=tiny_models_dir)
    with pytest.raises(PipelineError, match="Upload a referenceFace"):
        create_set(FEATURE.validate(SEED_REQUEST | {"poses": 1}), ctx, retries=0, **QUICK)
    coffee = skimage_photo("coffee.png").read_bytes()
    with pytest.raises(PipelineError, match="no face was found in the uploaded photo"):
        create_set(FEATURE.validate(SEED_REQUEST | {"referenceFace": coffee}), ctx, **QUICK)
