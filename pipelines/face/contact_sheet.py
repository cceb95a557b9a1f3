"""The contact sheet: the reference and every pose side by side, each with its identity score."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

TILE_HEIGHT = 384
CAPTION_HEIGHT = 64
MARGIN = 12
BACKGROUND = (245, 245, 242)
INK = (30, 30, 30)
PASS, FAIL, NEUTRAL = (20, 130, 60), (190, 40, 30), (110, 110, 110)


@dataclass(frozen=True)
class Tile:
    """One picture on the sheet and the two caption lines under it."""

    path: Path
    title: str
    score: str
    verdict: str = "neutral"  # pass | fail | neutral: the colour of the score line


def _font(size: int) -> Any:
    from PIL import ImageFont

    return ImageFont.load_default(size=size)


def write_contact_sheet(tiles: list[Tile], path: Path, columns: int = 6) -> Path:
    """A JPEG grid of tiles (scaled to one height) with captions; returns path."""
    from PIL import Image, ImageDraw

    pictures = []
    for tile in tiles:
        with Image.open(tile.path) as image:
            image = image.convert("RGB")
            width = round(image.width * TILE_HEIGHT / image.height)
            pictures.append(image.resize((width, TILE_HEIGHT), Image.Resampling.LANCZOS))
    columns = max(1, min(columns, len(pictures)))
    rows = [pictures[i : i + columns] for i in range(0, len(pictures), columns)]
    cell_width = max(p.width for p in pictures)
    sheet = Image.new(
        "RGB",
        (
            MARGIN + columns * (cell_width + MARGIN),
            MARGIN + len(rows) * (TILE_HEIGHT + CAPTION_HEIGHT + MARGIN),
        ),
        BACKGROUND,
    )
    draw = ImageDraw.Draw(sheet)
    title_font, score_font = _font(20), _font(18)
    colours = {"pass": PASS, "fail": FAIL, "neutral": NEUTRAL}
    for index, (tile, picture) in enumerate(zip(tiles, pictures, strict=True)):
        row, column = divmod(index, columns)
        x = MARGIN + column * (cell_width + MARGIN) + (cell_width - picture.width) // 2
        y = MARGIN + row * (TILE_HEIGHT + CAPTION_HEIGHT + MARGIN)
        sheet.paste(picture, (x, y))
        centre = MARGIN + column * (cell_width + MARGIN) + cell_width // 2
        draw.text((centre, y + TILE_HEIGHT + 6), tile.title, fill=INK, font=title_font, anchor="ma")
        draw.text(
            (centre, y + TILE_HEIGHT + 32),
            tile.score,
            fill=colours[tile.verdict],
            font=score_font,
            anchor="ma",
        )
    sheet.save(path, format="JPEG", quality=90)
    return path
