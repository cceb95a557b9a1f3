"""Where job files live: a local folder (default) or an S3/MinIO bucket.

Keys are made by the studio (`jobs/<job id>/<name>`); nothing a user sends is
ever used as a path. Local files are handed out through HMAC-signed, expiring
URLs; S3 files through presigned URLs.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlencode, urlparse

from studio.errors import Forbidden, NotFound

logger = logging.getLogger(__name__)

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)*$")
FILES_ROUTE = "/api/v1/files/"


def check_key(key: str) -> str:
    """Reject anything that is not a key the studio could have made."""
    if not _KEY.match(key) or ".." in key or len(key) > 300:
        raise NotFound("no such file")
    return key


class LocalStorage:
    """Files in a folder; downloads through the studio with signed URLs."""

    def __init__(self, root: Path, secret: str, public_url: str):
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self._secret = secret.encode()
        self._public_url = public_url

    def _path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if not path.is_relative_to(self.root):
            raise NotFound("no such file")
        return path

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # A temp file of its own per write, renamed into place: a reader never sees half a
        # file, and two writers (a job retried beside a stalled worker) never share one.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)

    def get(self, key: str) -> bytes:
        path = self._path(key)
        if not path.is_file():
            raise NotFound("no such file")
        return path.read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete_prefix(self, prefix: str) -> None:
        folder = self._path(prefix.rstrip("/"))
        if folder.is_dir():
            for path in sorted(folder.rglob("*"), reverse=True):
                path.unlink() if path.is_file() else path.rmdir()
            folder.rmdir()

    def job_folders(self) -> Iterator[tuple[str, datetime]]:
        """(job id, newest file's time in naive UTC) for every job folder in storage."""
        jobs = self.root / "jobs"
        if not jobs.is_dir():
            return
        for folder in jobs.iterdir():
            times = [p.stat().st_mtime for p in folder.rglob("*") if p.is_file()]
            newest = max(times, default=folder.stat().st_mtime)
            yield folder.name, datetime.fromtimestamp(newest, UTC).replace(tzinfo=None)

    def _signature(self, key: str, expires: int) -> str:
        message = f"{key}\n{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def url(self, key: str, seconds: int) -> str:
        expires = int(time.time()) + seconds
        query = urlencode({"expires": expires, "signature": self._signature(key, expires)})
        return f"{self._public_url}{FILES_ROUTE}{check_key(key)}?{query}"

    def verify(self, key: str, expires: str, signature: str) -> None:
        """Raise Forbidden unless the signature is ours and not expired."""
        check_key(key)
        try:
            expires_at = int(expires)
        except (TypeError, ValueError):
            raise Forbidden("invalid download link") from None
        good = self._signature(key, expires_at)
        if not hmac.compare_digest(good, signature or ""):
            raise Forbidden("invalid download link")
        if expires_at < time.time():
            raise Forbidden("this download link has expired")


class S3Storage:
    """Files in an S3-compatible bucket (MinIO, AWS) through the minio SDK."""

    def __init__(self, url: str):
        from minio import Minio

        parsed = urlparse(url)
        options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        self.bucket = parsed.path.strip("/")
        if not self.bucket:
            raise ValueError("STUDIO_STORAGE_URL needs a bucket: s3://KEY:SECRET@host:port/bucket")
        self.client = Minio(
            f"{parsed.hostname}:{parsed.port}" if parsed.port else parsed.hostname or "",
            access_key=unquote(parsed.username or ""),
            secret_key=unquote(parsed.password or ""),
            secure=options.get("secure", "true").lower() not in ("false", "0", "no"),
            region=options.get("region"),
        )
        if not self.client.bucket_exists(self.bucket):
            from minio.error import S3Error

            try:
                self.client.make_bucket(self.bucket)
            except S3Error as exc:  # another process starting at the same moment made it
                if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(
            self.bucket, check_key(key), io.BytesIO(data), len(data), content_type=content_type
        )

    def get(self, key: str) -> bytes:
        from minio.error import S3Error

        try:
            response = self.client.get_object(self.bucket, check_key(key))
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject"):
                raise NotFound("no such file") from None
            raise
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    def exists(self, key: str) -> bool:
        from minio.error import S3Error

        try:
            self.client.stat_object(self.bucket, check_key(key))
        except S3Error:
            return False
        return True

    def delete_prefix(self, prefix: str) -> None:
        for obj in self.client.list_objects(self.bucket, prefix=prefix, recursive=True):
            if obj.object_name:
                self.client.remove_object(self.bucket, obj.object_name)

    def job_folders(self) -> Iterator[tuple[str, datetime]]:
        """(job id, newest object's time in naive UTC) for every job folder in the bucket."""
        newest: dict[str, datetime] = {}
        for obj in self.client.list_objects(self.bucket, prefix="jobs/", recursive=True):
            parts = (obj.object_name or "").split("/")
            if len(parts) < 3 or obj.last_modified is None:
                continue
            when = obj.last_modified.astimezone(UTC).replace(tzinfo=None)
            newest[parts[1]] = max(when, newest.get(parts[1], when))
        yield from newest.items()

    def url(self, key: str, seconds: int) -> str:
        return self.client.presigned_get_object(
            self.bucket, check_key(key), expires=timedelta(seconds=seconds)
        )


Storage = LocalStorage | S3Storage
_storage: Storage | None = None
_storage_url: str | None = None
_lock = threading.Lock()


def open_storage(url: str, secret: str, public_url: str) -> Storage:
    """A storage backend for a `file://` or `s3://` URL."""
    if url.startswith("file://"):
        return LocalStorage(Path(url.removeprefix("file://")), secret, public_url)
    if url.startswith(("s3://", "minio://")):
        return S3Storage(url)
    raise ValueError(f"STUDIO_STORAGE_URL must start with file:// or s3://, got {url!r}")


def get_storage() -> Storage:
    """The process-wide storage, opened from the settings on first use."""
    global _storage, _storage_url
    from studio.settings import get_settings

    settings = get_settings()
    url = settings.resolved_storage_url
    with _lock:
        if _storage is None or _storage_url != url:
            _storage = open_storage(url, settings.resolved_secret_key, settings.resolved_public_url)
            _storage_url = url
            logger.info("storage ready: %s", type(_storage).__name__)
        return _storage


def job_key(job_id: str, name: str) -> str:
    return f"jobs/{job_id}/{name}"
