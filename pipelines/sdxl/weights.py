"""Which weights a model preset means, where they are, and how to install them.

Presets are data (data/presets.json). Resolution order: models_dir/<id> → a
diffusers folder or .safetensors file named after the preset in models_dir →
the Hugging Face cache → a download when online. "tiny" is built locally.
Nothing here imports torch: the UI imports this module.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import logging
import shutil
import struct
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pipelines.errors import ModelNotFound, PipelineError

log = logging.getLogger(__name__)

PRESETS_FILE = Path(__file__).parent / "data" / "presets.json"
TINY = "tiny"
AUTO = "auto"
# Loaded instead of SDXL's own VAE in float16 (that one overflows to NaN/black images).
FP16_VAE_REPO = "madebyollin/sdxl-vae-fp16-fix"
FP16_VAE_FOLDER = "sdxl-vae-fp16-fix"
KIND_DEFAULTS = {"sdxl": {"steps": 30, "guidance": 7.0}, "sd": {"steps": 30, "guidance": 7.5}}


@dataclass(frozen=True)
class Preset:
    id: str
    label: str
    repo_id: str | None
    kind: str  # "sdxl" | "sd"
    steps: int
    guidance: float
    licence: str
    size_note: str
    folder: str = ""
    task: str = "text-to-image"  # or "inpaint": never picked by "auto" for image generation
    allow_patterns: tuple[str, ...] = ()
    ignore_patterns: tuple[str, ...] = ()

    @property
    def folder_name(self) -> str:
        return self.folder or self.id


@dataclass(frozen=True)
class ResolvedModel:
    """A preset pinned to weights on disk."""

    preset: str
    path: Path
    kind: str
    is_tiny: bool
    single_file: bool
    guidance: float
    licence: str
    steps: int = 30
    # For single-file checkpoints: a local diffusers folder with the matching configs.
    config: Path | None = None
    # The fp16-fix SDXL VAE when installed (used only in float16).
    fp16_vae: Path | None = None


@cache
def load_presets() -> dict[str, Preset]:
    """All presets by id, in file order."""
    entries = json.loads(PRESETS_FILE.read_text(encoding="utf-8"))
    presets = {}
    for entry in entries:
        for key in ("allow_patterns", "ignore_patterns"):
            entry[key] = tuple(entry.get(key) or ())
        presets[entry["id"]] = Preset(**entry)
    return presets


def real_presets() -> list[Preset]:
    """Text-to-image presets with downloadable weights (everything but tiny)."""
    return [p for p in downloadable_presets() if p.task == "text-to-image"]


def downloadable_presets() -> list[Preset]:
    """Every preset with weights on the Hugging Face hub."""
    return [p for p in load_presets().values() if p.repo_id]


def _is_diffusers_folder(folder: Path) -> bool:
    """A diffusers pipeline folder with UNet weights present (not just configs)."""
    unet = folder / "unet"
    return (folder / "model_index.json").is_file() and any(
        f.suffix in (".safetensors", ".bin") for f in unet.glob("diffusion_pytorch_model*")
    )


def _hf_snapshot(repo_id: str) -> Path | None:
    """The cached snapshot of repo_id in the Hugging Face cache, without any network call."""
    from huggingface_hub import constants, try_to_load_from_cache

    # Read the cache location at call time so HF_HOME changes and tests are honoured.
    found = try_to_load_from_cache(repo_id, "model_index.json", cache_dir=constants.HF_HUB_CACHE)
    if isinstance(found, str):
        snapshot = Path(found).parent
        if _is_diffusers_folder(snapshot):
            return snapshot
    return None


def _local_preset(preset: Preset, models_dir: Path) -> Path | None:
    """models_dir/<id> or the HF cache; never downloads."""
    folder = Path(models_dir) / preset.folder_name
    if _is_diffusers_folder(folder):
        return folder
    return _hf_snapshot(preset.repo_id) if preset.repo_id else None


def _custom_model(name: str, models_dir: Path) -> tuple[Path, bool] | None:
    """A user's own diffusers folder or .safetensors file in models_dir: (path, single_file)."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None  # names only: never a path out of models_dir
    folder = Path(models_dir) / name
    if _is_diffusers_folder(folder):
        return folder, False
    stem = name.removesuffix(".safetensors")
    file = Path(models_dir) / f"{stem}.safetensors"
    return (file, True) if file.is_file() else None


def _folder_kind(folder: Path) -> str:
    index = json.loads((folder / "model_index.json").read_text(encoding="utf-8"))
    return "sdxl" if "XL" in str(index.get("_class_name", "")) else "sd"


