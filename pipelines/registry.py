"""The six features, in the order the studio shows them."""

from __future__ import annotations

from pipelines.declare import Feature, check_declaration
from pipelines.features import (
    cloth_swap,
    image_generation,
    influencer_creation,
    story_video,
    study_animation,
    video_3d,
)

FEATURES: dict[str, Feature] = {
    m.FEATURE.id: m.FEATURE
    for m in (
        image_generation,
        cloth_swap,
        influencer_creation,
        video_3d,
        study_animation,
        story_video,
    )
}
for _feature in FEATURES.values():
    check_declaration(_feature)


def get_feature(feature_id: str) -> Feature:
    """The feature with this id or REST slug; KeyError if there is none."""
    if feature_id in FEATURES:
        return FEATURES[feature_id]
    for feature in FEATURES.values():
        if feature.slug == feature_id:
            return feature
    raise KeyError(feature_id)
