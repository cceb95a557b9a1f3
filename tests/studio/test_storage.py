"""Local storage with signed URLs, and S3 storage against a real S3 server."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from studio.errors import Forbidden, NotFound
from studio.storage import LocalStorage, S3Storage, check_key


def test_local_put_get_and_signed_urls(tmp_path):
    storage = LocalStorage(tmp_path / "files", "secret", "http://studio")
    storage.put("jobs/abc/image_1.png", b"png-bytes", "image/png")
    assert storage.get("jobs/abc/image_1.png") == b"png-bytes"
    storage.put("jobs/abc/image_1.png", b"again", "image/png")  # a re-run overwrites
    assert storage.get("jobs/abc/image_1.png") == b"again"

    url = urlparse(storage.url("jobs/abc/image_1.png", 60))
    assert url.path == "/api/v1/files/jobs/abc/image_1.png"
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    storage.verify("jobs/abc/image_1.png", query["expires"], query["signature"])
    with pytest.raises(Forbidden):
        storage.verify("jobs/abc/image_2.png", query["expires"], query["signature"])
    with pytest.raises(Forbidden):
        storage.verify("jobs/abc/image_1.png", str(int(query["expires"]) + 1), query["signature"])
    expired = urlparse(storage.url("jobs/abc/image_1.png", -1))
    q = {k: v[0] for k, v in parse_qs(expired.query).items()}
    with pytest.raises(Forbidden, match="expired"):
        storage.verify("jobs/abc/image_1.png", q["expires"], q["signature"])

    storage.delete_prefix("jobs/abc")
    assert not storage.exists("jobs/abc/image_1.png")


@pytest.mark.parametrize("key", ["../etc/passwd", "jobs/../../x", "/abs", "jobs//x", "a\\b", ""])
def test_keys_that_could_escape_are_refused(key):
    with pytest.raises(NotFound):
        check_key(key)


def test_s3_storage_with_presigned_urls(s3_url):
    storage = S3Storage(s3_url)
    storage.put("jobs/s3/image_1.png", b"\x89PNG data", "image/png")
    assert storage.exists("jobs/s3/image_1.png")
    assert storage.get("jobs/s3/image_1.png") == b"\x89PNG data"
    response = httpx.get(storage.url("jobs/s3/image_1.png", 60))
    assert response.status_code == 200 and response.content == b"\x89PNG data"
    storage.delete_prefix("jobs/s3/")
    assert not storage.exists("jobs/s3/image_1.png")
    with pytest.raises(NotFound):
        storage.get("jobs/s3/image_1.png")
