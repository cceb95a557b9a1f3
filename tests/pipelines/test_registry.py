"""Every declared feature is complete and reachable everywhere it should be."""

from __future__ import annotations

import pytest

from pipelines import InputError
from pipelines.declare import camel
from pipelines.registry import FEATURES

SEED_COSTS = {
    "image_generation": 2,
    "cloth_swap": 3,
    "influencer_creation": 5,
    "video_3d": 8,
    "study_animation": 5,
    "story_video": 10,
}
SEED_SLUGS = {
    "image_generation": "image-generation",
    "cloth_swap": "cloth-swap",
    "influencer_creation": "influencer-creation",
    "video_3d": "3d-video",
    "study_animation": "study-animation",
    "story_video": "story-video",
}


def test_the_six_features_with_the_seed_prices_and_routes():
    assert list(FEATURES) == list(SEED_COSTS)
    for feature_id, feature in FEATURES.items():
        assert feature.slug == SEED_SLUGS[feature_id]
        assert feature.cost(feature.defaults()) == SEED_COSTS[feature_id]


def test_image_cost_is_per_image():
    feature = FEATURES["image_generation"]
    assert [feature.cost({"num_images": n}) for n in (1, 2, 3, 4)] == [2, 4, 6, 8]


@pytest.mark.parametrize("feature", FEATURES.values(), ids=lambda f: f.id)
def test_schema_lists_every_field_by_its_rest_name(feature):
    schema = feature.json_schema()
    assert list(schema["properties"]) == [camel(f.name) for f in feature.fields]
    for f in feature.fields:
        if f.choices:
            assert f.default in f.choices


def test_seed_field_names():
    fields = {f.api_name for feature in FEATURES.values() for f in feature.fields}
    seed = {
        "prompt",
        "style",
        "negativePrompt",
        "width",
        "height",
        "steps",
        "numImages",
        "category",
        "preserveFace",
        "gender",
        "ethnicity",
        "ageRange",
        "poses",
        "duration",
        "cameraMovement",
        "topic",
        "script",
        "subject",
        "animationStyle",
        "visualStyle",
        "voiceStyle",
        "backgroundMusic",
    }
    assert seed <= fields


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"prompt": "x", "width": 1600}, "width: must be at most 1536"),
        ({"prompt": "x", "height": 700}, "height: must be a multiple of 64"),
        ({"prompt": "x", "steps": 2.5}, "steps: must be a whole number"),
        ({"prompt": "x", "numImages": "many"}, "numImages: must be a number"),
        ({}, "prompt: is required"),
        ({"prompt": "x", "seed": -1}, "seed: must be at least 0"),
        ({"prompt": "x", "width": 10**400}, "width: must be a number"),
        ({"prompt": "x", "guidance": "1e999"}, "guidance: must be a number"),
    ],
)
def test_validation_names_field_and_limit(raw, message):
    with pytest.raises(InputError, match=message):
        FEATURES["image_generation"].validate(raw)


def test_every_feature_has_a_rest_route_and_a_gradio_endpoint():
    from api.routes.jobs import router
    from ui.endpoints import submit_endpoint

    paths = {route.path for route in router.routes}
    for feature in FEATURES.values():
        assert f"/jobs/{feature.slug}" in paths
        assert submit_endpoint(feature).__name__ == feature.id
