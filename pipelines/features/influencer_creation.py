"""One believable person across a set of poses, with proof (the `influencer_creation` feature).

The recipe, on the face engine (pipelines/face/) and SDXL (pipelines/sdxl/):
1. persona: demographics + style → one prompt template, one seed, one appearance (hair,
   eyes, wardrobe, setting) for the whole set; a portrait → the reference face (or the upload)
2. poses: picked from the pose library, drawn as OpenPose skeletons; SDXL + ControlNet
   OpenPose when installed (the tiny one on the test model), else the pose said in the prompt
3. identity lock: the reference face put onto every pose classically (face-mesh warp, colour
   match, Poisson blend; placed by the skeleton's eyes where no face was drawn)
4. identity score: dlib's 128-D embedding of every result against the reference; a pose
   over the threshold is re-rolled with a new seed, then dropped
5. outputs: one PNG per pose (recipe chunks + an `identity` chunk), persona.json,
   contact-sheet.jpg with every score under its picture
"""

from __future__ import annotations

import io
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.declare import Feature, Field, Output, RunContext, RunResult
from pipelines.errors import PipelineError
from pipelines.face import personas
from pipelines.face.embedding import SAME_PERSON
from pipelines.face.poses import Pose, load_poses

log = logging.getLogger(__name__)

RETRIES = 2  # re-rolls per pose (and for the persona portrait) before giving up on it
PERSONA_STAGE = (0.0, 10.0)
POSES_STAGE = (10.0, 95.0)
SEED_STRIDE = 7919  # a re-roll's seed: far from the set's seed, still reproducible from it
NEGATIVE = personas.load_templates()["negative_prompt"]
PORTRAIT_WORDS = "close-up portrait, looking straight at the camera, neutral expression"


@dataclass
class ScaledContext:
    """A RunContext that maps a sub-step's 0–100 % into a slice of the job's progress."""

    ctx: RunContext
    low: float
    high: float
    prefix: str

    def __getattr__(self, name: str) -> Any:  # work_dir, models_dir, model_preset, device, …
        return getattr(self.ctx, name)

    def progress(self, percent: float, stage: str, preview: Any = None) -> None:
        share = min(max(percent, 0.0), 100.0) / 100.0
        percent = self.low + (self.high - self.low) * share
        self.ctx.progress(percent, f"{self.prefix}{stage}", preview)


def frame_size(pose: Pose, long_side: int | None) -> tuple[int, int]:
    """The pose's SDXL size, or scaled to long_side (multiples of 8) for quick runs."""
    width, height = pose.size()
    if long_side is None:
        return width, height
    scale = long_side / max(width, height)
    return max(64, round(width * scale / 8) * 8), max(64, round(height * scale / 8) * 8)


def run(inputs: dict[str, Any], ctx: RunContext) -> RunResult:
    """pose-NN-<name>.png per pose, reference.png, persona.json and contact-sheet.jpg."""
    return create_set(inputs, ctx)


