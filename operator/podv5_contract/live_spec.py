"""The LiveEvent contract: the custom resource's ``spec`` and ``status`` (pydantic models, the
single source of the CRD schema), shared by the API's ``kubernetes`` live backend, the CRD
generator and the operator.

The spec lines up with the worker's ``live_worker.LiveSpec`` (same names, same
bounds, camelCase on the wire): the operator turns one into the other
(``live_manifests.worker_spec``). The stream key is never in the resource: ``streamKey``
names the Secret (and its key) the Deployment reads it from.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AnyUrl, Field, UrlConstraints, field_validator, model_validator

from podv5_contract.spec import Condition, Rendition, _Model

#: what the resource asks for: ``Auto`` follows the schedule (``autoStart`` at ``start``,
#: stop at ``end``); ``Started`` runs it now (until ``end``); ``Stopped`` ends it now
DesiredState = Literal["Auto", "Started", "Stopped"]
#: ``Scheduled → Starting → Live → Ended`` (+ ``Failed``); Ended and Failed are final
LiveState = Literal["Scheduled", "Starting", "Live", "Ended", "Failed"]
FINAL_STATES = ("Ended", "Failed")
STATE_ORDER = {None: -1, "Scheduled": 0, "Starting": 1, "Live": 2, "Ended": 3, "Failed": 3}


class SecretKeyRef(_Model):
    """A key of a Secret in the LiveEvent's namespace."""

    name: Annotated[
        str,
        Field(
            pattern=r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$",
            max_length=253,
            description="Secret name (same namespace as the LiveEvent).",
        ),
    ]
    key: Annotated[
        str,
        Field(pattern=r"^[-._a-zA-Z0-9]+$", max_length=253, description="Key in the Secret."),
    ] = "stream-key"


class LiveEventSpec(_Model):
    """One scheduled broadcast: when, how it is received, where it goes, whom to tell.

    ``start``/``end``: RFC 3339 times (``end`` after ``start``). ``output``: ``file://``
    prefix (ending '/') of the live HLS (``hls/index.m3u8``) and the recording (``rec/``),
    on the media volume the API shares with the workers.
    """

    event_id: Annotated[UUID, Field(description="Live event id (UUID), the API's record.")]
    start: Annotated[datetime, Field(description="Scheduled start (RFC 3339).")]
    end: Annotated[
        datetime, Field(description="Scheduled end (RFC 3339): the worker is stopped then.")
    ]
    auto_start: Annotated[
        bool,
        Field(description="Start by itself at `start` (else only when desiredState is Started)."),
    ] = True
    desired_state: Annotated[
        DesiredState,
        Field(
            description=(
                "Manual control: Auto follows the schedule, Started runs now (until `end`), "
                "Stopped ends now."
            )
        ),
    ] = "Auto"
    protocol: Annotated[Literal["rtmp", "srt"], Field(description="Ingest protocol.")] = "rtmp"
    record: Annotated[bool, Field(description="Keep a recording (it becomes a video).")] = True
    output: Annotated[
        str,
        Field(
            max_length=2048,
            pattern=r"^file://.*/$",
            description="Output prefix URI (file://, ending '/'): hls/ and rec/ go under it.",
        ),
    ]
    stream_key: Annotated[
        SecretKeyRef, Field(description="Where the stream key is (a Secret key), never the key.")
    ]
    segment_duration: Annotated[
        float, Field(gt=0, le=30, description="Live HLS segment duration, seconds.")
    ] = 2.0
    list_size: Annotated[
        int, Field(ge=2, le=100, description="Segments in the live playlist's sliding window.")
    ] = 6
    reconnect_seconds: Annotated[
        float,
        Field(ge=0, le=86400, description="How long a lost stream may take to come back, seconds."),
    ] = 60.0
    ladder: Annotated[
        list[Rendition] | None,
        Field(max_length=8, description="Optional live ladder; none: the stream is copied as is."),
    ] = None
    callback_url: Annotated[
        Annotated[AnyUrl, UrlConstraints(max_length=2048)] | None,
        Field(description="Signed callback endpoint (Standard Webhooks); none: no reports."),
    ] = None

    @field_validator("callback_url")
    @classmethod
    def _http_callback(cls, value: AnyUrl | None) -> AnyUrl | None:
        if value is not None and value.scheme not in ("http", "https"):
            raise ValueError("must be an http(s) URL")
        return value

    @model_validator(mode="after")
    def _end_after_start(self) -> LiveEventSpec:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self

    def to_wire(self) -> dict:
        """The camelCase JSON form (the custom resource's ``spec``), without nulls."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class LiveEventStatus(_Model):
    """``status`` of the LiveEvent custom resource, written by the operator (``onAir`` by
    the API, from the worker's ``live.on_air``/``live.off_air``)."""

    state: Annotated[
        LiveState | None, Field(description="Scheduled, Starting, Live, Ended or Failed.")
    ] = None
    on_air: Annotated[bool, Field(description="A stream is coming in now.")] = False
    conditions: Annotated[
        list[Condition], Field(description="Latest observations (metav1.Condition).")
    ] = []
    observed_generation: Annotated[
        int | None, Field(description="metadata.generation last reconciled.")
    ] = None
    deployment_name: Annotated[
        str | None, Field(description="Name of the worker's apps/v1 Deployment.")
    ] = None
    service_name: Annotated[
        str | None, Field(description="Name of the Service exposing the ingest port.")
    ] = None
    started_at: Annotated[
        datetime | None, Field(description="When the worker was started (RFC 3339).")
    ] = None
    ended_at: Annotated[
        datetime | None, Field(description="When the worker was torn down (RFC 3339).")
    ] = None
    message: Annotated[str | None, Field(description="Last human-readable message.")] = None
