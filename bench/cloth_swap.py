"""CPU time per stage of the cloth swap for a 1024-px person photo (target: 3 s in all).

    .venv/bin/python bench/cloth_swap.py [--runs 3] [--size 1024]

The person is skimage's astronaut upscaled; the garment is the test T-shirt. The first run
includes loading the mediapipe models; the figures printed are the median of the later runs.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 3.0


class Context:
    """The smallest RunContext: a work folder and a progress sink."""

    def __init__(self, work_dir: Path):
        self.work_dir = work_dir
        self.models_dir = work_dir / "models"
        self.model_preset = "tiny"
        self.device = "cpu"

    def progress(self, percent: float, stage: str, preview: object = None) -> None:
        """Progress is not timed here."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--category", default="casual")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    from PIL import Image
    from tests.pipelines.test_cloth_swap import draw_tshirt, skimage_photo

    from pipelines.features.cloth_swap import run

    out = sys.stdout
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        person = folder / "person.png"
        astronaut = Image.open(skimage_photo("astronaut.png")).convert("RGB")
        astronaut.resize((args.size, args.size), Image.Resampling.LANCZOS).save(person)
        cloth = draw_tshirt(folder / "tshirt.png")
        inputs = {"person": person, "cloth": cloth, "category": args.category}

        runs = []
        for index in range(args.runs + 1):
            work = folder / f"run{index}"
            work.mkdir()
            start = time.process_time()
            wall = time.perf_counter()
            result = run(inputs, Context(work))
            runs.append((time.process_time() - start, time.perf_counter() - wall, result.metrics))
        first_cpu, first_wall, _ = runs[0]
        later = runs[1:] or runs
        stages = later[0][2]["stageSeconds"]
        out.write(f"cloth swap, {args.size}x{args.size} person photo, {args.category}\n")
        out.write(f"first run (loads models): {first_wall:.2f} s wall, {first_cpu:.2f} s CPU\n")
        out.write(f"median of {len(later)} later runs, wall seconds per stage:\n")
        for stage in stages:
            seconds = statistics.median(r[2]["stageSeconds"][stage] for r in later)
            out.write(f"  {stage:10} {seconds:6.3f}\n")
        wall = statistics.median(r[1] for r in later)
        cpu = statistics.median(r[0] for r in later)
        verdict = "within" if wall <= TARGET_SECONDS else "OVER"
        out.write(
            f"  {'total':10} {wall:6.3f} s wall, {cpu:.3f} s CPU (all threads): "
            f"{verdict} the {TARGET_SECONDS:.0f} s target\n"
        )
        out.write(f"refinement: {later[0][2]['refinement']}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
