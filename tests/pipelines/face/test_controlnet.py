"""SDXL + ControlNet OpenPose on the tiny models: the pose steers the image, the PNG says how."""

from __future__ import annotations

import json

import numpy as np
from PIL import Image

from pipelines.face.poses import draw_skeleton, load_poses
from pipelines.sdxl import controlnet
from pipelines.sdxl.generate import GenerationRequest


def test_real_weights_are_looked_for_but_never_downloaded(tmp_path):
    assert controlnet.find_openpose("sdxl-base-1.0", tmp_path) is None
    folder = tmp_path / controlnet.PRESET
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    assert controlnet.find_openpose("sdxl-base-1.0", tmp_path) is None  # configs only
    (folder / "diffusion_pytorch_model.safetensors").write_bytes(b"")
    assert controlnet.find_openpose("sdxl-base-1.0", tmp_path) == folder


def test_the_tiny_controlnet_has_the_real_architecture(tiny_models_dir):
    from diffusers import ControlNetModel

    path = controlnet.find_openpose("tiny", tiny_models_dir)
    assert controlnet.is_built(path)
    model = ControlNetModel.from_pretrained(path)
    assert model.config.cross_attention_dim == 64
    assert model.config.addition_embed_type == "text_time"
    assert len(model.config.conditioning_embedding_out_channels) == 4  # 8x, like the latents


def test_the_skeleton_steers_the_image_and_the_png_records_it(ctx, tiny_models_dir):
    path = controlnet.find_openpose("tiny", tiny_models_dir)
    size = (256, 384)
    images = {}
    for name in ("close-up", "standing"):
        request = GenerationRequest(
            prompt="a person", width=size[0], height=size[1], steps=2, seed=5, name=name
        )
        skeleton = draw_skeleton(load_poses()[name], size)
        result = controlnet.generate_posed(request, skeleton, path, ctx)
        png = Image.open(result.outputs[0].path)
        assert png.size == size
        studio = json.loads(png.text["studio"])
        assert studio["controlnet"] == path.name and studio["seed"] == 5
        assert "ControlNet: tiny-controlnet-openpose" in png.text["parameters"]
        images[name] = np.asarray(png.convert("RGB"), dtype=float)
    # Same prompt and seed, another skeleton: another picture (the random-weight stand-in
    # passes the pose through weakly; a zero-initialised ControlNet would give 0 here).
    assert np.abs(images["close-up"] - images["standing"]).max() > 0
    stages = [stage for _, stage in ctx.calls]
    assert "Step 2/2" in stages
