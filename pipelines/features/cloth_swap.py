"""Virtual try-on: put a garment photo on a person photo (the `cloth_swap` feature).

The classical try-on recipe, on models that ship in packages, runs on a CPU: mediapipe body
pose, person segmentation and face mesh; body parsing by colour models sampled where the pose
puts skin, hair, the worn top and the lower garment (parsing.py); the garment parsed from its
flat-lay photo (garment.py: outline by edge-aware flooding from the border, neckline,
shoulders, armpits, sleeves, hem; the inside back of the neckline cut away); the torso warped
by a thin-plate spline through matched key points and each sleeve along the arm bones (fit.py,
warp.py), sized by category (data/garment_categories.json); then the old top removed (skin or
inpainted background where the new garment does not cover), the person's shading carried over
and soft seams (composite.py). Only when SDXL inpainting weights are installed, a low-strength
inpaint of everything that changed makes the result photographic (refine.py).
"""

from __future__ import annotations

import io
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.declare import (
    MAX_UPLOAD_PIXELS,
    Feature,
    Field,
    Output,
    RunContext,
    RunResult,
)
from pipelines.errors import InputError

if TYPE_CHECKING:  # the registry imports this module in the web process: keep it light
    import numpy as np

log = logging.getLogger(__name__)

CATEGORIES = ("formal", "traditional", "western", "fitness", "casual")
GARMENT_TYPES = ("auto", "upper", "full-length")
# Bigger photos are analysed and warped at this size; only the final blend is at full size.
WORK_SIDE = 2048


def load_photo(value: Any, field: str) -> np.ndarray:
    """An upload (path, bytes or PIL image) as RGB uint8, upright per its EXIF orientation."""
    import numpy as np
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        if isinstance(value, Image.Image):
            image = value
        elif isinstance(value, bytes | bytearray):
            image = Image.open(io.BytesIO(value))
        elif isinstance(value, str | Path):
            image = Image.open(Path(value))
        else:
            raise InputError(field, "must be an uploaded image file")
        if image.width * image.height > MAX_UPLOAD_PIXELS:
            raise InputError(
                field, f"must be at most 40 megapixels, got {image.width}x{image.height}"
            )
        image = ImageOps.exif_transpose(image)  # phone photos are stored sideways with a tag
        rgb = np.asarray(image.convert("RGB"))
    except Image.DecompressionBombError:
        raise InputError(field, "has too many pixels") from None
    except InputError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise InputError(field, "is not an image PIL can read") from None
    if min(rgb.shape[:2]) < 64:
        raise InputError(
            field, f"must be at least 64 px on each side, got {rgb.shape[1]}x{rgb.shape[0]}"
        )
    return rgb


def _working_copy(photo: np.ndarray) -> np.ndarray:
    """The photo itself, or a copy at most WORK_SIDE px: models and masks need no more."""
    import cv2

    height, width = photo.shape[:2]
    factor = WORK_SIDE / max(height, width)
    if factor >= 1:
        return photo
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return cv2.resize(photo, size, interpolation=cv2.INTER_AREA)


