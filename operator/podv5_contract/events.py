"""Callback events sent by the workers and the operator to the API.

Every number is bounded (``podv5_contract.bounds``) and every ``message`` is made public
(:func:`public_message`: no server paths or URIs, at most 2,000 characters).

Transport: Standard Webhooks (``webhook-id``, ``webhook-timestamp``,
``webhook-signature: v1,<base64 HMAC-SHA256>``). The body is
``{"type": <event type>, "timestamp": <ISO 8601>, "data": {...}}``.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter

from podv5_contract.bounds import Count, Percent, Seconds
from podv5_contract.imports import ImportedSource

#: the longest message an event carries (characters); longer ones are cut, not refused,
#: so that a failure report is never lost for its length
MESSAGE_MAX = 2000

#: a URI (file://, s3://, http://...) and an absolute POSIX path of two or more parts
#: (``/srv/var/media/uploads/<id>.part``); a path ends at white space, a quote, a colon
#: (``ffmpeg``'s ``<path>: Invalid data``), a comma, a bracket
_URI = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]*)://[^\s'\"<>]*")
_PATH = re.compile(r"(?<![\w.~/-])/[^\s'\"<>:,;()\[\]{}]+/[^\s'\"<>:,;()\[\]{}]*")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def public_message(text: str | None) -> str | None:
    """``text`` as a client may read it: URIs replaced by ``<scheme uri>`` (``<s3 uri>``:
    the scheme says which storage failed, not which bucket or file) and absolute server
    paths by ``<path>`` (they tell where files live: upload spools, media roots),
    control characters dropped, at most :data:`MESSAGE_MAX` characters. Applied to every
    ``message`` of a callback event (``EncodingEventData``, ``LiveEventData``) on both
    sides, and by the API to every error message it stores on a video."""
    if text is None:
        return None
    text = _URI.sub(lambda m: f"<{m[1].lower()} uri>", text[: MESSAGE_MAX * 4])
    text = _PATH.sub("<path>", text)
    text = _CONTROL.sub("", text)
    return text if len(text) <= MESSAGE_MAX else text[: MESSAGE_MAX - 1] + "…"


def _reason(value: str | None) -> str | None:
    return None if value is None else _CONTROL.sub("", value)[:64]


#: a stable reason code (``unsupported_media``, ``ffmpeg_failed``...), at most 64 characters
Reason = Annotated[str | None, AfterValidator(_reason)]

#: a human-readable message of an event, made public (see :func:`public_message`)
Message = Annotated[str | None, AfterValidator(public_message)]

ENCODING_EVENTS = (
    "encoding.running",
    "encoding.progress",
    "encoding.succeeded",
    "encoding.failed",
)
LIVE_EVENTS = ("live.starting", "live.on_air", "live.off_air", "live.ended", "live.failed")
EVENT_TYPES = ENCODING_EVENTS + LIVE_EVENTS

EncodingEventType = Literal[
    "encoding.running",
    "encoding.progress",
    "encoding.succeeded",
    "encoding.failed",
]
LiveEventType = Literal["live.starting", "live.on_air", "live.off_air", "live.ended", "live.failed"]
EventType = Literal[EncodingEventType, LiveEventType]  # the nine, flattened


class EncodingEventData(BaseModel):
    """``data`` of an ``encoding.*`` event.

    - ``progress``: percent done, 0-100 (float), with ``encoding.progress``;
    - ``manifest``: the worker's ``manifest.json`` (see ``podv5_contract.outputs``), with
      ``encoding.succeeded``;
    - ``reason`` (stable code, e.g. ``unsupported_media``, ``ffmpeg_failed``) and
      ``message``, with ``encoding.failed``;
    - ``imported``: the source a job with a ``sourceImport`` fetched and stored, with
      ``encoding.succeeded`` or ``encoding.failed`` once stored
      (``podv5_contract.imports``).
    """

    model_config = ConfigDict(extra="forbid")

    job_id: UUID
    video_id: UUID
    progress: Percent | None = None
    manifest: dict | None = None
    reason: Reason = None
    message: Message = None
    imported: ImportedSource | None = None


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
    seq: Count | None = None
    listening: bool | None = None
    recording: Annotated[str | None, Field(max_length=2048)] = None
    duration: Seconds | None = None
    reason: Reason = None
    message: Message = None


class EncodingCallbackEvent(BaseModel):
    """A callback body of an ``encoding.*`` event."""

    model_config = ConfigDict(extra="forbid")

    type: EncodingEventType
    timestamp: str
    data: EncodingEventData


class LiveCallbackEvent(BaseModel):
    """A callback body of a ``live.*`` event."""

    model_config = ConfigDict(extra="forbid")

    type: LiveEventType
    timestamp: str
    data: LiveEventData


#: a callback body: ``{"type", "timestamp", "data"}``, ``data`` typed by ``type``
CallbackEvent = Annotated[EncodingCallbackEvent | LiveCallbackEvent, Field(discriminator="type")]

_CALLBACK_EVENT: TypeAdapter[EncodingCallbackEvent | LiveCallbackEvent] = TypeAdapter(CallbackEvent)


def parse_callback_event(payload: object) -> EncodingCallbackEvent | LiveCallbackEvent:
    """Validate a callback body (parsed JSON); raises pydantic's ValidationError, whose
    error locations start with the event type (the union's tag) when it was known."""
    return _CALLBACK_EVENT.validate_python(payload)
