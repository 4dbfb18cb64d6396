"""The EncodingJob contract: one pydantic model shared by the API, the CRD, the operator
and the ``media-encode`` worker.

Field names are snake_case in Python and camelCase on the wire (JSON spec files, the
Kubernetes custom resource), following Kubernetes API conventions. Both spellings are
accepted on input.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import (
    AnyUrl,
    BaseModel,
    ConfigDict,
    Field,
    UrlConstraints,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from podv5_contract.edit import EditSpec
from podv5_contract.imports import ImportSpec
from podv5_contract.transcribe import Transcribe

#: URI schemes the worker knows how to read sources from and write outputs to.
STORAGE_SCHEMES = ("file", "s3")
#: a request id (``X-Request-ID``) as carried into EncodingJobs: safe in logs and env
REQUEST_ID_PATTERN = r"^[A-Za-z0-9._:@+=/-]{1,128}$"
REQUEST_ID_MAX_LENGTH = 128
#: the most chunks a long video is split into (one pod each, plus one for the audio)
MAX_CHUNKS = 64
#: How each video rendition's bits are chosen (see ``podv5_media.encode.rate_control``):
#: ``Fixed``: every title gets its rung's rate (capped VBR at ``videoKbps``);
#: ``CappedCRF``: constant quality (x264 CRF per rung height) under a cap derived from
#: ``videoKbps``, so easy content (slides, screen captures) takes a fraction of the rate
#: and hard content (high motion) up to the cap;
#: ``PerTitle``: content-aware, each rung's CRF chosen from a fast probe encode of the
#: title (VMAF targets, at most ``videoKbps`` on average), rungs that rate would break
#: into blocks dropped (``podv5_media.encode.per_title``).
RateControl = Literal["Fixed", "CappedCRF", "PerTitle"]
RATE_CONTROLS: tuple[str, ...] = ("Fixed", "CappedCRF", "PerTitle")


class _Model(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class Rendition(_Model):
    """One rung of the ladder: a target height and its bitrates."""

    name: Annotated[
        str,
        Field(
            pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$",
            max_length=32,  # also bounds the CRD's CEL cost estimate
            description="Rendition name, also its folder (e.g. `720p`): 1-32 of [a-z0-9_-].",
        ),
    ]
    height: Annotated[
        int, Field(ge=64, le=4320, description="Target height in pixels (never upscaled).")
    ]
    video_kbps: Annotated[int, Field(ge=50, le=100_000, description="Video bitrate in kbit/s.")]
    audio_kbps: Annotated[int, Field(ge=16, le=512, description="AAC bitrate in kbit/s.")]
    crf: Annotated[
        int | None,
        Field(
            ge=0,
            le=51,
            description="x264 CRF of this rung under `rateControl: CappedCRF` (lower: "
            "better, bigger); none: the default for its height. Ignored by `Fixed`; "
            "`PerTitle` uses it only when its probe cannot run (chunked jobs too).",
        ),
    ] = None


class Extras(_Model):
    """Which outputs to make besides the HLS ladder."""

    mp4: Annotated[bool, Field(description="Make a progressive MP4 fallback of one mid rung.")] = (
        True
    )
    poster: Annotated[bool, Field(description="Make a poster JPEG.")] = True
    storyboard: Annotated[
        bool, Field(description="Make a storyboard sprite JPEG and its WebVTT.")
    ] = True


class Hdr(_Model):
    """What to do with an HDR source (PQ or HLG transfer) besides tone-mapping it to the
    SDR H.264 ladder (``podv5_media.encode``, docs/encoding.md#hdr-sources)."""

    keep: Annotated[
        bool,
        Field(
            description="Also make an HDR rendition (10-bit HEVC Main10, BT.2020, the "
            "source's PQ or HLG transfer and HDR10 metadata) at the top rung's size, "
            "listed in the master playlist with its VIDEO-RANGE; nothing for an SDR source.",
        ),
    ] = False


def _check_storage_uri(value: str, *, prefix: bool) -> str:
    scheme, sep, rest = value.partition("://")
    if not sep or scheme not in STORAGE_SCHEMES or not rest.strip("/"):
        raise ValueError(f"must be a {' or '.join(STORAGE_SCHEMES)} URI (scheme://...)")
    if prefix and not value.endswith("/"):
        raise ValueError("must end with '/'")
    return value


class EncodingJobSpec(_Model):
    """What to encode, where to put it and whom to tell.

    Sources and outputs are storage URIs: ``file:///abs/path`` (embedded default, shared
    volume) or ``s3://bucket/key``. Output paths in the result manifest are relative to
    ``output``.
    """

    job_id: Annotated[UUID, Field(description="EncodingJob id (UUID), the API's job record.")]
    video_id: Annotated[UUID, Field(description="Id (UUID) of the video being encoded.")]
    source: Annotated[
        str, Field(max_length=2048, description="Source media URI (file:// or s3://).")
    ]
    output: Annotated[
        str,
        Field(max_length=2048, description="Output prefix URI (file:// or s3://), ending '/'."),
    ]
    ladder: Annotated[
        list[Rendition],
        Field(min_length=1, max_length=8, description="Renditions to make, any order."),
    ]
    segment_duration: Annotated[
        float, Field(ge=1, le=10, description="HLS segment duration in seconds.")
    ] = 4.0
    rate_control: Annotated[
        RateControl,
        Field(
            description="How each rendition's video rate is chosen: `PerTitle` "
            "(content-aware: each rung's CRF from a probe encode of the title, at most the "
            "rung's `videoKbps` on average, rungs that rate would break into blocks "
            "dropped), `CappedCRF` (constant quality per rung height, at most about the "
            "rung's `videoKbps` x1.5) or `Fixed` (the rung's `videoKbps` whatever the "
            "content).",
        ),
    ] = "PerTitle"
    extras: Annotated[Extras, Field(description="Outputs besides the HLS ladder.")] = Extras()
    hdr: Annotated[
        Hdr | None,
        Field(description="HDR sources: keep an HDR rendition too (`keep`); none: SDR only."),
    ] = None
    edit: Annotated[
        EditSpec | None,
        Field(description="Cut and dressing applied on the way (podv5_contract.edit)."),
    ] = None
    source_import: Annotated[
        ImportSpec | None,
        Field(
            description="Fetch the source from this URL first and store it at `source` "
            "(podv5_contract.imports); none: `source` is already stored."
        ),
    ] = None
    transcribe: Annotated[
        Transcribe | None,
        Field(description="Make a caption track of the speech (WebVTT); none: no captions."),
    ] = None
    callback_url: Annotated[
        Annotated[AnyUrl, UrlConstraints(max_length=2048)] | None,
        Field(description="Signed callback endpoint (Standard Webhooks); none: no reports."),
    ] = None
    chunks: Annotated[
        int | None,
        Field(
            ge=2,
            le=MAX_CHUNKS,
            description="Encode the video in this many chunks in parallel (a Kubernetes "
            "Indexed Job: one pod per chunk plus one for the audio, then a join); none: one "
            "pass. Chosen by the API for long sources (ENCODING_CHUNK_MIN_SECONDS).",
        ),
    ] = None
    request_id: Annotated[
        str | None,
        Field(
            pattern=REQUEST_ID_PATTERN,
            max_length=REQUEST_ID_MAX_LENGTH,
            description="Id of the API request that started the job (X-Request-ID), "
            "carried into the worker's logs; none: not known.",
        ),
    ] = None

    @field_validator("source")
    @classmethod
    def _source_uri(cls, value: str) -> str:
        return _check_storage_uri(value, prefix=False)

    @field_validator("output")
    @classmethod
    def _output_uri(cls, value: str) -> str:
        return _check_storage_uri(value, prefix=True)

    @field_validator("callback_url")
    @classmethod
    def _http_callback(cls, value: AnyUrl | None) -> AnyUrl | None:
        if value is not None and value.scheme not in ("http", "https"):
            raise ValueError("must be an http(s) URL")
        return value

    @model_validator(mode="after")
    def _ladder_sane(self) -> EncodingJobSpec:
        names = [r.name for r in self.ladder]
        if len(set(names)) != len(names):
            raise ValueError("ladder rendition names must be unique")
        heights = [r.height for r in self.ladder]
        if len(set(heights)) != len(heights):
            raise ValueError("ladder heights must be unique")
        if self.chunks and self.source_import is not None:
            raise ValueError("a sourceImport runs in one pass: no chunks")
        if self.chunks and self.transcribe is not None and self.transcribe.only:
            raise ValueError("a transcription-only job encodes nothing: no chunks")
        return self

    def to_wire(self) -> dict:
        """The camelCase JSON form (spec files, custom resources)."""
        # no nulls: a null in a custom resource's spec makes the CRD's `self == oldSelf`
        # rule reject every later update (even kopf adding its finalizer)
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


#: The default ladder: 1080p/720p/480p/360p-class rungs (bitrates in kbit/s for H.264).
DEFAULT_LADDER: tuple[Rendition, ...] = (
    Rendition(name="1080p", height=1080, video_kbps=5000, audio_kbps=128),
    Rendition(name="720p", height=720, video_kbps=2800, audio_kbps=128),
    Rendition(name="480p", height=480, video_kbps=1400, audio_kbps=96),
    Rendition(name="360p", height=360, video_kbps=800, audio_kbps=96),
)

JobPhase = Literal["Pending", "Running", "Succeeded", "Failed"]


class Condition(_Model):
    """A status condition in the shape of Kubernetes' ``metav1.Condition``."""

    type: Annotated[str, Field(description="Condition type, e.g. `Ready`, `Failed`.")]
    status: Annotated[
        Literal["True", "False", "Unknown"], Field(description="True, False or Unknown.")
    ]
    reason: Annotated[
        str,
        Field(
            pattern=r"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$",
            max_length=1024,
            description="CamelCase reason, e.g. `BackoffLimitExceeded`.",
        ),
    ]
    message: Annotated[str, Field(max_length=32768, description="Human-readable details.")]
    last_transition_time: Annotated[
        datetime, Field(description="When the status last changed (RFC 3339).")
    ]
    observed_generation: Annotated[
        int | None, Field(ge=0, description="metadata.generation the condition is about.")
    ] = None


class EncodingJobStatus(_Model):
    """``status`` of the EncodingJob custom resource, written by the operator."""

    phase: Annotated[
        JobPhase | None, Field(description="Pending, Running, Succeeded or Failed.")
    ] = None
    progress: Annotated[float, Field(ge=0, le=100, description="Percent done, 0-100.")] = 0
    conditions: Annotated[
        list[Condition], Field(description="Latest observations (metav1.Condition).")
    ] = []
    observed_generation: Annotated[
        int | None, Field(description="metadata.generation last reconciled.")
    ] = None
    job_name: Annotated[str | None, Field(description="Name of the batch/v1 Job.")] = None
    start_time: Annotated[
        datetime | None, Field(description="When the Job started (RFC 3339).")
    ] = None
    completion_time: Annotated[
        datetime | None, Field(description="When the Job finished (RFC 3339).")
    ] = None
    message: Annotated[str | None, Field(description="Last human-readable message.")] = None
    chunks_total: Annotated[
        int | None,
        Field(ge=0, description="Chunked encode: steps of the Indexed Job (chunks + audio)."),
    ] = None
    chunks_succeeded: Annotated[
        int | None, Field(ge=0, description="Chunked encode: steps done so far.")
    ] = None
