"""Seconds per stage of an AI influencer set on the tiny model, and the identity lock at 1024 px.

    .venv/bin/python bench/influencer.py [--poses 5] [--long-side 1216] [--runs 5] [--sheet out.png]

1. A set of --poses poses on the tiny model with skimage's astronaut as the reference face:
   seconds in generation (SDXL + tiny ControlNet), identity lock and identity scoring, from
   the job's own metrics. --long-side 1216 is the real output size (about a minute per pose
   on a CPU with the tiny model); the default 512 keeps the bench quick.
2. The identity lock alone per pose at 1024 px (target <= 0.5 s on a CPU), both ways:
   "landmarks" (Hopper's face onto photos of people: the astronaut and, when present, the
   catalogue models in ../shared/testdata/tryon) and "skeleton" (onto a 1024 px tiny-model
   canvas by each pose's eye key points). Medians of --runs runs, after one warm-up.
--sheet saves the landmark results side by side to look at, and the set's contact sheet
beside it (<name>-set.jpg).
"""

from __future__ import annotations

import argparse
import logging
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_LOCK_SECONDS = 0.5
TRYON_PHOTOS = ROOT.parent / "shared" / "testdata" / "tryon"


def say(line: str) -> None:
    """One line of the report on stdout (a bench prints; the studio logs)."""
    sys.stdout.write(line + "\n")


class Context:
    """The smallest RunContext: a work folder and a progress sink."""

    def __init__(self, work_dir: Path, models_dir: Path):
        self.work_dir = work_dir
        self.models_dir = models_dir
        self.model_preset = "tiny"
        self.device = "cpu"

    def progress(self, percent: float, stage: str, preview: object = None) -> None:
        """Progress is not timed here."""


def _scaled(image, long_side: int):
    from PIL import Image

    factor = long_side / max(image.size)
    size = (round(image.width * factor), round(image.height * factor))
    return image.resize(size, Image.Resampling.LANCZOS)


def bench_set(poses: int, long_side: int, folder: Path, sheet: Path | None) -> dict:
    from pipelines.features.influencer_creation import FEATURE, create_set
    from tests.samples import skimage_photo

    work = folder / "set"
    work.mkdir()
    inputs = FEATURE.validate(
        {
            "gender": "female",
            "ethnicity": "asian",
            "ageRange": "26-35",
            "style": "professional",
            "poses": poses,
            "seed": 1,
            "referenceFace": skimage_photo("astronaut.png").read_bytes(),
        }
    )
    ctx = Context(work, folder / "models")
    # Warm-up: builds the tiny models and loads them, outside the timed run.
    create_set(inputs | {"poses": 1}, ctx, long_side=long_side, retries=0)
    for path in work.iterdir():
        path.unlink()
    started = time.perf_counter()
    result = create_set(inputs, ctx, long_side=long_side)
    total = time.perf_counter() - started
    if sheet:
        copy = sheet.with_name(f"{sheet.stem}-set.jpg")
        shutil.copyfile(work / "contact-sheet.jpg", copy)
        say(f"set contact sheet: {copy}")
    return result.metrics | {"total": total}


