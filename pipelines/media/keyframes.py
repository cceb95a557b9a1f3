"""Keyframes: one picture per scene from the image pipeline, in a visual style, one seed.

Visual styles are data (pipelines/media/data/visual_styles.json): a prompt template and a base
style from pipelines/sdxl/data/styles.json, so the image pipeline's own style stays the single
place that talks to the model. The same seed for every scene keeps the look consistent.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pipelines.declare import RunContext, SubContext

log = logging.getLogger(__name__)

VISUAL_STYLES_FILE = Path(__file__).resolve().parent / "data" / "visual_styles.json"
MAX_PROMPT_WORDS = 45  # CLIP reads 77 tokens: keep the scene text and the template inside


@dataclass(frozen=True)
class VisualStyle:
    name: str
    label: str
    base_style: str
    prompt: str
    negative_prompt: str

    def apply(self, text: str) -> str:
        """The scene's prompt in this style's template."""
        words = text.split()[:MAX_PROMPT_WORDS]
        return self.prompt.replace("{prompt}", " ".join(words))


@cache
def visual_styles() -> dict[str, VisualStyle]:
    """Every visual style by name, in file order."""
    entries = json.loads(VISUAL_STYLES_FILE.read_text(encoding="utf-8"))
    return {e["name"]: VisualStyle(**e) for e in entries}


def generate_keyframes(
    texts: list[str],
    style: str,
    seed: int,
    ctx: RunContext,
    *,
    size: tuple[int, int],
    steps: int,
    progress_range: tuple[float, float] = (0.0, 100.0),
) -> list[Path]:
    """keyframe_01.png … in ctx.work_dir, one per text, through pipelines.sdxl."""
    from pipelines.sdxl.generate import GenerationRequest, generate

    visual = visual_styles()[style]
    low, high = progress_range
    span = (high - low) / max(1, len(texts))
    paths = []
    for index, text in enumerate(texts, start=1):
        folder = Path(ctx.work_dir) / f"keyframe-{index:02d}"
        folder.mkdir(exist_ok=True)
        start = low + span * (index - 1)
        stage = f"Keyframe {index}/{len(texts)}"
        scene_ctx = SubContext(ctx, folder, start, start + span, stage)
        request = GenerationRequest(
            prompt=visual.apply(text),
            style=visual.base_style,
            negative_prompt=visual.negative_prompt,
            width=size[0],
            height=size[1],
            steps=steps,
            seed=seed,
        )
        result = generate(request, scene_ctx)
        path = Path(ctx.work_dir) / f"keyframe_{index:02d}.png"
        shutil.move(str(result.outputs[0].path), path)
        shutil.rmtree(folder, ignore_errors=True)
        paths.append(path)
        _show(ctx, start + span, f"{stage} done", path)
    return paths


def _show(ctx: RunContext, percent: float, stage: str, path: Path) -> None:
    """Report the finished keyframe as the job's live preview."""
    from PIL import Image

    with Image.open(path) as image:
        image.load()
        ctx.progress(percent, stage, image)
