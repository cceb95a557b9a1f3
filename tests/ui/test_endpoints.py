"""The Gradio API's own checks, without a server."""

from __future__ import annotations

from pathlib import Path

import pytest
from gradio.utils import get_upload_folder

from studio.errors import ValidationFailed
from ui.endpoints import uploaded_bytes


def test_uploads_are_read_only_from_gradios_upload_folder(tmp_path):
    folder = Path(get_upload_folder())
    folder.mkdir(parents=True, exist_ok=True)
    inside = folder / "studio-test-upload.png"
    inside.write_bytes(b"uploaded")
    try:
        assert uploaded_bytes({"path": str(inside)}, "person") == b"uploaded"
    finally:
        inside.unlink()
    for path in ("/etc/passwd", str(folder / ".." / "etc" / "passwd"), str(tmp_path)):
        with pytest.raises(ValidationFailed, match="uploaded to this studio") as error:
            uploaded_bytes({"path": path}, "person")
        assert error.value.field == "person"
    assert uploaded_bytes(None, "person") is None
