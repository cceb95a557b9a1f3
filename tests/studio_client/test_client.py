"""The typed client against a live studio: an image job end to end with an API key."""

from __future__ import annotations

import uuid

import httpx
import pytest
from PIL import Image

from studio_client import Studio, StudioAPIError


@pytest.fixture
def api_key(live_server) -> str:
    api = f"{live_server}/api/v1"
    email = f"client-{uuid.uuid4().hex[:8]}@example.com"
    token = httpx.post(f"{api}/auth/register", json={"email": email, "password": "s3cret-pw"})
    login = {"authorization": f"Bearer {token.json()['token']}"}
    return httpx.post(f"{api}/keys", json={"name": "client test"}, headers=login).json()["key"]


def test_an_image_job_end_to_end(live_server, api_key, tmp_path):
    with Studio(live_server, api_key) as studio:
        job = studio.image_generation(
            prompt="a koi pond", width=512, height=512, steps=4, num_images=2, seed=7
        )
        assert job.info.creditsCharged == 4 and studio.credits() == 46
        events = list(job.events())
        assert any(e.event == "progress" for e in events) and events[-1].event == "completed"
        assert job.wait().status == "completed"
        paths = job.download(tmp_path)
        assert sorted(p.suffix for p in paths) == [".png", ".png"]
        with Image.open(paths[0]) as image:
            assert image.size == (512, 512)
        assert [j.id for j in studio.jobs(limit=1)] == [job.id]


def test_a_retried_submit_with_one_key_is_one_job_and_errors_are_typed(live_server, api_key):
    with Studio(live_server, api_key) as studio:
        first = studio.image_generation(prompt="a fox", steps=2, idempotency_key="same")
        again = studio.image_generation(prompt="a fox", steps=2, idempotency_key="same")
        assert again.id == first.id and studio.credits() == 48
        with pytest.raises(StudioAPIError) as refused:
            studio.image_generation(prompt="a fox", width=3)
        assert (refused.value.status, refused.value.field) == (422, "width")
        first.cancel()
    with pytest.raises(StudioAPIError) as unauthorised, Studio(live_server, "sk_studio_x") as bad:
        bad.credits()
    assert unauthorised.value.status == 401
