"""REST clients of the live servers: the real one, and the one whose features run stubs."""

from __future__ import annotations

import httpx
import pytest


@pytest.fixture
def client(live_server):
    with httpx.Client(base_url=f"{live_server}/api/v1", timeout=30) as c:
        yield c


@pytest.fixture
def stub_client(stub_server):
    """The same routes with stub pipelines (tests/stub_runs.py): for what a route does, not
    what a pipeline makes (each feature's real job runs once in its own test)."""
    with httpx.Client(base_url=f"{stub_server}/api/v1", timeout=30) as c:
        yield c
