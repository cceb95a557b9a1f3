"""Virtual try-on: put a garment photo on a person photo (the `cloth_swap` feature)."""

from pipelines.features import Feature, Field

FEATURE = Feature(
    id="cloth_swap",
    title="Cloth swap",
    slug="cloth-swap",
    description="Virtual try-on: dress the person in the garment, keeping pose and face.",
    fields=(
        Field("person", "image", "Person photo", required=True),
        Field("cloth", "image", "Garment photo", required=True),
        Field(
            "category",
            "choice",
            "Category",
            default="casual",
            choices=("formal", "traditional", "western", "fitness", "casual"),
        ),
        Field("preserve_face", "bool", "Preserve face", default=True),
    ),
    output_kind="images",
    cost=lambda inputs: 3,
    cost_rule="3 credits",
)
