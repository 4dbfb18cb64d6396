"""Callback events sent by the workers and the operator to the API.

Transport: Standard Webhooks (``webhook-id``, ``webhook-timestamp``,
``webhook-signature: v1,<base64 HMAC-SHA256>``). The body is
``{"type": <event type>, "timestamp": <ISO 8601>, "data": {...}}``.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

ENCODING_EVENTS = (
    "encoding.running",
    "encoding.progress",
    "encoding.succeeded",
    "encoding.failed",
)
LIVE_EVENTS = ("live.starting", "live.on_air", "live.off_air", "live.ended", "live.failed")
EVENT_TYPES = ENCODING_EVENTS + LIVE_EVENTS

EventType = Literal[
    "encoding.running",
    "encoding.progress",
    "encoding.succeeded",
    "encoding.failed",
    "live.starting",
    "live.on_air",
    "live.off_air",
    "live.ended",
    "live.failed",
]


class EncodingEventData(BaseModel):
    """``data`` of an ``encoding.*`` event.

    - ``progress``: percent done, 0-100 (float), with ``encoding.progress``;
    - ``manifest``: the worker's ``manifest.json`` (see ``podv5_contract.outputs``), with
      ``encoding.succeeded``;
    - ``reason`` (stable code, e.g. ``unsupported_media``, ``ffmpeg_failed``) and
      ``message``, with ``encoding.failed``.
    """

    model_config = ConfigDict(extra="forbid")

    job_id: UUID
    video_id: UUID
    progress: Annotated[float | None, Field(ge=0, le=100)] = None
    manifest: dict | None = None
    reason: str | None = None
    message: str | None = None


class CallbackEvent(BaseModel):
    """A callback body."""

    model_config = ConfigDict(extra="forbid")

    type: EventType
    timestamp: str
    data: dict


def webhook_id(job_id: UUID | str, event_type: str, seq: int | None = None) -> str:
    """Deterministic idempotency key of an event: a retried send reuses it.

    ``msg_<job id hex>_<event>[_<seq>]``; ``seq`` numbers repeatable events (progress).
    """
    hex_id = UUID(str(job_id)).hex
    suffix = event_type.split(".", 1)[1]
    return f"msg_{hex_id}_{suffix}" + (f"_{seq}" if seq is not None else "")


class LiveEventData(BaseModel):
    """``data`` of a ``live.*`` event.

    - ``seq``: session number of ``live.on_air``/``live.off_air`` (1, 2, ... per input
      connection; a late lower number changes nothing);
    - ``listening``: with ``live.starting``, the ingest listener is up (the event is live);
    - ``recording``: with ``live.ended``, storage URI of the recording (MPEG-TS), if any;
      ``duration``: its length, seconds;
    - ``reason`` (stable code) and ``message``, with ``live.failed``.
    """

    model_config = ConfigDict(extra="forbid")

    event_id: UUID
    seq: Annotated[int | None, Field(ge=0)] = None
    listening: bool | None = None
    recording: str | None = None
    duration: Annotated[float | None, Field(ge=0)] = None
    reason: str | None = None
    message: str | None = None
