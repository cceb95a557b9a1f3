"""An explainer animation with voiceover (the `study_animation` feature)."""

from pipelines.declare import Feature, Field

VOICES = ("male-warm", "male-deep", "female-warm", "female-bright")

FEATURE = Feature(
    id="study_animation",
    title="Study animation",
    slug="study-animation",
    description="An animated lesson on a topic with a narrated voiceover, 30–180 s.",
    fields=(
        Field("topic", "text", "Topic", required=True, max_length=300),
        Field("script", "text", "Script (optional)", default="", max_length=5000, multiline=True),
        Field(
            "subject",
            "choice",
            "Subject",
            default="science",
            choices=("math", "science", "history", "language", "technology", "other"),
        ),
        Field(
            "animation_style",
            "choice",
            "Animation style",
            default="whiteboard",
            choices=("whiteboard", "cartoon", "infographic", "3d"),
        ),
        Field("voice_style", "choice", "Voice", default="female-warm", choices=VOICES),
        Field("duration", "int", "Duration (s)", default=60, minimum=30, maximum=180),
    ),
    output_kind="video",
    cost=lambda inputs: 5,
    cost_rule="5 credits",
)
