"""A Server-Sent Events client for the tests: httpx streaming plus the parsing rules of
WHATWG HTML §9.2.6 (fields ``id``, ``event``, ``data``, ``retry``; ``:`` comments; a blank
line dispatches)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class Message:
    event: str = "message"
    data: str = ""
    id: str | None = None
    comment: str | None = None
    retry: int | None = None
    lines: list[str] = field(default_factory=list)

    @property
    def json(self) -> dict:
        return json.loads(self.data)


def messages(response) -> Iterator[Message]:
    """The messages (and comments, as ``Message(comment=...)``) of a streaming httpx
    response, as they arrive."""
    current, data = Message(), []
    for line in response.iter_lines():
        if line == "":
            if data or current.id is not None or current.retry is not None:
                current.data = "\n".join(data)
                yield current
            current, data = Message(), []
            continue
        if line.startswith(":"):
            yield Message(comment=line[1:].strip())
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data.append(value)
        elif name == "event":
            current.event = value
        elif name == "id":
            current.id = value
        elif name == "retry":
            current.retry = int(value)
