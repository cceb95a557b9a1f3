"""A consistent AI persona across poses (the `influencer_creation` feature)."""

from pipelines.declare import Feature, Field

FEATURE = Feature(
    id="influencer_creation",
    title="AI influencer",
    slug="influencer-creation",
    description="One consistent face across a set of poses, with a persona card.",
    fields=(
        Field(
            "gender", "choice", "Gender", default="female", choices=("female", "male", "non-binary")
        ),
        Field(
            "ethnicity",
            "choice",
            "Ethnicity",
            default="any",
            choices=(
                "any",
                "african",
                "east-asian",
                "south-asian",
                "european",
                "hispanic",
                "middle-eastern",
            ),
        ),
        Field(
            "age_range",
            "choice",
            "Age range",
            default="25-34",
            choices=("18-24", "25-34", "35-44", "45-54", "55+"),
        ),
        Field(
            "style",
            "choice",
            "Style",
            default="realistic",
            choices=("realistic", "artistic", "cinematic", "anime", "3d-render"),
        ),
        Field("poses", "int", "Number of poses", default=4, minimum=1, maximum=10),
        Field("prompt", "text", "Look and setting", default="", max_length=1000),
    ),
    output_kind="images",
    cost=lambda inputs: 5,
    cost_rule="5 credits per set",
)