def create_set(
    inputs: dict[str, Any],
    ctx: RunContext,
    *,
    long_side: int | None = None,
    threshold: float = SAME_PERSON,
    retries: int = RETRIES,
    steps: int | None = None,
) -> RunResult:
    """The recipe; tests pass a smaller long_side (the tiny model is slow at 1216 px)."""
    from pipelines.face import embedding, landmarks, transfer
    from pipelines.face.poses import pick
    from pipelines.sdxl import controlnet
    from pipelines.sdxl.generate import seed_list
    from pipelines.sdxl.weights import resolve_model

    work = Path(ctx.work_dir)
    seed = seed_list(inputs.get("seed"), 1)[0]
    persona = personas.build_persona(
        inputs["gender"],
        inputs["ethnicity"],
        inputs["age_range"],
        inputs["style"],
        seed,
        inputs.get("look") or "",
    )
    model = resolve_model(ctx.model_preset, ctx.models_dir)
    steps = steps or model.steps
    sdxl_style = personas.load_styles()[persona.style].sdxl_style
    controlnet_path = controlnet.find_openpose(ctx.model_preset, ctx.models_dir)
    timings = {"generation": 0.0, "identityLock": 0.0, "scoring": 0.0}

    def draw(pose: Pose, pose_seed: int, name: str, sub: ScaledContext) -> Path:
        """One SDXL image of the persona in this pose; returns its PNG (with recipe chunks)."""
        from pipelines.face.poses import draw_skeleton
        from pipelines.sdxl.generate import GenerationRequest, generate

        size = frame_size(pose, long_side)
        request = GenerationRequest(
            prompt=persona.prompt(pose.prompt),
            style=sdxl_style,
            negative_prompt=NEGATIVE,
            width=size[0],
            height=size[1],
            steps=steps,
            seed=pose_seed,
            name=name,
        )
        started = time.perf_counter()
        if controlnet_path is not None:
            skeleton = draw_skeleton(pose, size)
            result = controlnet.generate_posed(request, skeleton, controlnet_path, sub)
        else:
            result = generate(request, sub)
        timings["generation"] += time.perf_counter() - started
        return result.outputs[0].path

    # 1. Persona and its reference face.
    low, high = PERSONA_STAGE
    ctx.progress(low, "Persona")
    if inputs.get("reference_face"):
        reference_path = work / "reference.png"
        upload = _upright(inputs["reference_face"])
        upload.save(reference_path)
        reference = transfer.prepare(upload)
        source = "upload"
        if reference is None:
            raise PipelineError(
                "referenceFace: no face was found in the uploaded photo. Use a clear, "
                "front-facing photo where the face is at least 80 px wide."
            )
    else:
        source = "generated"
        reference, reference_path = None, work / "reference.png"
        portrait = load_poses()["close-up"]
        # The tiny model draws noise, never a face: one try shows that, re-rolls only cost time.
        portrait_tries = 1 if model.is_tiny else retries + 1
        for attempt in range(portrait_tries):
            sub = ScaledContext(ctx, low, high, f"Persona portrait (try {attempt + 1}): ")
            drawn = draw(portrait, (seed + attempt * SEED_STRIDE) % 2**32, "portrait", sub)
            reference = transfer.prepare(_open(drawn))
            if reference is not None:
                drawn.replace(reference_path)
                break
            drawn.unlink(missing_ok=True)
        if reference is None:
            raise PipelineError(
                "The model drew no detectable face for the persona portrait "
                f"({portrait_tries} {'try' if portrait_tries == 1 else 'tries'}). Upload a "
                "referenceFace photo to use that face, or install real SDXL weights (the tiny "
                "test model draws noise)."
            )
    reference_embedding = embedding.embed(reference.pixels, reference.face)

    # 2–4. Every pose: draw it, lock the identity, score it, re-roll or drop.
    chosen = pick(int(inputs["poses"]))
    records: list[dict[str, Any]] = []
    outputs: list[Output] = []
    low, high = POSES_STAGE
    per_pose = (high - low) / len(chosen)
    for index, pose in enumerate(chosen, start=1):
        start = low + per_pose * (index - 1)
        label = f"Pose {index}/{len(chosen)} ({pose.label})"
        ctx.progress(start, label)  # raises when the job was cancelled: let it propagate
        record: dict[str, Any] = {"index": index, "pose": pose.name, "label": pose.label}
        for attempt in range(retries + 1):
            pose_seed = (seed + attempt * SEED_STRIDE) % 2**32
            tries = f" try {attempt + 1}" if attempt else ""
            begin, end = (start + per_pose * _share(k, retries) for k in (attempt, attempt + 1))
            sub = ScaledContext(ctx, begin, end, f"{label}{tries}: ")
            drawn = draw(pose, pose_seed, f"raw-{index:02d}", sub)
            ctx.progress(end, f"{label}: identity lock")
            image = _open(drawn)
            # With a ControlNet the head is where the skeleton put it: small faces are looked
            # for there (without one, anywhere: slower, but a face elsewhere is still found).
            near = pose.head_box(image.size) if controlnet_path else None
            started = time.perf_counter()
            if pose.facing == "back":  # no face to lock or score: kept as drawn
                locked, method = image, "back-facing"
            else:
                eyes = pose.eyes(image.size)
                locked, method = transfer.lock_identity(reference, image, eyes, near)
            timings["identityLock"] += time.perf_counter() - started
            started = time.perf_counter()
            face = None
            if method != "back-facing":
                face = landmarks.detect(locked, near)
            vector = embedding.embed(locked, face) if face is not None else None
            distance = None if vector is None else embedding.distance(vector, reference_embedding)
            timings["scoring"] += time.perf_counter() - started
            record |= {
                "seed": pose_seed,
                "attempts": attempt + 1,
                "method": method,
                "distance": None if distance is None else round(distance, 4),
                "faceBox": list(face.box) if face is not None else None,
                "width": image.width,
                "height": image.height,
            }
            kept = method == "back-facing" or (distance is not None and distance <= threshold)
            if kept:
                path = work / f"pose-{index:02d}-{pose.name}.png"
                _save_locked(locked, drawn, path, record, threshold)
                drawn.unlink(missing_ok=True)
                record |= {"kept": True, "file": path.name, "caption": _caption(record)}
                outputs.append(Output(path.name, path, "image/png"))
                break
            drawn.unlink(missing_ok=True)
            log.info("pose %s try %d: distance %s, method %s", pose.name, attempt + 1,
                     distance, method)  # fmt: skip
        else:
            record |= {"kept": False, "file": None, "caption": f"{pose.label}: dropped"}
        records.append(record)

    kept = [r for r in records if r["kept"]]
    dropped = [r["pose"] for r in records if not r["kept"]]
    if not kept:
        raise PipelineError(
            f"No pose kept the persona's face within the identity threshold ({threshold:g}) "
            f"after {retries + 1} tries each. Try another referenceFace photo (front-facing, "
            "well lit) or fewer, simpler poses."
        )

    # 5. The persona card and the contact sheet.
    ctx.progress(POSES_STAGE[1], "Contact sheet")
    scored = [r["distance"] for r in kept if r["distance"] is not None]
    card = {
        "persona": persona.card(),
        "reference": {"source": source, "file": reference_path.name},
        "identityThreshold": threshold,
        "embedding": "dlib ResNet 128-D (face-recognition-models)",
        "controlnet": controlnet_path.name if controlnet_path else None,
        "model": ctx.model_preset,
        "poses": records,
        "dropped": dropped,
    }
    (work / "persona.json").write_text(json.dumps(card, indent=2), encoding="utf-8")
    sheet = _contact_sheet(reference_path, source, records, threshold, work / "contact-sheet.jpg")
    outputs = [
        *outputs,
        Output("reference.png", reference_path, "image/png"),
        Output("contact-sheet.jpg", sheet, "image/jpeg"),
        Output("persona.json", work / "persona.json", "application/json"),
    ]
    metrics = {
        "poses": records,
        "posesRequested": len(chosen),
        "posesKept": len(kept),
        "dropped": dropped,
        "identityThreshold": threshold,
        "maxDistance": max(scored) if scored else None,
        "meanDistance": round(sum(scored) / len(scored), 4) if scored else None,
        "methods": {r["pose"]: r["method"] for r in records},
        # Shown under each picture in the studio's gallery: the pose and its identity score.
        "captions": {r["file"]: r["caption"] for r in records if r.get("file")},
        "referenceSource": source,
        "controlnet": card["controlnet"],
        "seed": seed,
        "appearance": persona.appearance,
        "generationSeconds": round(timings["generation"], 2),
        "identityLockSeconds": round(timings["identityLock"], 3),
        "scoringSeconds": round(timings["scoring"], 3),
    }
    if dropped:
        metrics["notice"] = (
            f"{len(dropped)} of {len(chosen)} poses were dropped: the face drifted past "
            f"{threshold:g} after {retries + 1} tries ({', '.join(dropped)})."
        )
    ctx.progress(100.0, "Done")
    log.info("influencer set: %s kept of %s, max distance %s", len(kept), len(chosen),
             metrics["maxDistance"])  # fmt: skip
    return RunResult(outputs=outputs, metrics=metrics)


