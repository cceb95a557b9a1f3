"""The image_generation feature: styles, samplers, guidance, reference image, previews,
and reproducing an image from the recipe in its PNG."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

from pipelines import InputError
from pipelines.features.image_generation import FEATURE, run
from pipelines.sdxl.samplers import load_samplers
from pipelines.sdxl.styles import load_styles


def _pixels(path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"), dtype=np.int16)


def _recipe(path) -> dict:
    with Image.open(path) as image:
        return json.loads(image.text["studio"])


@pytest.mark.parametrize("style", list(load_styles()))
def test_every_style_puts_the_prompt_in_its_template(style):
    full, negative = load_styles()[style].apply("a tiny robot", "blurry hands")
    assert "a tiny robot" in full and "{prompt}" not in full
    assert negative.startswith("blurry hands") and len(negative) > len("blurry hands")


def test_style_library_is_data_with_the_seed_styles():
    styles = load_styles()
    assert {"realistic", "artistic", "cinematic", "anime", "3d-render"} <= set(styles)
    assert len(styles) >= 20
    assert FEATURE.field("style").choices == tuple(styles)


def test_style_reaches_the_png(ctx, make_inputs):
    result = run(make_inputs(small=True, steps=1, style="anime"), ctx)
    recipe = _recipe(result.outputs[0].path)
    assert recipe["fullPrompt"] == load_styles()["anime"].apply("a photo of a cat")[0]


def test_four_images_are_distinct_with_four_seeds(ctx, make_inputs):
    result = run(make_inputs(small=True, steps=1, num_images=4, seed=100), ctx)
    assert result.metrics["seeds"] == [100, 101, 102, 103]
    images = [_pixels(o.path) for o in result.outputs]
    assert len(images) == 4
    for i in range(4):
        for j in range(i + 1, 4):
            assert np.abs(images[i] - images[j]).mean() > 1
    assert FEATURE.cost(make_inputs(num_images=4)) == 8


def test_png_recipe_reproduces_the_image_exactly(ctx, make_inputs, tmp_path):
    first = run(
        make_inputs(steps=1, num_images=2, seed=None, style="cinematic", scheduler="euler-a"), ctx
    )
    second_image = first.outputs[1].path
    recipe = _recipe(second_image)
    saved = tmp_path / "kept.png"
    saved.write_bytes(second_image.read_bytes())
    again = run(
        FEATURE.validate(
            {
                "prompt": recipe["prompt"],
                "style": recipe["style"],
                "negativePrompt": recipe["negativePrompt"],
                "width": recipe["width"],
                "height": recipe["height"],
                "steps": recipe["steps"],
                "seed": recipe["seed"],
                "guidance": recipe["guidance"],
                "scheduler": recipe["scheduler"],
            }
        ),
        ctx,
    )
    assert np.array_equal(_pixels(saved), _pixels(again.outputs[0].path))
    assert "Sampler: Euler a" in Image.open(saved).text["parameters"]


def test_sampler_and_guidance_change_the_image_and_are_recorded(ctx, make_inputs):
    base = run(make_inputs(small=True, seed=9), ctx).outputs[0].path
    base_pixels = _pixels(base)
    dpm = run(make_inputs(small=True, seed=9, scheduler="dpm++-2m-karras"), ctx).outputs[0].path
    assert _recipe(dpm)["sampler"] == load_samplers()["dpm++-2m-karras"].a1111
    assert np.abs(_pixels(dpm) - base_pixels).mean() > 0.5
    strong = run(make_inputs(small=True, seed=9, guidance=12.5), ctx).outputs[0].path
    assert _recipe(strong)["guidance"] == 12.5
    assert "CFG scale: 12.5" in Image.open(strong).text["parameters"]


def _reference_png(tmp_path):
    rng = np.random.default_rng(3)
    gradient = np.linspace(0, 255, 512, dtype=np.uint8)
    pixels = np.stack(
        [
            np.tile(gradient, (512, 1)),
            np.tile(gradient[:, None], (1, 512)),
            rng.integers(0, 255, (512, 512), dtype=np.uint8),
        ],
        axis=-1,
    )
    path = tmp_path / "reference.png"
    Image.fromarray(pixels).save(path)
    return path, pixels.astype(np.int16)


def test_reference_image_strength_controls_closeness(ctx, make_inputs, tmp_path):
    """Strength 0 returns the reference; more strength drifts further from the lightly
    denoised result (with random weights the VAE cannot reproduce the reference itself)."""
    path, reference = _reference_png(tmp_path)
    outputs = {}
    for strength in (0.0, 0.25, 0.5, 1.0):
        inputs = make_inputs(steps=4, seed=2) | {"reference_image": path, "strength": strength}
        result = run(inputs, ctx)
        outputs[strength] = _pixels(result.outputs[0].path)
        assert _recipe(result.outputs[0].path)["reference"] is True
    assert np.array_equal(outputs[0.0], reference)

    def distance(a, b):
        return np.abs(outputs[a] - outputs[b]).mean()

    assert distance(0.25, 0.5) < distance(0.25, 1.0)


def test_reference_upload_is_checked_by_content(make_inputs):
    with pytest.raises(InputError, match="referenceImage: is not an image"):
        FEATURE.validate({"prompt": "x", "referenceImage": b"GIF89a not really"})
    tiny = io.BytesIO()
    Image.new("RGB", (32, 32)).save(tiny, format="PNG")
    with pytest.raises(InputError, match="at least 64 px"):
        FEATURE.validate({"prompt": "x", "referenceImage": tiny.getvalue()})
    with pytest.raises(InputError, match="strength: must be at most 1"):
        FEATURE.validate({"prompt": "x", "strength": 1.5})


def test_live_previews_during_a_multi_step_job(ctx, make_inputs):
    previews = []
    ctx.on_preview = previews.append
    run(make_inputs(small=True, steps=16), ctx)
    assert len(previews) >= 4
    assert previews[0].size == (128, 128)  # the 32x32 latent of a 256 px image, shown at 4x
