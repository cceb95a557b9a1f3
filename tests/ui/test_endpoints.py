"""The Gradio API's own checks, without a server."""

from __future__ import annotations

import pytest
from gradio.context import LocalContext

from studio.errors import ValidationFailed
from ui.uploads import NOT_UPLOADED, uploaded_bytes


class _Blocks:
    def __init__(self, uploaded: set[str]):
        self.upload_file_set = uploaded


def test_only_files_gradio_received_as_uploads_are_read(tmp_path):
    upload = tmp_path / "upload" / "photo.png"
    upload.parent.mkdir()
    upload.write_bytes(b"uploaded")
    other = tmp_path / "not-uploaded.png"
    other.write_bytes(b"server file")
    reset = LocalContext.blocks.set(_Blocks({str(upload)}))
    try:
        assert uploaded_bytes({"path": str(upload)}, "person") == b"uploaded"
        assert uploaded_bytes(None, "person") is None
        messages = set()
        for path in ("/etc/passwd", str(other), str(tmp_path / "missing.png"), str(tmp_path)):
            with pytest.raises(ValidationFailed) as error:
                uploaded_bytes({"path": path}, "person")
            assert error.value.field == "person"
            messages.add(error.value.message)
        assert messages == {NOT_UPLOADED}  # existing or not, the same answer
        # A path the studio itself showed in the form (a remixed input) is accepted.
        assert uploaded_bytes({"path": str(other)}, "person", {str(other)}) == b"server file"
    finally:
        LocalContext.blocks.reset(reset)


def test_outside_a_request_nothing_is_trusted(tmp_path):
    path = tmp_path / "x.png"
    path.write_bytes(b"x")
    with pytest.raises(ValidationFailed):
        uploaded_bytes({"path": str(path)}, "person")
