"""Model presets: resolution order, errors, the tiny build, the CLI; no generation here."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from pipelines.errors import ModelNotFound
from pipelines.sdxl import weights as models

ROOT = Path(__file__).resolve().parents[3]


def fake_hf_snapshot(cache: Path, repo_id: str) -> Path:
    """The layout huggingface_hub leaves in its cache, with empty weight files."""
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / "0123abcd"
    (snapshot / "unet").mkdir(parents=True)
    (snapshot / "model_index.json").write_text('{"_class_name": "StableDiffusionPipeline"}')
    (snapshot / "unet" / "diffusion_pytorch_model.fp16.safetensors").write_bytes(b"")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0123abcd")
    return snapshot


def test_presets_are_data() -> None:
    presets = models.load_presets()
    assert list(presets) == ["sdxl-base-1.0", "sdxl-turbo", "sd-turbo", "sdxl-inpainting", "tiny"]
    assert [p.id for p in models.real_presets()] == ["sdxl-base-1.0", "sdxl-turbo", "sd-turbo"]
    assert presets["sdxl-inpainting"].task == "inpaint"
    assert presets["sdxl-turbo"].guidance == 0.0 and presets["sdxl-base-1.0"].guidance == 7.0
    assert presets["sd-turbo"].kind == "sd"
    assert presets["sdxl-turbo"].repo_id == "stabilityai/sdxl-turbo"
    assert all(p.licence for p in presets.values())


def test_missing_preset_offline_names_the_preset_and_the_fixes(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFound) as error:
        models.resolve_model("sdxl-base-1.0", tmp_path, allow_download=False)
    message = str(error.value)
    assert "'sdxl-base-1.0'" in message
    assert str(tmp_path / "sdxl-base-1.0") in message
    assert "python -m pipelines.sdxl.weights download sdxl-base-1.0" in message
    assert "STUDIO_MODEL_PRESET=tiny" in message


def test_hub_offline_mode_means_no_download_attempt(tmp_path: Path, monkeypatch) -> None:
    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "snapshot_download", pytest.fail)
    with pytest.raises(ModelNotFound, match="not installed"):
        models.resolve_model("sd-turbo", tmp_path)  # HF_HUB_OFFLINE is on in these tests


def test_failed_download_is_model_not_found_and_not_installed(tmp_path: Path, monkeypatch) -> None:
    import huggingface_hub
    from huggingface_hub.errors import LocalEntryNotFoundError

    def offline(repo_id: str, **kwargs) -> str:
        Path(kwargs["local_dir"], "model_index.json").write_text("{}")  # a partial download
        raise LocalEntryNotFoundError("Name or service not known")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", offline)
    with pytest.raises(ModelNotFound, match="could not be downloaded"):
        models.resolve_model("sd-turbo", tmp_path, allow_download=True)
    assert not (tmp_path / "sd-turbo").exists()
    assert models.active_preset("auto", tmp_path) == "tiny"


def test_unknown_names_and_paths_are_refused(tiny_models_dir: Path) -> None:
    for name in ("no-such-model", "../tiny-sdxl", "/etc/passwd"):
        with pytest.raises(ModelNotFound, match="Unknown model"):
            models.resolve_model(name, tiny_models_dir, allow_download=False)


def test_auto_with_an_empty_models_dir_builds_tiny_once(tmp_path: Path) -> None:
    assert models.active_preset("auto", tmp_path) == "tiny"
    results: list[models.ResolvedModel] = []
    threads = [
        threading.Thread(target=lambda: results.append(models.resolve_model("auto", tmp_path)))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 2
    for model in results:
        assert model.is_tiny and model.preset == "tiny" and model.kind == "sdxl"
        assert model.path == tmp_path / "tiny-sdxl" and not model.single_file
    assert (tmp_path / "tiny-sdxl" / "model_index.json").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tiny-sdxl-")]


def test_preset_folder_in_models_dir_wins(tiny_models_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "sdxl-turbo").symlink_to(tiny_models_dir / "tiny-sdxl")
    assert models.active_preset("auto", tmp_path) == "sdxl-turbo"
    model = models.resolve_model("auto", tmp_path, allow_download=False)
    assert model.preset == "sdxl-turbo" and model.guidance == 0.0
    assert model.path == tmp_path / "sdxl-turbo" and not model.is_tiny


def test_hf_cache_is_used_without_network(tmp_path: Path, isolated_hub: Path) -> None:
    snapshot = fake_hf_snapshot(isolated_hub, "stabilityai/sd-turbo")
    empty = tmp_path / "models"
    assert models.active_preset("auto", empty) == "sd-turbo"
    model = models.resolve_model("sd-turbo", empty, allow_download=False)
    assert model.path == snapshot and model.kind == "sd"


def test_custom_folder_and_single_file(tiny_models_dir: Path, tmp_path: Path) -> None:
    from safetensors.numpy import save_file

    (tmp_path / "my-model").symlink_to(tiny_models_dir / "tiny-sdxl")
    folder = models.resolve_model("my-model", tmp_path, allow_download=False)
    assert folder.kind == "sdxl" and not folder.single_file and folder.path.name == "my-model"

    tensor = np.zeros(1, dtype=np.float32)
    xl_key = "conditioner.embedders.1.model.ln_final.weight"  # SDXL's second text encoder
    save_file({xl_key: tensor}, tmp_path / "xl.safetensors")
    save_file({"cond_stage_model.model.ln_final.weight": tensor}, tmp_path / "v2.safetensors")
    xl = models.resolve_model("xl.safetensors", tmp_path, allow_download=False)
    assert xl.single_file and xl.kind == "sdxl" and xl.path == tmp_path / "xl.safetensors"
    assert xl.config is None  # no sdxl preset installed to borrow configs from
    v2 = models.resolve_model("v2", tmp_path, allow_download=False)
    assert v2.single_file and v2.kind == "sd"


def run_python(code: str, cwd: Path, hf_cache: Path) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(ROOT), "HF_HUB_CACHE": str(hf_cache), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def test_active_preset_does_not_import_torch(tmp_path: Path) -> None:
    empty_cache = tmp_path / "hf-cache"
    code = (
        "import sys\nfrom pathlib import Path\nimport pipelines.sdxl.weights as m\n"
        f"assert m.active_preset('auto', Path({str(tmp_path)!r})) == 'tiny'\n"
        "assert m.active_preset('sdxl-turbo', Path('.')) == 'sdxl-turbo'\n"
        "print('torch' in sys.modules)\n"
    )
    done = run_python(code, tmp_path, empty_cache)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_cli_list(tiny_models_dir: Path, tmp_path: Path, isolated_hub: Path) -> None:
    code = "from pipelines.sdxl.weights import _cli; raise SystemExit(_cli())"
    argv = f"import sys; sys.argv = ['m', 'list', '--models-dir', {str(tiny_models_dir)!r}]\n"
    done = run_python(argv + code, tmp_path, isolated_hub)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    tiny = next(line for line in lines if line.startswith("tiny "))
    assert "GiB" in tiny and str(tiny_models_dir / "tiny-sdxl") in tiny
    assert any(line.startswith("sdxl-base-1.0") and "not installed" in line for line in lines)
    assert "licence:" in done.stdout
