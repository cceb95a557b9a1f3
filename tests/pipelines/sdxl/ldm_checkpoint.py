"""Write a diffusers SDXL folder as one original (Stability "sgm"/A1111) .safetensors file.

The inverse of diffusers' single-file loader (diffusers.loaders.single_file_utils:
convert_ldm_unet_checkpoint, convert_ldm_vae_checkpoint, convert_ldm_clip_checkpoint,
convert_open_clip_checkpoint), adapted from diffusers' scripts/convert_diffusers_to_original_sdxl.py
with the block counts read from the model's config instead of SDXL's hard-coded ones, so the
tiny test model becomes a checkpoint laid out like the files users download from Civitai:

    model.diffusion_model.*                 UNet (input_blocks / middle_block / output_blocks)
    first_stage_model.*                     VAE (encoder.down.N.block.M, mid.attn_1 as 1x1 convs)
    conditioner.embedders.0.transformer.*   CLIP-L, transformers' own key names
    conditioner.embedders.1.model.*         OpenCLIP bigG (resblocks, fused q/k/v in_proj)
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

UNET_PREFIX = "model.diffusion_model."
VAE_PREFIX = "first_stage_model."
CLIP_L_PREFIX = "conditioner.embedders.0.transformer."
OPEN_CLIP_PREFIX = "conditioner.embedders.1.model."

# (original, diffusers): whole keys of the UNet outside its blocks.
UNET_FIXED = [
    ("time_embed.0.", "time_embedding.linear_1."),
    ("time_embed.2.", "time_embedding.linear_2."),
    ("input_blocks.0.0.", "conv_in."),
    ("out.0.", "conv_norm_out."),
    ("out.2.", "conv_out."),
    ("label_emb.0.0.", "add_embedding.linear_1."),  # SDXL's size/crop + pooled text embedding
    ("label_emb.0.2.", "add_embedding.linear_2."),
]
UNET_RESNET = [
    ("in_layers.0.", "norm1."),
    ("in_layers.2.", "conv1."),
    ("out_layers.0.", "norm2."),
    ("out_layers.3.", "conv2."),
    ("emb_layers.1.", "time_emb_proj."),
    ("skip_connection.", "conv_shortcut."),
]
VAE_RESNET = [("nin_shortcut.", "conv_shortcut.")]
VAE_ATTENTION = [
    ("norm.", "group_norm."),
    ("q.", "to_q."),
    ("k.", "to_k."),
    ("v.", "to_v."),
    ("proj_out.", "to_out.0."),
]
VAE_FIXED = [
    ("encoder.norm_out.", "encoder.conv_norm_out."),
    ("decoder.norm_out.", "decoder.conv_norm_out."),
]
# transformers' CLIP names → OpenCLIP's, applied in order to each text_encoder_2 key.
OPEN_CLIP_NAMES = [
    ("text_model.encoder.layers.", "transformer.resblocks."),
    (".self_attn.out_proj.", ".attn.out_proj."),
    (".layer_norm1.", ".ln_1."),
    (".layer_norm2.", ".ln_2."),
    (".mlp.fc1.", ".mlp.c_fc."),
    (".mlp.fc2.", ".mlp.c_proj."),
    ("text_model.final_layer_norm.", "ln_final."),
    ("text_model.embeddings.token_embedding.weight", "token_embedding.weight"),
    ("text_model.embeddings.position_embedding.weight", "positional_embedding"),
]


def _config(folder: Path) -> dict:
    return json.loads((folder / "config.json").read_text(encoding="utf-8"))


def _weights(folder: Path, name: str) -> dict[str, torch.Tensor]:
    return load_file(folder / name, device="cpu")


def unet_prefixes(config: dict) -> list[tuple[str, str]]:
    """(original, diffusers) prefixes of the UNet's blocks, for any block and layer count."""
    blocks = len(config["down_block_types"])
    layers = config["layers_per_block"]
    pairs = []
    for i in range(blocks):
        for j in range(layers):
            index = 1 + i * (layers + 1) + j  # input_blocks.0 is conv_in
            pairs.append((f"input_blocks.{index}.0.", f"down_blocks.{i}.resnets.{j}."))
            pairs.append((f"input_blocks.{index}.1.", f"down_blocks.{i}.attentions.{j}."))
        if i < blocks - 1:
            index = (i + 1) * (layers + 1)
            pairs.append((f"input_blocks.{index}.0.op.", f"down_blocks.{i}.downsamplers.0.conv."))
        has_attention = config["up_block_types"][i].startswith("CrossAttn")
        for j in range(layers + 1):
            index = i * (layers + 1) + j
            pairs.append((f"output_blocks.{index}.0.", f"up_blocks.{i}.resnets.{j}."))
            pairs.append((f"output_blocks.{index}.1.", f"up_blocks.{i}.attentions.{j}."))
        if i < blocks - 1:
            index = i * (layers + 1) + layers
            slot = 2 if has_attention else 1  # the upsampler follows the resnet (and attention)
            pairs.append(
                (f"output_blocks.{index}.{slot}.conv.", f"up_blocks.{i}.upsamplers.0.conv.")
            )
    pairs.append(("middle_block.0.", "mid_block.resnets.0."))
    pairs.append(("middle_block.1.", "mid_block.attentions.0."))
    pairs.append(("middle_block.2.", "mid_block.resnets.1."))
    return pairs


