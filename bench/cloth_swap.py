"""CPU time per stage of the cloth swap at 1024 px (target: 3 s in all), and a contact sheet.

    .venv/bin/python bench/cloth_swap.py [--runs 3] [--size 1024] [--sheet out.png]

The person photos are the catalogue models in ../shared/testdata/tryon (2 people x 4
garments) when that folder exists, else skimage's astronaut with the drawn test T-shirt.
Each person photo is scaled so its long side is --size px. The first run includes loading the
mediapipe models; the figures printed are the medians of the later runs. --sheet writes the
results (person | garment | result | alignment per pair) as one PNG to look at.
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
TRYON_PHOTOS = ROOT.parent / "shared" / "testdata" / "tryon"


class Context:
    """The smallest RunContext: a work folder and a progress sink."""

    def __init__(self, work_dir: Path):
        self.work_dir = work_dir
        self.models_dir = work_dir / "models"
        self.model_preset = "tiny"
        self.device = "cpu"

    def progress(self, percent: float, stage: str, preview: object = None) -> None:
        """Progress is not timed here."""


def pairs(folder: Path, size: int) -> list[tuple[str, Path, Path]]:
    """(label, person photo at `size` px, garment photo) for every pair to run."""
    from PIL import Image

    from tests.samples import draw_tshirt, skimage_photo

    people = sorted(TRYON_PHOTOS.glob("human-*.jpg"))
    cloths = sorted(TRYON_PHOTOS.glob("cloth-*.jpg"))
    if not people or not cloths:
        people, cloths = [skimage_photo("astronaut.png")], [draw_tshirt(folder / "tshirt.png")]
    found = []
    for person in people:
        image = Image.open(person).convert("RGB")
        factor = size / max(image.size)
        scaled = folder / f"{person.stem}-{size}.png"
        image.resize(
            (round(image.width * factor), round(image.height * factor)), Image.Resampling.LANCZOS
        ).save(scaled)
        for cloth in cloths:
            found.append((f"{person.stem} + {cloth.stem}", scaled, cloth))
    return found


def contact_sheet(rows: list[tuple[str, Path, Path, Path, Path]], path: Path) -> None:
    """One row per pair: person, garment, result, alignment, each 256 px high, labelled."""
    from PIL import Image, ImageDraw

    cell = 256
    sheet = Image.new("RGB", (4 * cell, len(rows) * (cell + 14)), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    for index, (label, *images) in enumerate(rows):
        top = index * (cell + 14)
        draw.text((4, top), label, fill=(0, 0, 0))
        for column, image_path in enumerate(images):
            image = Image.open(image_path).convert("RGB")
            image.thumbnail((cell, cell), Image.Resampling.LANCZOS)
            sheet.paste(image, (column * cell + (cell - image.width) // 2, top + 14))
    sheet.save(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--category", default="casual")
    parser.add_argument("--sheet", type=Path, help="write a contact sheet of all pairs here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    from pipelines.features.cloth_swap import run

    out = sys.stdout
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        todo = pairs(folder, args.size)
        timed: list[tuple[float, float, dict]] = []
        sheet_rows = []
        first_wall = None
        for label, person, cloth in todo:
            inputs = {"person": person, "cloth": cloth, "category": args.category}
            for index in range(args.runs + (1 if first_wall is None else 0)):
                work = folder / f"{person.stem}-{cloth.stem}-{index}"
                work.mkdir()
                start, wall = time.process_time(), time.perf_counter()
                result = run(inputs, Context(work))
                cpu, wall = time.process_time() - start, time.perf_counter() - wall
                if first_wall is None:
                    first_wall = wall
                    continue
                timed.append((cpu, wall, result.metrics))
            files = {o.name: o.path for o in result.outputs}
            sheet_rows.append((label, person, cloth, files["result.png"], files["alignment.png"]))
            out.write(f"{label}: coverage {result.metrics['coverage']:.2f}\n")

        stages = timed[0][2]["stageSeconds"]
        out.write(f"cloth swap, {len(todo)} pairs, person photos at {args.size} px, ")
        out.write(f"{args.category}\nfirst run (loads models): {first_wall:.2f} s wall\n")
        out.write(f"median of {len(timed)} runs, wall seconds per stage:\n")
        for stage in stages:
            seconds = statistics.median(r[2]["stageSeconds"][stage] for r in timed)
            out.write(f"  {stage:10} {seconds:6.3f}\n")
        wall = statistics.median(r[1] for r in timed)
        cpu = statistics.median(r[0] for r in timed)
        verdict = "within" if wall <= TARGET_SECONDS else "OVER"
        out.write(
            f"  {'total':10} {wall:6.3f} s wall, {cpu:.3f} s CPU (all threads): "
            f"{verdict} the {TARGET_SECONDS:.0f} s target ({wall / TARGET_SECONDS:.2f} of it)\n"
        )
        out.write(f"refinement: {timed[0][2]['refinement']}\n")
        if args.sheet:
            contact_sheet(sheet_rows, args.sheet)
            out.write(f"contact sheet: {args.sheet}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
