"""Jobs as the client sees them: their state, live events, waiting and downloading."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from studio_client.client import Studio

FINAL = ("completed", "failed", "cancelled")


@dataclass(frozen=True)
class Output:
    name: str
    contentType: str
    size: int | None
    url: str | None


@dataclass(frozen=True)
class JobInfo:
    """A job's state as GET /api/v1/jobs/{id} describes it (the API's camelCase names, so the
    studio's tests can check them against its OpenAPI schema)."""

    id: str
    feature: str
    status: str
    progress: float
    stage: str
    creditsCharged: int
    error: str | None
    outputs: list[Output] = field(default_factory=list)
    preview: str | None = None
    createdAt: str | None = None
    finishedAt: str | None = None

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> JobInfo:
        names = set(cls.__dataclass_fields__)
        values = {k: v for k, v in data.items() if k in names and k != "outputs"}
        outputs = [
            Output(**{k: o.get(k) for k in Output.__dataclass_fields__})
            for o in data.get("outputs") or []
        ]
        return cls(**values, outputs=outputs)

    @property
    def done(self) -> bool:
        return self.status in FINAL


@dataclass(frozen=True)
class Event:
    """One Server-Sent Event: `status`, `progress`, `preview`, or the final one."""

    event: str
    id: str
    data: dict[str, Any]


class Job:
    """A submitted job: `.wait()`, `.events()`, `.download(dir)`, `.cancel()`."""

    def __init__(self, studio: Studio, info: JobInfo):
        self.studio = studio
        self.info = info

    @property
    def id(self) -> str:
        return self.info.id

    def __repr__(self) -> str:
        return f"Job({self.id!r}, {self.info.status}, {self.info.progress}%)"

    def refresh(self) -> JobInfo:
        """The job's current state (also kept in `.info`)."""
        self.info = JobInfo.from_api(self.studio.request("GET", f"/jobs/{self.id}"))
        return self.info

    def events(self, last_event_id: str | None = None) -> Iterator[Event]:
        """Live events until the job ends; reconnects after a dropped connection where it
        left off (Last-Event-ID)."""
        last = last_event_id
        while True:
            headers = {"Last-Event-ID": last} if last else {}
            try:
                with self.studio.stream(f"/jobs/{self.id}/events", headers) as response:
                    for event in _read(response):
                        last = event.id or last
                        yield event
                        if event.event in FINAL:
                            self.info = JobInfo.from_api(event.data["job"])
                            return
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.ReadTimeout):
                time.sleep(0.5)
                continue
            # The server closed the stream without a final event: the job ended meanwhile.
            if self.refresh().done:
                return

    def wait(self, timeout: float = 600.0) -> JobInfo:
        """Block until the job ends (following its events); its final state."""
        deadline = time.monotonic() + timeout
        for _ in self.events():
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {self.id} still running after {timeout} s")
        return self.info

    def download(self, directory: str | Path) -> list[Path]:
        """Save every output into `directory`; the paths written."""
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        saved = []
        for output in self.refresh().outputs:
            data = self.studio.request_bytes(f"/jobs/{self.id}/download", {"name": output.name})
            path = folder / Path(output.name).name
            path.write_bytes(data)
            saved.append(path)
        return saved

    def cancel(self) -> JobInfo:
        """Cancel the job (refunded); a running one stops at its next step."""
        self.info = JobInfo.from_api(self.studio.request("DELETE", f"/jobs/{self.id}"))
        return self.info


def _read(response: httpx.Response) -> Iterator[Event]:
    fields: dict[str, str] = {}
    for line in response.iter_lines():
        if line.startswith(":"):
            continue  # a heartbeat
        if line == "":
            if "data" in fields:
                yield Event(
                    fields.get("event", "message"), fields.get("id", ""), json.loads(fields["data"])
                )
            fields = {}
            continue
        name, _, value = line.partition(":")
        fields[name] = value.removeprefix(" ")