def _share(attempt: int, retries: int) -> float:
    """Where attempt number `attempt` starts in a pose's slice of progress (monotonic):
    the first try gets most of it, re-rolls the rest, 10 % stays for the last lock."""
    if attempt == 0:
        return 0.0
    if retries == 0:
        return 0.9
    return 0.7 + 0.2 * (attempt - 1) / retries


def _upright(upload: Any) -> Any:
    """An upload (bytes when validated, a path when the worker fetched it) as upright RGB."""
    from PIL import Image, ImageOps

    if isinstance(upload, Image.Image):
        return ImageOps.exif_transpose(upload).convert("RGB")
    source = io.BytesIO(upload) if isinstance(upload, bytes | bytearray) else Path(upload)
    with Image.open(source) as image:
        return ImageOps.exif_transpose(image).convert("RGB")


def _open(path: Path) -> Any:
    from PIL import Image

    with Image.open(path) as image:
        return image.convert("RGB")


def _caption(record: dict[str, Any]) -> str:
    if record["method"] == "back-facing":
        return f"{record['label']}: back to camera (not scored)"
    return f"{record['label']}: identity distance {record['distance']:.2f}"


def _save_locked(
    image: Any, drawn: Path, path: Path, record: dict[str, Any], threshold: float
) -> None:
    """The locked image with the drawn PNG's recipe chunks, plus an `identity` chunk."""
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    with Image.open(drawn) as original:
        for key, value in original.text.items():
            info.add_text(key, value)
    identity = {k: record[k] for k in ("pose", "method", "distance", "seed", "attempts")}
    info.add_text("identity", json.dumps(identity | {"threshold": threshold}))
    image.save(path, format="PNG", pnginfo=info)


