"""A 3D-looking video with a camera move (the `video_3d` feature)."""

from pipelines.declare import Feature, Field

FEATURE = Feature(
    id="video_3d",
    title="3D video",
    slug="3d-video",
    description="A 1280x720 video with a camera move through a generated scene.",
    fields=(
        Field("prompt", "text", "Scene", required=True, max_length=2000, multiline=True),
        Field("duration", "choice", "Duration (s)", default="15", choices=("15", "30", "60")),
        Field(
            "camera_movement",
            "choice",
            "Camera movement",
            default="orbit",
            choices=("orbit", "zoom-in", "zoom-out", "pan-left", "pan-right", "dolly", "crane"),
        ),
        Field(
            "style",
            "choice",
            "Style",
            default="cinematic",
            choices=("realistic", "artistic", "cinematic", "anime", "3d-render"),
        ),
    ),
    output_kind="video",
    cost=lambda inputs: 8,
    cost_rule="8 credits",
)
