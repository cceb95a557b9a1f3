"""Reading a Server-Sent Events stream in tests (what an EventSource does, in a few lines)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import httpx


@dataclass
class Received:
    event: str
    id: str
    data: dict
    comment: str = ""


def read_events(response: httpx.Response) -> Iterator[Received]:
    """Events (and comments, as event "") as they arrive on a streaming response."""
    fields: dict[str, str] = {}
    for line in response.iter_lines():
        if line.startswith(":"):
            yield Received("", "", {}, comment=line[1:].strip())
        elif line == "":
            if "data" in fields:
                data = json.loads(fields["data"])
                yield Received(fields.get("event", "message"), fields.get("id", ""), data)
            fields = {}
        else:
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
