"""A narrated cinematic story video with music (the `story_video` feature)."""

from pipelines.features import Feature, Field
from pipelines.study_animation import VOICES

FEATURE = Feature(
    id="story_video",
    title="Story video",
    slug="story-video",
    description="Your script as a 1920x1080 video, up to 180 s, with narration and music.",
    fields=(
        Field("script", "text", "Script", required=True, max_length=5000, multiline=True),
        Field(
            "visual_style",
            "choice",
            "Visual style",
            default="cinematic",
            choices=("pixar", "realistic", "anime", "cartoon", "cinematic"),
        ),
        Field("voice_style", "choice", "Voice", default="male-warm", choices=VOICES),
        Field(
            "background_music",
            "choice",
            "Background music",
            default="epic",
            choices=("epic", "emotional", "uplifting", "mysterious", "none"),
        ),
    ),
    output_kind="video",
    cost=lambda inputs: 10,
    cost_rule="10 credits",
)
