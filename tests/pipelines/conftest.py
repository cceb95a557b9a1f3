"""Fixtures for the image pipeline tests: the tiny SDXL built once, a recording context."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pipelines.declare import NO_SERVICES, Services


@dataclass
class RecordingContext:
    """A RunContext that records progress calls; `on_progress` may raise to cancel."""

    work_dir: Path
    models_dir: Path
    model_preset: str = "tiny"
    device: str = "cpu"
    services: Services = NO_SERVICES
    calls: list[tuple[float, str]] = field(default_factory=list)
    on_progress: Callable[[float, str], None] | None = None
    on_preview: Callable[[Any], None] | None = None

    def progress(self, percent: float, stage: str, preview: Any = None) -> None:
        self.calls.append((percent, stage))
        if preview is not None and self.on_preview:
            self.on_preview(preview)
        if self.on_progress:
            self.on_progress(percent, stage)


@pytest.fixture(scope="module", autouse=True)
def isolated_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """An empty Hugging Face cache and offline mode: real weights on this machine never leak in.

    Module-scoped so the patch ends with these tests and never reaches other test folders.
    """
    from huggingface_hub import constants

    cache = tmp_path_factory.mktemp("hf-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(constants, "HF_HUB_CACHE", str(cache))
        mp.setattr(constants, "HF_HUB_OFFLINE", True)
        yield cache


@pytest.fixture(scope="session")
def tiny_models_dir(models_dir: Path) -> Path:
    """The session's models directory (tests/conftest.py) with the tiny model built in it.

    The same folder the worker tests and the live servers use, so the tiny models (SDXL,
    depth, ControlNet) are built once per run, not once per folder.
    """
    from pipelines.sdxl.weights import ensure_tiny

    start = time.perf_counter()
    ensure_tiny(models_dir)
    logging.getLogger(__name__).info("tiny model built in %.1f s", time.perf_counter() - start)
    return models_dir


@pytest.fixture
def ctx(tmp_path: Path, tiny_models_dir: Path) -> RecordingContext:
    work = tmp_path / "work"
    work.mkdir()
    return RecordingContext(work_dir=work, models_dir=tiny_models_dir)


@pytest.fixture
def make_inputs() -> Callable[..., dict[str, Any]]:
    """Inputs validated by the image_generation feature itself (small and fast by default).

    `small=True` then shrinks them to 256 px, under the feature's 512 px minimum, for the
    claims that do not depend on the size (seeds, metrics, progress, cache): a quarter of
    the work of each denoising step.
    """
    from pipelines.features.image_generation import FEATURE

    def make(*, small: bool = False, **overrides: Any) -> dict[str, Any]:
        raw = {"prompt": "a photo of a cat", "width": 512, "height": 512, "steps": 2, "seed": 1}
        raw.update(overrides)
        cleaned = FEATURE.validate(raw)
        return cleaned | {"width": 256, "height": 256} if small else cleaned

    return make
