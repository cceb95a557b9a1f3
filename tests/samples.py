"""Test media: real photos shipped in scikit-image and garments drawn on plain backgrounds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

# Known regions of the astronaut photo (512x512), found by eye, independent of the pipeline.
FACE_BOX = (175, 65, 275, 180)  # x0, y0, x1, y1
TORSO_BOX = (125, 300, 270, 470)
TEE_COLOUR = (30, 90, 200)
DRESS_COLOUR = (20, 140, 70)
JACKET_COLOUR = (60, 60, 70)


def skimage_photo(name: str) -> Path:
    import skimage

    return Path(skimage.__file__).parent / "data" / name


def draw_tshirt(path: Path, size: int = 600) -> Path:
    """A blue T-shirt with a knit texture and stripes, flat on a white background."""
    image = Image.new("RGB", (size, size), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    s = size / 600
    body = [(190, 110), (250, 90), (300, 120), (350, 90), (410, 110), (520, 200), (470, 260),
            (420, 220), (420, 540), (180, 540), (180, 220), (130, 260), (80, 200)]  # fmt: skip
    draw.polygon([(x * s, y * s) for x, y in body], fill=TEE_COLOUR)
    pixels = np.asarray(image).astype(np.int16)
    rng = np.random.default_rng(0)
    texture = rng.integers(-12, 13, pixels.shape[:2])[..., None]
    stripes = ((np.arange(size) // int(24 * s)) % 2 == 0)[:, None, None] * np.array([0, 25, 30])
    shirt = np.all(pixels == TEE_COLOUR, axis=-1)[..., None]
    pixels = np.where(shirt, pixels + texture + stripes, pixels)
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(path)
    return path


def draw_dress(path: Path) -> Path:
    """A long green sleeveless dress with a flared skirt, on a light grey background."""
    image = Image.new("RGB", (400, 900), (215, 215, 218))
    draw = ImageDraw.Draw(image)
    outline = [(150, 60), (180, 50), (200, 80), (220, 50), (250, 60), (265, 300), (330, 860),
               (70, 860), (135, 300)]  # fmt: skip
    draw.polygon(outline, fill=DRESS_COLOUR)
    for y in range(320, 860, 40):  # pleats
        draw.line([(200, y - 20), (120 - (y - 300) // 12, y + 20)], fill=(10, 110, 50), width=4)
    image.save(path)
    return path


def draw_jacket(path: Path) -> Path:
    """A patterned jacket with long sleeves angled away from the body, on white."""
    image = Image.new("RGB", (700, 700), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    shape = [(250, 90), (320, 80), (350, 150), (380, 80), (450, 90), (560, 200), (660, 560),
             (600, 585), (480, 300), (480, 620), (220, 620), (220, 300), (100, 585), (40, 560),
             (140, 200)]  # fmt: skip
    draw.polygon(shape, fill=JACKET_COLOUR)
    for x in range(0, 700, 30):  # a check pattern
        draw.line([(x, 0), (x, 700)], fill=(120, 40, 40), width=3)
        draw.line([(0, x), (700, x)], fill=(120, 40, 40), width=3)
    mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(mask).polygon(shape, fill=255)
    Image.composite(image, Image.new("RGB", image.size, (255, 255, 255)), mask).save(path)
    return path