def _resized_mask(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    import cv2
    import numpy as np

    if (mask.shape[1], mask.shape[0]) == size:
        return mask
    return cv2.resize(mask.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST).astype(bool)


def run(inputs: dict[str, Any], ctx: RunContext) -> RunResult:
    """Dress the person in the garment; writes result.png and alignment.png to ctx.work_dir."""
    import cv2
    from PIL import Image

    from pipelines.tryon import alignment, composite, fit, garment, parsing, person, refine, warp

    category = inputs.get("category") or "casual"
    garment_type = {"auto": "auto", "upper": "upper", "full-length": "full"}[
        inputs.get("garment_type") or "auto"
    ]
    preserve_face = bool(inputs.get("preserve_face", True))
    spec = fit.load_categories()[category]
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = round(now - clock, 3)
        clock = now

    # 1. Validate both uploads (content, limits, EXIF orientation)
    ctx.progress(0.0, "Reading photos")
    photo = load_photo(inputs.get("person"), "person")
    cloth = load_photo(inputs.get("cloth"), "cloth")
    height, width = photo.shape[:2]
    lap("load")

    # 2. Person: pose, person mask, face, and the parts (skin, hair, the garment worn now)
    ctx.progress(10.0, "Detecting pose")
    work_photo = _working_copy(photo)
    work_size = (work_photo.shape[1], work_photo.shape[0])
    body = person.detect_person(work_photo)
    parts = parsing.parse_body(work_photo, body)
    lap("person")

    # 3. Garment: cut-out and key points
    ctx.progress(30.0, "Cutting out the garment")
    item = garment.cut_out(cloth)
    lap("garment")

    # 4. Alignment: garment key points → body key points, thin-plate spline warp
    ctx.progress(45.0, "Aligning the garment to the pose")
    fitted = fit.fit_garment(body, item, category, garment_type)
    chest = fit.between_arms(body, -fit.ARM_RADIUS * fitted.shoulder_width)
    rgb, alpha, part, outline = warp.warp_garment(item, fitted, work_size, chest)
    lap("warp")

    # 5-6. Old garment removed, occlusion, shading and feathering; the face is left as it was
    ctx.progress(65.0, "Compositing")
    layer, alpha, work_alpha = composite.dress(
        work_photo, body, parts, rgb, alpha, part, fitted, float(spec["shading"]), preserve_face
    )
    if work_size != (width, height):
        layer = cv2.resize(layer, (width, height), interpolation=cv2.INTER_LINEAR)
        alpha = cv2.resize(alpha, (width, height), interpolation=cv2.INTER_LINEAR)
    result = composite.blend(photo, layer, alpha)
    lap("composite")

    # 7. Refinement: only with local SDXL inpainting weights (the GPU path; CPUs skip it)
    model_path = refine.find_inpainting_model(ctx.models_dir)
    if model_path is None:
        refinement = "skipped: no SDXL inpainting model installed"
    else:
        ctx.progress(75.0, "Refining the garment edges")
        face = _resized_mask(body.face_mask, (width, height))
        shoulders = fitted.shoulder_width * width / work_size[0]  # in full-size pixels
        garment_alpha = cv2.resize(work_alpha, (width, height), interpolation=cv2.INTER_LINEAR)
        band = refine.garment_region(garment_alpha, alpha, face, max(2, int(0.02 * shoulders)))
        result = refine.refine_edges(result, band, spec["prompt"], model_path, ctx.device)
        if preserve_face:
            result[face] = photo[face]
        refinement = f"applied: {model_path.name}"
    lap("refine")

    # 8. Outputs: the result at the photo's size and the alignment image
    ctx.progress(92.0, "Saving images")
    work = Path(ctx.work_dir)
    result_path, alignment_path = work / "result.png", work / "alignment.png"
    Image.fromarray(result).save(result_path, format="PNG", compress_level=4)
    debug = alignment.draw_alignment(work_photo, body, parts, item, fitted, work_alpha, outline)
    # A debugging aid: fast compression matters more than its size.
    Image.fromarray(debug).save(alignment_path, format="PNG", compress_level=1)
    lap("save")

    person_area = body.mask > 0.5
    metrics = {
        "workingSize": list(work_size),
        "device": ctx.device if model_path else "cpu",
        "category": category,
        "garmentType": "full-length" if fitted.kind == "full" else "upper",
        "length": fitted.length,
        "preserveFace": preserve_face,
        "refinement": refinement,
        "coverage": round(float((work_alpha > 0.5)[person_area].mean()), 4),
        "faceFound": body.face_box is not None,
        "stageSeconds": timings,
        "captions": {"result.png": "Result", "alignment.png": alignment.LEGEND},
    }
    log.info("cloth swap done %s", metrics)
    return RunResult(
        outputs=[
            Output("result.png", result_path, "image/png"),
            Output("alignment.png", alignment_path, "image/png"),
        ],
        metrics=metrics,
    )


FEATURE = Feature(
    id="cloth_swap",
    title="Cloth swap",
    slug="cloth-swap",
    description="Virtual try-on: dress the person in the garment, keeping pose and face.",
    fields=(
        Field("person", "image", "Person photo", required=True),
        Field("cloth", "image", "Garment photo", required=True),
        Field("category", "choice", "Category", default="casual", choices=CATEGORIES),
        Field("preserve_face", "bool", "Preserve face", default=True),
        Field(
            "garment_type",
            "choice",
            "Garment type",
            default="auto",
            choices=GARMENT_TYPES,
            help="auto reads it from the garment's shape; upper ends at the category's length, "
            "full-length (dresses, gowns, kurtas) goes to the knee or beyond.",
        ),
    ),
    output_kind="images",
    cost=lambda inputs: 3,
    cost_rule="3 credits",
    priority=10,  # cheap: taken before queued videos
    run=run,
)
