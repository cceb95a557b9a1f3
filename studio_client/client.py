"""The client: one typed method per feature, plus credits, jobs and the raw requests they use."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from studio_client.errors import StudioAPIError
from studio_client.jobs import Job, JobInfo

# Every route this client calls (checked against /api/v1/openapi.json by the studio's tests).
ROUTES = {
    ("post", "/jobs/image-generation"),
    ("post", "/jobs/cloth-swap"),
    ("post", "/jobs/influencer-creation"),
    ("post", "/jobs/3d-video"),
    ("post", "/jobs/study-animation"),
    ("post", "/jobs/story-video"),
    ("get", "/jobs"),
    ("get", "/jobs/{job_id}"),
    ("delete", "/jobs/{job_id}"),
    ("get", "/jobs/{job_id}/download"),
    ("get", "/jobs/{job_id}/events"),
    ("get", "/users/credits"),
}
# Each typed method's route, so its keyword arguments can be checked against the schema.
FEATURE_ROUTES = {
    "image_generation": "/jobs/image-generation",
    "cloth_swap": "/jobs/cloth-swap",
    "influencer_creation": "/jobs/influencer-creation",
    "video_3d": "/jobs/3d-video",
    "study_animation": "/jobs/study-animation",
    "story_video": "/jobs/story-video",
}
FileLike = bytes | str | Path


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class Studio:
    """An AI Studio at `base_url`, called with an API key (`sk_studio_…`) or a login token."""

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 60.0):
        self.http = httpx.Client(
            base_url=base_url.rstrip("/") + "/api/v1",
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=timeout,
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Studio:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Features: each returns the submitted Job at once; call .wait() to follow it.

    def image_generation(
        self,
        prompt: str,
        *,
        style: str | None = None,
        negative_prompt: str | None = None,
        width: int | None = None,
        height: int | None = None,
        steps: int | None = None,
        num_images: int | None = None,
        seed: int | None = None,
        guidance: float | None = None,
        scheduler: str | None = None,
        reference_image: FileLike | None = None,
        strength: float | None = None,
        webhook_url: str | None = None,
        idempotency_key: str | None = None,
    ) -> Job:
        """Text to image (2 credits per image); a reference image makes it image-to-image."""
        fields = dict(locals())
        return self._submit("image_generation", fields, files=("reference_image",))

    def cloth_swap(
        self,
        person: FileLike,
        cloth: FileLike,
        *,
        category: str | None = None,
        preserve_face: bool | None = None,
        garment_type: str | None = None,
        webhook_url: str | None = None,
        idempotency_key: str | None = None,
    ) -> Job:
        """Dress the person in the garment (3 credits)."""
        return self._submit("cloth_swap", dict(locals()), files=("person", "cloth"))

    def influencer_creation(
        self,
        *,
        gender: str | None = None,
        ethnicity: str | None = None,
        age_range: str | None = None,
        style: str | None = None,
        poses: int | None = None,
        look: str | None = None,
        seed: int | None = None,
        reference_face: FileLike | None = None,
        webhook_url: str | None = None,
        idempotency_key: str | None = None,
    ) -> Job:
        """One persona across 1–10 poses (5 credits per set)."""
        return self._submit("influencer_creation", dict(locals()), files=("reference_face",))

    def video_3d(
        self,
        prompt: str,
        *,
        duration: int | None = None,
        camera_movement: str | None = None,
        style: str | None = None,
        negative_prompt: str | None = None,
        seed: int | None = None,
        fps: int | None = None,
        music: str | None = None,
        webhook_url: str | None = None,
        idempotency_key: str | None = None,
    ) -> Job:
        """A camera moving through a generated scene (8 credits)."""
        return self._submit("video_3d", dict(locals()))

    def study_animation(
        self,
        topic: str,
        *,
        script: str | None = None,
        subject: str | None = None,
        animation_style: str | None = None,
        duration: int | None = None,
        voice_style: str | None = None,
        background_music: str | None = None,
        caption_position: str | None = None,
        webhook_url: str | None = None,
        idempotency_key: str | None = None,
    ) -> Job:
        """A narrated, animated lesson (5 credits)."""
        return self._submit("study_animation", dict(locals()))

    def story_video(
        self,
        script: str,
        *,
        visual_style: str | None = None,
        voice_style: str | None = None,
        background_music: str | None = None,
        title: str | None = None,
        subtitles: bool | None = None,
        webhook_url: str | None = None,
        idempotency_key: str | None = None,
    ) -> Job:
        """A narrated, scored, illustrated video of your script (10 credits)."""
        return self._submit("story_video", dict(locals()))

    # The account and its jobs.

    def credits(self) -> int:
        return int(self.request("GET", "/users/credits")["credits"])

    def job(self, job_id: str) -> Job:
        return Job(self, JobInfo.from_api(self.request("GET", f"/jobs/{job_id}")))

    def jobs(self, limit: int = 20, offset: int = 0) -> list[Job]:
        """Your jobs, newest first."""
        page = self.request("GET", "/jobs", params={"limit": limit, "offset": offset})
        return [Job(self, JobInfo.from_api(j)) for j in page["jobs"]]

    # Raw requests (errors become StudioAPIError).

    def request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self.http.request(method, path, **kwargs)
        _raise_for_error(response)
        return response.json()

    def request_bytes(self, path: str, params: dict[str, Any] | None = None) -> bytes:
        response = self.http.get(path, params=params)
        _raise_for_error(response)
        return response.content

    @contextlib.contextmanager
    def stream(self, path: str, headers: dict[str, str]) -> Iterator[httpx.Response]:
        """An event stream (no read timeout: heartbeats keep it alive)."""
        timeout = httpx.Timeout(self.http.timeout.connect, read=60.0)
        with self.http.stream("GET", path, headers=headers, timeout=timeout) as response:
            if response.status_code >= 400:
                response.read()
                _raise_for_error(response)
            yield response

    def _submit(self, method: str, arguments: dict[str, Any], files: tuple[str, ...] = ()) -> Job:
        arguments.pop("self", None)
        key = arguments.pop("idempotency_key", None) or str(uuid.uuid4())
        values = {camel(k): v for k, v in arguments.items() if v is not None and k not in files}
        uploads = {camel(k): _read(arguments[k]) for k in files if arguments.get(k) is not None}
        headers = {"Idempotency-Key": key}  # a retried call can never charge twice
        route = FEATURE_ROUTES[method]
        form = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in values.items()}
        for attempt in range(3):  # the same key each time: a lost answer is never a second job
            try:
                if uploads:
                    body = self.request("POST", route, data=form, files=uploads, headers=headers)
                else:
                    body = self.request("POST", route, json=values, headers=headers)
                return self.job(body["id"])
            except httpx.TransportError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def _read(value: FileLike) -> bytes:
    return value if isinstance(value, bytes) else Path(value).read_bytes()


def _raise_for_error(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        error = {"code": "http_error", "message": response.text[:200]}
    raise StudioAPIError(
        response.status_code, error.get("code", ""), error.get("message", ""), error.get("field")
    )
