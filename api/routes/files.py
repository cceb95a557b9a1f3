"""Signed downloads of local files (S3 storage hands out presigned URLs instead)."""

from __future__ import annotations

import mimetypes

from fastapi import APIRouter
from fastapi.responses import Response

from studio.errors import NotFound
from studio.storage import LocalStorage, get_storage

router = APIRouter(tags=["files"])


@router.get(
    "/files/{key:path}",
    response_class=Response,
    responses={200: {"description": "The file", "content": {"application/octet-stream": {}}}},
)
def signed_file(key: str, expires: str = "", signature: str = "") -> Response:
    """A file behind a signed, expiring link from a job's outputs."""
    storage = get_storage()
    if not isinstance(storage, LocalStorage):
        raise NotFound("no such file")
    storage.verify(key, expires, signature)
    media_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
    return Response(storage.get(key), media_type=media_type)
