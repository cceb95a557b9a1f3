"""A tiny random-weight SDXL of the real architecture, built offline.

It lets the studio, its tests and machines without real weights run the whole
SDXL code path (two text encoders, the real CLIP tokenizer, 8x VAE, SDXL's
scheduler) in about a second per image on a CPU. Its images are noise: it is a
stand-in, never a model.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import logging
import shutil
import tempfile
from functools import cache
from pathlib import Path

from pipelines.errors import PipelineError

log = logging.getLogger(__name__)

SEED = 0
VOCAB_FILE = "bpe_simple_vocab_16e6.txt.gz"
# CLIP keeps the first 49152 - 256 - 2 merges of the file (line 0 is a header).
NUM_MERGES = 49152 - 256 - 2
VOCAB_SIZE = 49408
MAX_LENGTH = 77
# Everything that shapes the weights; stored beside the model so a stale build is noticed.
BUILD_VERSION = 1
MARKER = "tiny_sdxl.json"


def _vocab_source() -> Path:
    """The CLIP BPE file shipped in open-clip-torch (found without importing open_clip)."""
    spec = importlib.util.find_spec("open_clip")
    for location in (spec.submodule_search_locations or []) if spec else []:
        path = Path(location) / VOCAB_FILE
        if path.is_file():
            return path
    raise PipelineError(
        "The tiny model needs the CLIP vocabulary from the open-clip-torch package: "
        "pip install --no-deps open-clip-torch==3.3.0"
    )


def _bytes_to_unicode() -> dict[int, str]:
    """CLIP's byte → printable character table (byte-level BPE alphabet)."""
    printable = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("¡"), ord("¬") + 1))
        + list(range(ord("®"), ord("ÿ") + 1))
    )
    codes = printable[:]
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            codes.append(256 + extra)
            extra += 1
    return dict(zip(printable, (chr(c) for c in codes), strict=True))


@cache
def clip_vocab() -> tuple[dict[str, int], tuple[tuple[str, str], ...]]:
    """CLIP's vocabulary (49,408 tokens) and merges, as OpenAI's tokenizer builds them."""
    with gzip.open(_vocab_source(), "rt", encoding="utf-8") as f:
        lines = f.read().split("\n")
    merges = tuple(tuple(line.split()) for line in lines[1 : NUM_MERGES + 1])
    alphabet = list(_bytes_to_unicode().values())
    tokens = alphabet + [a + "</w>" for a in alphabet] + ["".join(m) for m in merges]
    tokens += ["<|startoftext|>", "<|endoftext|>"]
    vocab = {token: i for i, token in enumerate(tokens)}
    if len(vocab) != VOCAB_SIZE:
        raise PipelineError(f"unexpected CLIP vocabulary size {len(vocab)}")
    return vocab, merges  # type: ignore[return-value]


def clip_tokenizer(pad_token: str = "<|endoftext|>"):
    """The real CLIP BPE tokenizer (SDXL's tokenizer_2 pads with "!")."""
    from transformers import CLIPTokenizer

    vocab, merges = clip_vocab()
    return CLIPTokenizer(
        vocab=dict(vocab), merges=list(merges), pad_token=pad_token, model_max_length=MAX_LENGTH
    )


def _write_vocab_files(folder: Path) -> None:
    """vocab.json + merges.txt, the files older transformers releases load a CLIP tokenizer from."""
    vocab, merges = clip_vocab()
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    text = "#version: 0.2\n" + "\n".join(" ".join(m) for m in merges) + "\n"
    (folder / "merges.txt").write_text(text, encoding="utf-8")


def _components() -> dict:
    """Random-weight components shaped like diffusers' SDXL test dummies, with an 8x VAE."""
    import torch
    from diffusers import AutoencoderKL, EulerDiscreteScheduler, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    torch.manual_seed(SEED)
    unet = UNet2DConditionModel(
        block_out_channels=(32, 64),
        layers_per_block=2,
        sample_size=128,  # x8 → SDXL's default 1024 px
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        attention_head_dim=(2, 4),
        use_linear_projection=True,
        addition_embed_type="text_time",
        addition_time_embed_dim=8,
        transformer_layers_per_block=(1, 2),
        projection_class_embeddings_input_dim=80,  # 6 time ids x 8 + pooled text (32)
        cross_attention_dim=64,  # both encoders' hidden states concatenated (32 + 32)
        norm_num_groups=1,
    )
    torch.manual_seed(SEED)
    vae = AutoencoderKL(
        in_channels=3,
        out_channels=3,
        block_out_channels=(8, 16, 32, 32),
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        latent_channels=4,
        norm_num_groups=8,
        sample_size=1024,
        scaling_factor=0.13025,
    )
    scheduler = EulerDiscreteScheduler(
        num_train_timesteps=1000,
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        prediction_type="epsilon",
        interpolation_type="linear",
        use_karras_sigmas=False,
        steps_offset=1,
        timestep_spacing="leading",
    )
    config = CLIPTextConfig(
        vocab_size=VOCAB_SIZE,
        max_position_embeddings=MAX_LENGTH,
        hidden_size=32,
        intermediate_size=37,
        num_attention_heads=4,
        num_hidden_layers=3,  # SDXL reads the penultimate layer
        projection_dim=32,
        hidden_act="gelu",
        layer_norm_eps=1e-05,
        bos_token_id=49406,
        eos_token_id=49407,
        pad_token_id=49407,
    )
    torch.manual_seed(SEED)
    text_encoder = CLIPTextModel(config)
    torch.manual_seed(SEED + 1)
    text_encoder_2 = CLIPTextModelWithProjection(config)
    return {
        "unet": unet,
        "vae": vae,
        "scheduler": scheduler,
        "text_encoder": text_encoder,
        "text_encoder_2": text_encoder_2,
        "tokenizer": clip_tokenizer(),
        "tokenizer_2": clip_tokenizer(pad_token="!"),
    }


def build_pipeline():
    """The tiny StableDiffusionXLPipeline in memory (float32, CPU)."""
    from diffusers import StableDiffusionXLPipeline

    # The VAE must be passed at construction: vae_scale_factor is read from it there.
    return StableDiffusionXLPipeline(**_components())


def is_built(target: Path) -> bool:
    """Whether target holds a complete tiny model of the current build version."""
    marker = target / MARKER
    if not (marker.is_file() and (target / "model_index.json").is_file()):
        return False
    try:
        return json.loads(marker.read_text(encoding="utf-8")).get("version") == BUILD_VERSION
    except (OSError, ValueError):
        return False


def build(target: Path) -> Path:
    """Save the tiny pipeline into target (diffusers folder), atomically; returns target."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Build beside the target so the final rename stays on one filesystem.
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        pipe = build_pipeline()
        pipe.save_pretrained(staging, safe_serialization=True)
        for sub in ("tokenizer", "tokenizer_2"):
            _write_vocab_files(staging / sub)
        (staging / MARKER).write_text(
            json.dumps({"version": BUILD_VERSION, "seed": SEED, "note": "random weights"}),
            encoding="utf-8",
        )
        staging.chmod(0o755)  # mkdtemp makes it private; workers may run as another user
        if target.exists():
            shutil.rmtree(target)  # a stale or partial build
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("built the tiny SDXL model in %s", target)
    return target
