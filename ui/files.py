"""Job outputs as local files Gradio can serve (works for local and S3 storage)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from studio.models import Job
from studio.storage import get_storage

_ROOT = Path(tempfile.gettempdir()) / "ai-studio-ui"


def local_outputs(job: Job) -> list[str]:
    """Copy the job's outputs into a temp folder and return their paths."""
    folder = _ROOT / job.id
    folder.mkdir(parents=True, exist_ok=True)
    storage = get_storage()
    paths = []
    for output in job.outputs or []:
        path = folder / output["name"]
        if not path.exists():
            path.write_bytes(storage.get(output["key"]))
        paths.append(str(path))
    return paths


def local_preview(job: Job) -> str | None:
    """The job's latest preview image as a local file, if it has one."""
    if not job.preview:
        return None
    folder = _ROOT / job.id
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"preview-{int(job.progress)}.jpg"
    path.write_bytes(get_storage().get(job.preview))
    return str(path)


def local_input(key: str) -> str:
    """A job's stored input (e.g. a reference image) as a local file."""
    path = _ROOT / "inputs" / key.replace("/", "_")
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_bytes(get_storage().get(key))
    return str(path)