def _contact_sheet(
    reference: Path, source: str, records: list[dict[str, Any]], threshold: float, path: Path
) -> Path:
    from pipelines.face.contact_sheet import Tile, write_contact_sheet

    origin = "uploaded face" if source == "upload" else "generated portrait"
    tiles = [Tile(reference, "Reference", f"{origin}; same person < {threshold:g}")]
    for record in records:
        if not record["kept"]:
            continue
        if record["distance"] is None:
            tiles.append(Tile(path.parent / record["file"], record["label"], "not scored"))
            continue
        verdict = "pass" if record["distance"] <= threshold else "fail"
        score = f"distance {record['distance']:.2f} ({record['method']})"
        tiles.append(Tile(path.parent / record["file"], record["label"], score, verdict))
    return write_contact_sheet(tiles, path)


def _choices(group: str) -> dict[str, Any]:
    values, labels = personas.choices(group)
    return {"choices": values, "labels": labels}


FEATURE = Feature(
    id="influencer_creation",
    title="AI influencer",
    slug="influencer-creation",
    description=(
        "One believable person across a set of poses: same face, hair and wardrobe, "
        "with a measured identity score on every image."
    ),
    fields=(
        Field("gender", "choice", "Gender", default="female", **_choices("genders")),
        Field("ethnicity", "choice", "Ethnicity", default="any", **_choices("ethnicities")),
        Field("age_range", "choice", "Age range", default="26-35", **_choices("age_ranges")),
        Field.options(
            "style",
            "Style",
            personas.load_styles(),
            default="professional",
        ),
        Field(
            "poses",
            "int",
            "Number of poses",
            default=5,
            minimum=1,
            maximum=len(load_poses()),
            help="Close-up, three-quarter, standing, seated, walking, … in that order.",
        ),
        Field(
            "look",
            "text",
            "Look and setting (optional)",
            default="",
            max_length=500,
            placeholder="e.g. freckles, red scarf, autumn park",
            help="Added to every pose, so the whole set shares it.",
        ),
        Field.seed("One seed for the whole set; empty picks a new persona."),
        Field(
            "reference_face",
            "image",
            "Reference face (optional)",
            help="Use this face: every pose gets this person's identity.",
        ),
    ),
    output_kind="images",
    cost=lambda inputs: 5,
    cost_rule="5 credits per set",
    priority=10,  # cheap: taken before queued videos
    run=run,
    test_model_defaults={"poses": 1},  # the tiny model takes about a minute per 832x1216 pose
)