def _single_file_kind(path: Path) -> str:
    """SDXL or SD from a checkpoint's tensor names (reads the safetensors header only)."""
    with path.open("rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        if length > 100_000_000:
            raise PipelineError(f"{path.name} is not a valid .safetensors file")
        header = json.loads(f.read(length))
    # SDXL checkpoints carry a second text encoder (OpenCLIP bigG) under conditioner.embedders.1.
    return "sdxl" if any(k.startswith("conditioner.embedders.1.") for k in header) else "sd"


def _config_for(kind: str, models_dir: Path) -> Path | None:
    """A local diffusers folder of the same architecture, for single-file configs offline."""
    for preset in real_presets():
        if preset.kind == kind and (found := _local_preset(preset, models_dir)):
            return found
    return None


def find_fp16_vae(models_dir: Path) -> Path | None:
    """The fp16-fix SDXL VAE in models_dir or the HF cache (optional)."""
    folder = Path(models_dir) / FP16_VAE_FOLDER
    if (folder / "config.json").is_file():
        return folder
    from huggingface_hub import constants, try_to_load_from_cache

    found = try_to_load_from_cache(FP16_VAE_REPO, "config.json", cache_dir=constants.HF_HUB_CACHE)
    if isinstance(found, str) and any(Path(found).parent.glob("diffusion_pytorch_model*")):
        return Path(found).parent
    return None


def active_preset(preset: str, models_dir: Path) -> str:
    """The preset that `preset` would use now ("auto" → the first installed, else tiny); cheap."""
    if preset != AUTO:
        return preset
    for candidate in real_presets():
        if _local_preset(candidate, models_dir):
            return candidate.id
    return TINY


def install_hint(preset_id: str, models_dir: Path) -> str:
    """How to install a preset, for error messages and the UI."""
    return (
        f"Put the diffusers folder of {preset_id!r} in {Path(models_dir) / preset_id}, "
        f"or run `python -m pipelines.sdxl.weights download {preset_id}` on a machine "
        "that is online, "
        "or set STUDIO_MODEL_PRESET=tiny to use the tiny test model."
    )


def resolve_model(
    preset: str, models_dir: Path, allow_download: bool | None = None
) -> ResolvedModel:
    """Find (or build, or download) the weights for a preset; raises ModelNotFound."""
    models_dir = Path(models_dir)
    preset = active_preset(preset or AUTO, models_dir)
    presets = load_presets()
    if preset == TINY:
        return _resolved(presets[TINY], ensure_tiny(models_dir), models_dir)
    if preset in presets:
        spec = presets[preset]
        path = _local_preset(spec, models_dir)
        if path is None:
            if allow_download is None:
                from huggingface_hub import constants

                allow_download = not constants.HF_HUB_OFFLINE
            if not allow_download:
                hint = install_hint(preset, models_dir)
                raise ModelNotFound(f"Model {preset!r} is not installed. {hint}")
            path = download(preset, models_dir)
        return _resolved(spec, path, models_dir)
    custom = _custom_model(preset, models_dir)
    if custom is None:
        known = ", ".join([AUTO, *presets])
        raise ModelNotFound(
            f"Unknown model {preset!r}: use one of {known}, or the name of a diffusers folder "
            f"or .safetensors file in {models_dir}."
        )
    path, single_file = custom
    kind = _single_file_kind(path) if single_file else _folder_kind(path)
    defaults = KIND_DEFAULTS[kind]
    return ResolvedModel(
        preset=preset,
        path=path,
        kind=kind,
        is_tiny=False,
        single_file=single_file,
        guidance=defaults["guidance"],
        licence="your own model: check its licence",
        steps=defaults["steps"],
        config=_config_for(kind, models_dir) if single_file else None,
        fp16_vae=find_fp16_vae(models_dir) if kind == "sdxl" else None,
    )


def _resolved(spec: Preset, path: Path, models_dir: Path) -> ResolvedModel:
    is_tiny = spec.id == TINY
    return ResolvedModel(
        preset=spec.id,
        path=path,
        kind=spec.kind,
        is_tiny=is_tiny,
        single_file=False,
        guidance=spec.guidance,
        licence=spec.licence,
        steps=spec.steps,
        fp16_vae=find_fp16_vae(models_dir) if spec.kind == "sdxl" and not is_tiny else None,
    )


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock between processes (fcntl; no-op where fcntl is missing)."""
    try:
        import fcntl
    except ImportError:  # Windows: a concurrent first build there is the user's risk
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_tiny(models_dir: Path) -> Path:
    """models_dir/tiny-sdxl, built once (locked so two processes never build it together)."""
    from pipelines.sdxl import tiny as tiny_sdxl

    target = Path(models_dir) / load_presets()[TINY].folder_name
    if tiny_sdxl.is_built(target):
        return target
    with file_lock(Path(models_dir) / f".{target.name}.lock"):
        if not tiny_sdxl.is_built(target):  # another process may have built it meanwhile
            log.info("building the tiny test model in %s", target)
            tiny_sdxl.build(target)
    return target


def download(preset_id: str, models_dir: Path) -> Path:
    """Download a preset's diffusers weights into models_dir/<id>; raises ModelNotFound."""
    import httpx
    from huggingface_hub import snapshot_download

    spec = load_presets().get(preset_id)
    if spec is None or not spec.repo_id:
        raise ModelNotFound(f"{preset_id!r} is not a downloadable preset")
    target = Path(models_dir) / spec.folder_name
    # Download beside the target and rename when complete, so a half download is never "installed".
    partial = Path(models_dir) / f".{spec.folder_name}.partial"
    partial.mkdir(parents=True, exist_ok=True)
    log.info("downloading %s (%s) into %s", spec.id, spec.repo_id, target)
    try:
        with file_lock(Path(models_dir) / f".{spec.folder_name}.lock"):
            if _is_diffusers_folder(target):
                return target
            snapshot_download(
                spec.repo_id,
                local_dir=partial,
                allow_patterns=list(spec.allow_patterns) or None,
                ignore_patterns=list(spec.ignore_patterns) or None,
            )
            if target.exists():
                shutil.rmtree(target)
            partial.rename(target)
    except (OSError, ValueError, httpx.HTTPError) as exc:  # hub errors derive from these
        log.warning("download of %s failed: %s", spec.repo_id, exc)
        with contextlib.suppress(OSError):
            partial.rmdir()  # only when empty: a partial download is kept to resume
        raise ModelNotFound(
            f"Model {preset_id!r} is not installed and could not be downloaded "
            f"({type(exc).__name__}). {install_hint(preset_id, models_dir)}"
        ) from exc
    return target


def disk_size(path: Path) -> int:
    """Bytes under a file or folder (following the HF cache's symlinks)."""
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def installed(models_dir: Path) -> list[dict[str, Any]]:
    """Presets found locally (models dir or HF cache): id, path, bytes, licence."""
    rows = []
    for spec in load_presets().values():
        if spec.id == TINY:
            from pipelines.sdxl import tiny as tiny_sdxl  # no torch: is_built only reads files

            folder = Path(models_dir) / spec.folder_name
            path = folder if tiny_sdxl.is_built(folder) else None
        else:
            path = _local_preset(spec, models_dir)
        if path:
            size = disk_size(path)
            rows.append({"id": spec.id, "path": path, "bytes": size, "licence": spec.licence})
    return rows


def _cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.sdxl.weights", description="Install and list image model presets."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("list", "show installed presets, their size on disk and licence"),
        ("download", "download a preset's weights into the models directory"),
        ("build-tiny", "build the tiny random-weight test model"),
    ):
        cmd = sub.add_parser(name, help=help_text)
        cmd.add_argument("--models-dir", type=Path, default=Path("data/models"))
        if name == "download":
            cmd.add_argument("id", choices=[p.id for p in downloadable_presets()])
    args = parser.parse_args(argv)
    out = sys.stdout
    try:
        if args.command == "list":
            rows = {row["id"]: row for row in installed(args.models_dir)}
            for spec in load_presets().values():
                row = rows.get(spec.id)
                state = "not installed"
                if row:
                    state = f"{row['bytes'] / 2**30:6.2f} GiB  {row['path']}"
                out.write(f"{spec.id:15} {state}\n{'':15} licence: {spec.licence}\n")
        elif args.command == "download":
            out.write(f"{download(args.id, args.models_dir)}\n")
        else:
            out.write(f"{ensure_tiny(args.models_dir)}\n")
    except PipelineError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    return 0


def model_hash(model: ResolvedModel) -> str:
    """AUTOMATIC1111's short model hash (sha256 of the weights, 10 hex digits).

    Hashing a multi-GB file takes seconds, so the full digest is kept beside it.
    """
    if model.single_file:
        weights = Path(model.path)
    else:
        candidates = sorted(
            (Path(model.path) / "unet").glob("diffusion_pytorch_model*.safetensors")
        )
        if not candidates:
            return ""
        weights = candidates[0]
    sidecar = weights.with_name(weights.name + ".sha256")
    try:
        if sidecar.stat().st_mtime >= weights.stat().st_mtime:
            return sidecar.read_text().strip()[:10]
    except OSError:
        pass
    digest = hashlib.sha256()
    with weights.open("rb") as handle:
        for block in iter(lambda: handle.read(2**22), b""):
            digest.update(block)
    try:
        sidecar.write_text(digest.hexdigest())
    except OSError:
        log.info("cannot store the hash beside %s (read-only?)", weights)
    return digest.hexdigest()[:10]


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    sys.exit(_cli())