def bench_lock(runs: int, sheet: Path | None) -> None:
    import matplotlib
    import numpy as np
    from PIL import Image

    from pipelines.face import embedding, landmarks, transfer
    from pipelines.face.poses import pick
    from tests.samples import skimage_photo

    hopper = Image.open(Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg")
    reference = transfer.prepare(hopper.convert("RGB"))
    hopper_vector = embedding.embed(reference.pixels, reference.face)
    targets = [skimage_photo("astronaut.png"), *sorted(TRYON_PHOTOS.glob("human-*.jpg"))]
    say(f"\nidentity lock at 1024 px, landmarks (Hopper onto {len(targets)} photos):")
    results = []
    for path in targets:
        target = _scaled(Image.open(path).convert("RGB"), 1024)
        face = landmarks.detect(target)
        if face is None:
            say(f"  {path.name}: no face found, skipped")
            continue
        original = embedding.embed(target, face)
        seconds = []
        for _ in range(runs + 1):
            started = time.perf_counter()
            locked, method = transfer.lock_identity(reference, target)
            seconds.append(time.perf_counter() - started)
        vector = embedding.embed(locked)
        to_hopper = (
            embedding.distance(vector, hopper_vector) if vector is not None else float("nan")
        )
        to_self = embedding.distance(vector, original) if vector is not None else float("nan")
        median = statistics.median(seconds[1:])
        say(
            f"  {path.name:24s} {method:9s} {median:.3f} s ({median / TARGET_LOCK_SECONDS:.2f} "
            f"of target)  distance to Hopper {to_hopper:.2f}, to the original {to_self:.2f}"
        )
        results.append((target, locked))
    if sheet and results:
        height = 512
        tiles = [_scaled(image, height) for pair in results for image in pair]
        canvas = Image.new("RGB", (sum(t.width for t in tiles), height), "white")
        x = 0
        for tile in tiles:
            canvas.paste(tile, (x, 0))
            x += tile.width
        canvas.save(sheet)
        say(f"  sheet: {sheet}")

    say("\nidentity lock at 1024 px, skeleton (astronaut onto a noise canvas by eye key points):")
    astronaut = transfer.prepare(Image.open(skimage_photo("astronaut.png")).convert("RGB"))
    rng = np.random.default_rng(0)
    for pose in pick(9):
        width, height = pose.size()
        factor = 1024 / max(width, height)
        size = (round(width * factor), round(height * factor))
        coarse = rng.normal(128, 40, (size[1] // 16, size[0] // 16, 3)).clip(0, 255)
        canvas = Image.fromarray(coarse.astype(np.uint8)).resize(size, Image.Resampling.BICUBIC)
        seconds = []
        for _ in range(runs + 1):
            started = time.perf_counter()
            near = pose.head_box(size)  # as in a set drawn with a ControlNet
            locked, method = transfer.lock_identity(astronaut, canvas, pose.eyes(size), near)
            seconds.append(time.perf_counter() - started)
        started = time.perf_counter()
        vector = embedding.embed(locked, landmarks.detect(locked, near))
        scoring = time.perf_counter() - started
        distance = embedding.distance(vector, embedding.embed(astronaut.pixels, astronaut.face))
        median = statistics.median(seconds[1:])
        say(
            f"  {pose.name:14s} {method:9s} {median:.3f} s ({median / TARGET_LOCK_SECONDS:.2f} of "
            f"target)  scoring {scoring:.3f} s  distance {distance:.2f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--poses", type=int, default=5)
    parser.add_argument("--long-side", type=int, default=512)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sheet", type=Path)
    parser.add_argument("--skip-set", action="store_true", help="only the identity lock")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    if not args.skip_set:
        with tempfile.TemporaryDirectory() as folder:
            metrics = bench_set(args.poses, args.long_side, Path(folder), args.sheet)
        stages = {
            "generation": metrics["generationSeconds"],
            "identity lock": metrics["identityLockSeconds"],
            "identity scoring": metrics["scoringSeconds"],
        }
        say(f"set of {args.poses} poses at {args.long_side} px on the tiny model:")
        for name, seconds in stages.items():
            share = seconds / metrics["total"]
            per_pose = seconds / args.poses
            say(f"  {name:17s} {seconds:7.2f} s  ({per_pose:.3f} s a pose, {share:.1%})")
        say(f"  {'total':17s} {metrics['total']:7.2f} s")
        methods = sorted(set(metrics["methods"].values()))
        say(
            f"  kept {metrics['posesKept']}/{metrics['posesRequested']}, "
            f"max distance {metrics['maxDistance']}, methods {methods}"
        )
    bench_lock(args.runs, args.sheet)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