def _rename(key: str, pairs: list[tuple[str, str]]) -> str | None:
    """key with its diffusers prefix swapped for the original one (None when none matches)."""
    for original, diffusers in pairs:
        if key.startswith(diffusers):
            return original + key[len(diffusers) :]
    return None


def convert_unet(state: dict[str, torch.Tensor], config: dict) -> dict[str, torch.Tensor]:
    blocks = unet_prefixes(config)
    out = {}
    for key, value in state.items():
        new = _rename(key, UNET_FIXED)
        if new is None:
            if ".resnets." in key:
                for original, diffusers in UNET_RESNET:
                    key = key.replace(f".{diffusers}", f".{original}")
            new = _rename(key, blocks)
        if new is None:
            raise ValueError(f"no original name for UNet key {key}")
        out[UNET_PREFIX + new] = value
    return out


def convert_vae(state: dict[str, torch.Tensor], config: dict) -> dict[str, torch.Tensor]:
    blocks = len(config["down_block_types"])
    pairs = list(VAE_FIXED)
    for part in ("encoder", "decoder"):
        pairs.append((f"{part}.mid.attn_1.", f"{part}.mid_block.attentions.0."))
        for k in range(2):
            pairs.append((f"{part}.mid.block_{k + 1}.", f"{part}.mid_block.resnets.{k}."))
    for i in range(blocks):
        pairs.append((f"encoder.down.{i}.block.", f"encoder.down_blocks.{i}.resnets."))
        pairs.append((f"encoder.down.{i}.downsample.", f"encoder.down_blocks.{i}.downsamplers.0."))
        # The decoder's up blocks run in the opposite order in the original layout.
        up = blocks - 1 - i
        pairs.append((f"decoder.up.{up}.block.", f"decoder.up_blocks.{i}.resnets."))
        pairs.append((f"decoder.up.{up}.upsample.", f"decoder.up_blocks.{i}.upsamplers.0."))
    out = {}
    for key, value in state.items():
        new = _rename(key, pairs) or key  # conv_in, conv_out, quant_conv, post_quant_conv
        if ".mid.attn_1." in new:
            head, _, tail = new.partition(".mid.attn_1.")
            for original, diffusers in VAE_ATTENTION:
                if tail.startswith(diffusers):
                    tail = original + tail[len(diffusers) :]
                    break
            new = f"{head}.mid.attn_1.{tail}"
            if value.ndim == 2:  # linear in diffusers, 1x1 conv in the original
                value = value.reshape(*value.shape, 1, 1)
        new = new.replace(".conv_shortcut.", ".nin_shortcut.")
        out[VAE_PREFIX + new] = value
    return out


def convert_clip_l(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """CLIP-L keeps transformers' names; newer transformers drop the "text_model." level."""
    out = {}
    for key, value in state.items():
        if key.endswith("position_ids"):
            continue
        name = key if key.startswith("text_model.") else f"text_model.{key}"
        out[CLIP_L_PREFIX + name] = value
    return out


def convert_open_clip(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """OpenCLIP: fused q/k/v in_proj, (hidden, projection) text_projection, own names."""
    out: dict[str, torch.Tensor] = {}
    fused: dict[str, dict[str, torch.Tensor]] = {}
    for key, value in state.items():
        if key.endswith("position_ids"):
            continue
        if key == "text_projection.weight":  # nn.Linear weight: (projection, hidden)
            out[OPEN_CLIP_PREFIX + "text_projection"] = value.T.contiguous()
            continue
        for part in ("q", "k", "v"):
            for kind in ("weight", "bias"):
                if key.endswith(f".self_attn.{part}_proj.{kind}"):
                    layer = key[: -len(f".self_attn.{part}_proj.{kind}")]
                    fused.setdefault(f"{layer}.attn.in_proj_{kind}", {})[part] = value
                    break
            else:
                continue
            break
        else:
            new = key
            for diffusers, original in OPEN_CLIP_NAMES:
                new = new.replace(diffusers, original)
            out[OPEN_CLIP_PREFIX + new] = value
    for key, parts in fused.items():
        new = key
        for diffusers, original in OPEN_CLIP_NAMES:
            new = new.replace(diffusers, original)
        out[OPEN_CLIP_PREFIX + new] = torch.cat([parts["q"], parts["k"], parts["v"]])
    return out


def original_sdxl_state_dict(diffusers_folder: Path) -> dict[str, torch.Tensor]:
    """The whole pipeline's weights under the original checkpoint's names."""
    folder = Path(diffusers_folder)
    state = {}
    state.update(
        convert_unet(
            _weights(folder / "unet", "diffusion_pytorch_model.safetensors"),
            _config(folder / "unet"),
        )
    )
    state.update(
        convert_vae(
            _weights(folder / "vae", "diffusion_pytorch_model.safetensors"), _config(folder / "vae")
        )
    )
    state.update(convert_clip_l(_weights(folder / "text_encoder", "model.safetensors")))
    state.update(convert_open_clip(_weights(folder / "text_encoder_2", "model.safetensors")))
    return state


def save_original_sdxl_checkpoint(diffusers_folder: Path, out_file: Path) -> Path:
    """Write diffusers_folder's UNet, VAE and both text encoders as one original-format file."""
    state = {k: v.contiguous() for k, v in original_sdxl_state_dict(diffusers_folder).items()}
    Path(out_file).parent.mkdir(parents=True, exist_ok=True)
    save_file(state, out_file, metadata={"format": "pt"})
    return Path(out_file)
