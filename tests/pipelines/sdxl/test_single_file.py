"""A user's single-file SDXL checkpoint (original Stability/A1111 layout, as on Civitai).

The checkpoint is written from a tiny diffusers SDXL by ldm_checkpoint (the inverse of diffusers'
single-file converters) and dropped into the models directory as my-model.safetensors, beside an
installed SDXL preset folder whose configs it borrows, as resolve_model arranges offline.

Why a variant of the tiny model: its two text encoders are both 32 wide, and diffusers tells
SDXL's CLIP-L from OpenCLIP-bigG by width alone (768 vs 1280 in every real SDXL). Loaded from one
file, the stock tiny model's text_encoder_2 gets CLIP-L's weights and an uninitialised (meta)
text_projection. The variant widens text_encoder_2 to 48 (and the UNet's cross attention and
added-embedding inputs to match), so the file is as unambiguous as a real SDXL checkpoint. The stock
tiny model's conversion is still checked, key for key, against diffusers' own converters.
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from pipelines.sdxl import generate as sdxl
from pipelines.sdxl import runtime
from pipelines.sdxl.weights import resolve_model
from tests.pipelines.sdxl.ldm_checkpoint import (
    CLIP_L_PREFIX,
    OPEN_CLIP_PREFIX,
    original_sdxl_state_dict,
    save_original_sdxl_checkpoint,
)

BASE = "sdxl-base-1.0"  # the installed preset whose configs the checkpoint borrows
WIDE = 48  # text_encoder_2's width in the variant (CLIP-L stays 32)


def build_distinct_encoders_model(tiny: Path, target: Path) -> Path:
    """The tiny SDXL with a 48-wide text_encoder_2 (random weights), as a diffusers folder."""
    from diffusers import UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModelWithProjection

    shutil.copytree(tiny, target)
    config = CLIPTextConfig.from_pretrained(tiny / "text_encoder_2")
    config.hidden_size = config.projection_dim = WIDE
    torch.manual_seed(1)
    CLIPTextModelWithProjection(config).save_pretrained(target / "text_encoder_2")
    unet_config = dict(UNet2DConditionModel.load_config(tiny / "unet"))
    unet_config["cross_attention_dim"] = 32 + WIDE  # both encoders' hidden states side by side
    unet_config["projection_class_embeddings_input_dim"] = 6 * 8 + WIDE  # time ids + pooled text
    torch.manual_seed(0)
    UNet2DConditionModel.from_config(unet_config).save_pretrained(target / "unet")
    return target


@pytest.fixture(scope="module")
def single_file_dir(
    tiny_models_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """sdxl-base-1.0/: the variant as a diffusers folder; my-model.safetensors: the same, ldm."""
    models_dir = tmp_path_factory.mktemp("single-file-models")
    base = build_distinct_encoders_model(tiny_models_dir / "tiny-sdxl", models_dir / BASE)
    save_original_sdxl_checkpoint(base, models_dir / "my-model.safetensors")
    yield models_dir
    runtime.clear_cache()  # release both pipelines this module loaded


def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("a network connection was attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_checkpoint_has_the_original_layout(single_file_dir: Path) -> None:
    from safetensors import safe_open

    with safe_open(single_file_dir / "my-model.safetensors", "pt") as f:
        keys = set(f.keys())
        clip_l_keys = {k for k in keys if k.startswith(CLIP_L_PREFIX)}  # transformers' own names
        in_proj = f.get_tensor(OPEN_CLIP_PREFIX + "transformer.resblocks.0.attn.in_proj_weight")
        projection = f.get_tensor(OPEN_CLIP_PREFIX + "text_projection")
        vae_q = f.get_tensor("first_stage_model.encoder.mid.attn_1.q.weight")
    prefixes = ("model.diffusion_model.", "first_stage_model.", CLIP_L_PREFIX, OPEN_CLIP_PREFIX)
    assert all(k.startswith(prefixes) for k in keys)
    for key in (
        "model.diffusion_model.input_blocks.0.0.weight",
        "model.diffusion_model.input_blocks.3.0.op.weight",  # down_blocks.0's downsampler
        "model.diffusion_model.input_blocks.4.1.transformer_blocks.1.attn2.to_k.weight",
        "model.diffusion_model.middle_block.1.proj_in.weight",
        "model.diffusion_model.output_blocks.2.2.conv.weight",  # up_blocks.0: resnet, attn, up
        "model.diffusion_model.label_emb.0.0.weight",
        "first_stage_model.decoder.up.3.upsample.conv.weight",
        CLIP_L_PREFIX + "text_model.embeddings.position_embedding.weight",
        OPEN_CLIP_PREFIX + "positional_embedding",
        OPEN_CLIP_PREFIX + "token_embedding.weight",
        OPEN_CLIP_PREFIX + "ln_final.weight",
    ):
        assert key in keys, key
    # No diffusers or transformers names outside CLIP-L (which keeps transformers' own).
    diffusers_names = ("down_blocks.", "up_blocks.", "resnets.", "mid_block.", "_embedding.linear")
    assert not any(n in k for k in keys - clip_l_keys for n in diffusers_names)
    open_clip = {k for k in keys if k.startswith(OPEN_CLIP_PREFIX)}
    assert not any(n in k for k in open_clip for n in ("self_attn", "q_proj", "layer_norm", "fc1"))
    assert not any(".to_" in k for k in keys if k.startswith("first_stage_model."))
    assert in_proj.shape == (3 * WIDE, WIDE)  # q, k, v fused
    assert projection.shape == (WIDE, WIDE) and vae_q.ndim == 4  # 1x1 conv, as in the original


def test_resolves_as_a_single_file_sdxl_with_local_configs(single_file_dir: Path) -> None:
    model = resolve_model("my-model", single_file_dir, allow_download=False)
    assert model.single_file and model.kind == "sdxl" and not model.is_tiny
    assert model.path == single_file_dir / "my-model.safetensors"
    assert model.config == single_file_dir / BASE


def test_every_weight_round_trips_exactly(single_file_dir: Path, monkeypatch) -> None:
    from diffusers import StableDiffusionXLPipeline

    no_network(monkeypatch)
    model = resolve_model("my-model", single_file_dir, allow_download=False)
    loaded, _ = runtime.load_pipeline(model, "cpu", torch.float32)
    reference = StableDiffusionXLPipeline.from_pretrained(
        single_file_dir / BASE, local_files_only=True
    )
    for name in ("unet", "vae", "text_encoder", "text_encoder_2"):
        got, want = getattr(loaded.pipe, name).state_dict(), getattr(reference, name).state_dict()
        assert got.keys() == want.keys(), name
        for key, tensor in want.items():
            assert got[key].device.type == "cpu", f"{name}.{key} was never loaded"
            assert torch.equal(got[key], tensor), f"{name}.{key}"


def realign(pipe) -> None:
    """Copy every weight into fresh (64-byte aligned) memory.

    from_pretrained leaves weights memory-mapped at their offsets in the .safetensors file; the
    CPU matmul takes another path for a misaligned operand and rounds differently (the tiny
    model's text_projection sits 12 bytes off: its pooled embedding moves by ~2e-7, a few pixels
    by 1/255). Equal weights in equally aligned memory must then give bit-identical pixels.
    """
    for name in ("unet", "vae", "text_encoder", "text_encoder_2"):
        for tensor in getattr(pipe, name).parameters():
            tensor.data = tensor.data.clone()


def test_generates_the_same_pixels_as_the_diffusers_folder(
    single_file_dir: Path, ctx, make_inputs, tmp_path: Path, monkeypatch
) -> None:
    no_network(monkeypatch)
    ctx.models_dir = single_file_dir
    inputs = make_inputs(small=True, steps=1, seed=7, guidance=5.0)
    for preset in ("my-model", BASE):  # into the runtime's cache, which generate_images uses
        model = resolve_model(preset, single_file_dir, allow_download=False)
        realign(runtime.load_pipeline(model, "cpu", torch.float32)[0].pipe)
    images = {}
    for preset in ("my-model", BASE):
        ctx.model_preset = preset
        ctx.work_dir = tmp_path / preset
        ctx.work_dir.mkdir()
        result = sdxl.generate_images(inputs, ctx)
        assert result.metrics["model"] == preset
        with Image.open(result.outputs[0].path) as image:
            assert image.format == "PNG" and image.size == (256, 256)
            assert f"Model: {preset}" in image.text["parameters"]
            images[preset] = np.asarray(image.convert("RGB"))
    assert images["my-model"].std() > 0  # not a blank (NaN) image
    assert np.array_equal(images["my-model"], images[BASE])


def test_stock_tiny_model_converts_back_exactly(tiny_models_dir: Path) -> None:
    """diffusers' own converters turn the stock tiny model's checkpoint back into its weights."""
    from diffusers import StableDiffusionXLPipeline
    from diffusers.loaders.single_file_utils import (
        convert_ldm_clip_checkpoint,
        convert_ldm_unet_checkpoint,
        convert_ldm_vae_checkpoint,
        convert_open_clip_checkpoint,
    )

    tiny = StableDiffusionXLPipeline.from_pretrained(
        tiny_models_dir / "tiny-sdxl", local_files_only=True
    )
    checkpoint = original_sdxl_state_dict(tiny_models_dir / "tiny-sdxl")
    clip_l = {
        k.removeprefix("text_model."): v for k, v in convert_ldm_clip_checkpoint(checkpoint).items()
    }
    converted = {
        "unet": convert_ldm_unet_checkpoint(checkpoint, tiny.unet.config),
        "vae": convert_ldm_vae_checkpoint(checkpoint, tiny.vae.config),
        "text_encoder": clip_l,
        "text_encoder_2": convert_open_clip_checkpoint(
            tiny.text_encoder_2, checkpoint, prefix=OPEN_CLIP_PREFIX
        ),
    }
    for name, state in converted.items():
        want = {
            k: v for k, v in getattr(tiny, name).state_dict().items() if "position_ids" not in k
        }
        assert state.keys() == want.keys(), name
        assert all(torch.equal(state[k], v) for k, v in want.items()), name
