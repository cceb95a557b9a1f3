"""Job files as local copies Gradio can serve (works for local and S3 storage)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from studio.models import Job
from studio.storage import get_storage

_ROOT = Path(tempfile.gettempdir()) / "ai-studio-ui"


def _copy(key: str, path: Path, *, refresh: bool = False) -> str:
    """Write storage's bytes to `path` whole (temp file + rename), once unless `refresh`:
    two viewers of the same job never see half a file."""
    if refresh or not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "wb") as handle:
            handle.write(get_storage().get(key))
        os.replace(tmp, path)
    return str(path)


def local_outputs(job: Job) -> list[str]:
    """The job's outputs as local files, in order."""
    return [_copy(o["key"], _ROOT / job.id / o["name"]) for o in kept(job)]


PICTURES = (".png", ".jpg", ".jpeg", ".webp")


def kept(job: Job) -> list[dict]:
    """The job's outputs still stored (the retention sweeper deletes old ones' files)."""
    return [o for o in job.outputs or [] if not o.get("expired")]


def local_cover(job: Job) -> tuple[str | None, str | None]:
    """(first picture, video) of a finished job as local files: only those two are copied,
    not every output (a History page shows one per card)."""
    outputs = kept(job)
    video = next((o for o in outputs if o["name"].endswith(".mp4")), None)
    picture = None if video else next((o for o in outputs if o["name"].endswith(PICTURES)), None)
    return (
        _copy(picture["key"], _ROOT / job.id / picture["name"]) if picture else None,
        _copy(video["key"], _ROOT / job.id / video["name"]) if video else None,
    )


def gallery_items(paths: list[str], metrics: dict | None) -> list[tuple[str, str | None]]:
    """The pictures among a job's files, each with the caption its run gave it (the
    `captions` metric: file name → text, e.g. a pose and its identity score)."""
    captions = (metrics or {}).get("captions") or {}
    pictures = [p for p in paths if p.endswith(PICTURES)]
    return [(p, captions.get(Path(p).name)) for p in pictures]


def local_preview(job: Job) -> str | None:
    """The job's latest preview image as a local file, if it has one."""
    if not job.preview:
        return None
    return _copy(job.preview, _ROOT / job.id / f"preview-{int(job.progress)}.jpg", refresh=True)


def local_input(key: str) -> str:
    """A job's stored input (e.g. a reference image) as a local file."""
    return _copy(key, _ROOT / "inputs" / key.replace("/", "_"))
