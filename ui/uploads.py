"""Which files reach a job from the Gradio side: only what Gradio received as an upload.

Gradio copies any path named in a FileData argument into its cache unless its own
path check runs, and that check is skipped for an app that was mounted rather than
launched (see `mark_launched`). Whatever Gradio does, a handler reads a file only
when its path is one Gradio recorded at `/gradio_api/upload`; any other path gets the
same answer whether it exists or not, and is never opened.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import gradio as gr
from gradio.context import LocalContext

from studio.errors import ValidationFailed

logger = logging.getLogger(__name__)

NOT_UPLOADED = "must be a file uploaded to this studio (gradio_client.handle_file)"


def _uploads() -> set[str]:
    """What /gradio_api/upload recorded for the Blocks serving this request (empty outside
    a request: nothing is trusted then)."""
    blocks = LocalContext.blocks.get(None)
    return getattr(blocks, "upload_file_set", set())


def mark_launched(blocks: gr.Blocks) -> None:
    """Turn Gradio's own path check on for a mounted app.

    `gr.mount_gradio_app` never sets `has_launched`, and `processing_utils._check_allowed`
    returns early while it is False: every path in a FileData argument was then copied into
    the cache (the file-read hole). Launched, only Gradio's upload folder passes preprocessing.
    """
    blocks.has_launched = True


def uploaded_path(value: Any, field: str, shown: set[str] | None = None) -> Path | None:
    """The path of a file Gradio received as an upload, or ValidationFailed (one message).

    `shown`: files the studio itself put into the form component (a remixed job's own input).
    """
    if value is None:
        return None
    path = value.get("path") if isinstance(value, dict) else getattr(value, "path", value)
    trusted = _uploads() | (shown or set())
    if not isinstance(path, str | Path) or str(path) not in trusted:
        logger.warning("refused a file argument that was not an upload field=%s", field)
        raise ValidationFailed(NOT_UPLOADED, field=field)
    return Path(path)


def uploaded_bytes(value: Any, field: str, shown: set[str] | None = None) -> bytes | None:
    """The bytes of an uploaded file argument (None when the argument is empty)."""
    path = uploaded_path(value, field, shown)
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError:  # cleaned from the cache since: the same answer as any other bad path
        raise ValidationFailed(NOT_UPLOADED, field=field) from None
