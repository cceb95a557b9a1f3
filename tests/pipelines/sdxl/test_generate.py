"""The tiny SDXL and generate_images, end to end on the CPU (512 px or less, few steps).

The tests that empty the pipeline cache come last, so the others share one loaded model.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipelines.features.image_generation import run
from pipelines.sdxl import generate as sdxl
from pipelines.sdxl import runtime
from pipelines.sdxl import tiny as tiny_sdxl
from pipelines.sdxl.weights import load_presets

CAT_IDS = [49406, 320, 1125, 539, 320, 2368, 49407]  # real CLIP ids for "a photo of a cat"


def pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def test_tiny_model_loads_with_from_pretrained(tiny_models_dir: Path) -> None:
    from diffusers import StableDiffusionXLPipeline

    folder = tiny_models_dir / "tiny-sdxl"
    pipe = StableDiffusionXLPipeline.from_pretrained(folder, local_files_only=True)
    assert pipe.vae_scale_factor == 8  # the real VAE downsampling, so 512 px is a 64 px latent
    assert pipe.default_sample_size * pipe.vae_scale_factor == 1024
    assert pipe.text_encoder.config.vocab_size == 49408
    assert pipe.tokenizer("a photo of a cat").input_ids == CAT_IDS
    assert pipe.tokenizer_2.pad_token == "!"
    assert pipe.tokenizer.model_max_length == 77
    assert (folder / "tokenizer" / "merges.txt").is_file()


def test_tokenizer_gives_real_clip_ids() -> None:
    tokenizer = tiny_sdxl.clip_tokenizer()
    assert len(tokenizer) == 49408
    assert tokenizer("a photo of a cat").input_ids == CAT_IDS
    padded = tiny_sdxl.clip_tokenizer(pad_token="!")("a cat", padding="max_length").input_ids
    assert len(padded) == 77 and padded[-1] == 0  # "!" is token 0


@pytest.mark.parametrize(("width", "height"), [(512, 512), (512, 576)])
def test_generates_pngs_of_the_requested_size(ctx, make_inputs, width: int, height: int) -> None:
    result = run(make_inputs(width=width, height=height, seed=42, steps=1), ctx)

    assert [o.name for o in result.outputs] == ["image_1.png"]
    output = result.outputs[0]
    assert output.content_type == "image/png" and output.path.parent == ctx.work_dir
    with Image.open(output.path) as image:
        assert image.size == (width, height)
        parameters = image.text["parameters"]
        studio = json.loads(image.text["studio"])
    prompt_line, negative_line, settings = parameters.split("\n")
    assert "a photo of a cat" in prompt_line
    assert negative_line.startswith("Negative prompt: ")
    assert "Steps: 1, Sampler: Euler, CFG scale: 5, Seed: 42, " in settings
    assert re.search(rf"Size: {width}x{height}, Model hash: [0-9a-f]{{10}}, Model: tiny$", settings)
    assert studio["seed"] == 42 and studio["prompt"] == "a photo of a cat"
    assert studio["style"] == "realistic" and studio["width"] == width


def test_metrics(ctx, make_inputs) -> None:
    metrics = sdxl.generate_images(make_inputs(small=True, steps=1), ctx).metrics
    assert metrics["device"] == "cpu" and metrics["dtype"] == "float32"
    assert metrics["model"] == "tiny"
    assert metrics["modelPath"] == str(ctx.models_dir / "tiny-sdxl")
    assert metrics["secondsPerStep"] > 0 and metrics["peakMemoryMb"] > 0
    assert metrics["seeds"] == [1]


def test_same_seed_same_pixels_other_seed_other_pixels(ctx, make_inputs, tmp_path: Path) -> None:
    paths = []
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        ctx.work_dir = tmp_path / name
        ctx.work_dir.mkdir()
        inputs = make_inputs(small=True, steps=1, seed=seed)
        paths.append(sdxl.generate_images(inputs, ctx).outputs[0].path)
    first, again, other = (pixels(p) for p in paths)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_several_images_use_consecutive_seeds(ctx, make_inputs) -> None:
    result = sdxl.generate_images(make_inputs(small=True, steps=1, num_images=2, seed=7), ctx)

    assert result.metrics["seeds"] == [7, 8]
    assert [o.name for o in result.outputs] == ["image_1.png", "image_2.png"]
    seeds = [json.loads(Image.open(o.path).text["studio"])["seed"] for o in result.outputs]
    assert seeds == [7, 8]
    assert not np.array_equal(*(pixels(o.path) for o in result.outputs))


def test_random_seeds_when_none(ctx, make_inputs) -> None:
    result = sdxl.generate_images(make_inputs(small=True, steps=1, seed=None), ctx)
    (seed,) = result.metrics["seeds"]
    assert 0 <= seed < 2**32
    assert f"Seed: {seed}," in Image.open(result.outputs[0].path).text["parameters"]


def test_progress_reports_loading_then_steps(ctx, make_inputs) -> None:
    sdxl.generate_images(make_inputs(small=True, steps=3), ctx)

    percents = [p for p, _ in ctx.calls]
    stages = [s for _, s in ctx.calls]
    assert stages[0] == "Loading model tiny…"
    assert percents == sorted(percents)
    steps = [(p, s) for p, s in ctx.calls if s.startswith("Step")]
    assert [s for _, s in steps] == ["Step 1/3", "Step 2/3", "Step 3/3"]
    assert all(5 <= p <= 95 for p, _ in steps) and steps[-1][0] == 95


class Cancelled(Exception):
    pass


def test_a_raising_progress_callback_stops_the_run(ctx, make_inputs) -> None:
    def cancel_at_first_step(percent: float, stage: str) -> None:
        if stage.startswith("Step 1/"):
            raise Cancelled

    ctx.on_progress = cancel_at_first_step
    with pytest.raises(Cancelled):
        sdxl.generate_images(make_inputs(small=True, steps=4), ctx)
    assert not [s for _, s in ctx.calls if s.startswith("Step 2/")]
    assert not list(ctx.work_dir.iterdir())

    ctx.on_progress = None  # the cached pipeline is usable again (its lock was released)
    assert len(sdxl.generate_images(make_inputs(small=True, steps=1), ctx).outputs) == 1


def test_presets_guidance_is_used(ctx, make_inputs) -> None:
    result = sdxl.generate_images(make_inputs(small=True, steps=1), ctx)
    guidance = json.loads(Image.open(result.outputs[0].path).text["studio"])["guidance"]
    assert guidance == load_presets()["tiny"].guidance


def test_a1111_parameters_format() -> None:
    text = sdxl.a1111_parameters(
        "a cat",
        "",
        steps=30,
        sampler="Euler a",
        guidance=7.0,
        seed=5,
        width=1024,
        height=768,
        model="sdxl-base-1.0",
    )
    assert text == (
        "a cat\nSteps: 30, Sampler: Euler a, CFG scale: 7, Seed: 5, Size: 1024x768, "
        "Model: sdxl-base-1.0"
    )


def test_seed_list_wraps_inside_the_seed_range() -> None:
    assert sdxl.seed_list(2**32 - 1, 3) == [2**32 - 1, 0, 1]
    assert len(set(sdxl.seed_list(None, 4))) == 4


def test_pick_device() -> None:
    import torch

    assert runtime.pick_device("cpu") == ("cpu", torch.float32)
    if not torch.cuda.is_available():
        from pipelines.errors import PipelineError

        with pytest.raises(PipelineError, match="cuda"):
            runtime.pick_device("cuda")


def build_tiny_sd(target: Path) -> None:
    """A tiny SD 2.x-shaped pipeline (one text encoder), standing in for sd-turbo's folder."""
    import torch
    from diffusers import (
        AutoencoderKL,
        EulerAncestralDiscreteScheduler,
        StableDiffusionPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel

    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        block_out_channels=(32, 64),
        layers_per_block=1,
        sample_size=64,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32,
        attention_head_dim=(2, 4),
        use_linear_projection=True,
        norm_num_groups=8,
    )
    vae = AutoencoderKL(
        block_out_channels=(8, 16, 32, 32),
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        norm_num_groups=8,
    )
    config = CLIPTextConfig(
        vocab_size=49408,
        max_position_embeddings=77,
        hidden_size=32,
        intermediate_size=37,
        num_attention_heads=4,
        num_hidden_layers=2,
        eos_token_id=49407,
    )
    pipe = StableDiffusionPipeline(
        unet=unet,
        vae=vae,
        text_encoder=CLIPTextModel(config),
        tokenizer=tiny_sdxl.clip_tokenizer(),
        scheduler=EulerAncestralDiscreteScheduler(timestep_spacing="trailing", steps_offset=1),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipe.save_pretrained(target)


def test_sd_turbo_kind_uses_the_sd_pipeline(ctx, make_inputs, tmp_path: Path) -> None:
    models_dir = tmp_path / "models"
    build_tiny_sd(models_dir / "sd-turbo")
    ctx.models_dir, ctx.model_preset = models_dir, "sd-turbo"

    result = run(make_inputs(width=512, height=576, num_images=2, steps=1), ctx)

    assert result.metrics["model"] == "sd-turbo" and result.metrics["seeds"] == [1, 2]
    with Image.open(result.outputs[1].path) as image:
        assert image.size == (512, 576)
        assert "Sampler: Euler a, CFG scale: 0, Seed: 2," in image.text["parameters"]


def test_second_call_uses_the_cached_pipeline(ctx, make_inputs) -> None:
    runtime.clear_cache()
    first = sdxl.generate_images(make_inputs(small=True, steps=1), ctx).metrics
    second = sdxl.generate_images(make_inputs(small=True, steps=1), ctx).metrics
    assert first["loadSeconds"] > 0
    assert second["loadSeconds"] == 0


def test_cache_keeps_the_two_most_recent_pipelines(tiny_models_dir: Path, tmp_path: Path) -> None:
    import torch

    from pipelines.sdxl.weights import resolve_model

    runtime.clear_cache()
    loaded = {}
    for name in ("a", "b", "c"):
        (tmp_path / name).symlink_to(tiny_models_dir / "tiny-sdxl")
        loaded[name] = resolve_model(name, tmp_path, allow_download=False)
        assert runtime.load_pipeline(loaded[name], "cpu", torch.float32)[1] > 0
    assert runtime.load_pipeline(loaded["c"], "cpu", torch.float32)[1] == 0
    assert runtime.load_pipeline(loaded["b"], "cpu", torch.float32)[1] == 0
    assert runtime.load_pipeline(loaded["a"], "cpu", torch.float32)[1] > 0  # evicted
    runtime.clear_cache()
