"""Importing a video from a URL: the ``sourceImport`` part of an EncodingJob spec, what
the worker reports back (``imported`` in the job's final event), and the URL forms of
the sources it knows.

Three kinds of source (``kind``):

- ``direct``: an http(s) URL of an audio or video file;
- ``peertube``: a PeerTube video page (``/w/<id>``, ``/videos/watch/<id>``,
  ``/videos/embed/<id>``, ``/api/v1/videos/<id>``; ``<id>`` a UUID, a short UUID or a
  number), resolved through PeerTube's REST API ``GET /api/v1/videos/{id}``;
- ``bbb``: a BigBlueButton recording (``/playback/presentation/2.3/<recordId>``,
  ``/playback/presentation/2.0/playback.html?meetingId=<recordId>``,
  ``/playback/video/<recordId>/``, ``/presentation/<recordId>/...``), whose published
  files the worker fetches (``podv5_media.imports.bbb``).

The worker downloads the source (``podv5_media.imports``) within the spec's limits,
probes it, stores it at the spec's ``source`` URI (it becomes the video's kept source,
as an upload's) and encodes it. Its ``encoding.succeeded`` or ``encoding.failed`` then
carries ``imported`` (:class:`ImportedSource`) once the source is stored.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import parse_qs

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from podv5_contract.bounds import Bytes
from podv5_contract.net import URL_MAX_LENGTH, AddressPolicy, Target

ImportKind = Literal["direct", "peertube", "bbb"]
KINDS: tuple[str, ...] = ("direct", "peertube", "bbb")

#: PeerTube video ids: a UUID (with or without dashes), a short UUID (base 58) or a number
_PEERTUBE_ID = r"([0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}|[1-9A-HJ-NP-Za-km-z]{16,24}|[0-9]{1,12})"  # noqa: E501
_PEERTUBE_PATH = re.compile(rf"^/(?:w|videos/watch|videos/embed|api/v1/videos)/{_PEERTUBE_ID}/?$")
#: a BigBlueButton record id: the meeting's internal id (SHA-1 hex) - start time (ms)
RECORD_ID = re.compile(r"^[0-9a-f]{40}-[0-9]{13}$")
_BBB_PATHS = (
    re.compile(r"^/playback/presentation/2\.3/(?P<rid>[0-9a-f]{40}-[0-9]{13})/?$"),
    re.compile(r"^/playback/video/(?P<rid>[0-9a-f]{40}-[0-9]{13})/?(?:index\.html)?$"),
    re.compile(r"^/(?:presentation|video)/(?P<rid>[0-9a-f]{40}-[0-9]{13})(?:/.*)?$"),
)
_BBB_LEGACY = re.compile(r"^/playback/presentation/(?:0\.9\.0|2\.0)/playback\.html$")


class _Model(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


def _networks(value: list[str]) -> list[str]:
    AddressPolicy.of(value)  # ValueError for a bad one
    return value


class ImportSpec(_Model):
    """Fetch the source from a URL before encoding (the API fills it from its settings)."""

    url: Annotated[
        str, Field(max_length=URL_MAX_LENGTH, description="The http(s) URL to import from.")
    ]
    kind: Annotated[
        ImportKind, Field(description="`direct` (a media file), `peertube` or `bbb`.")
    ] = "direct"
    max_bytes: Annotated[
        int, Field(ge=1, le=2**53, description="Largest source, bytes (IMPORT_MAX_SIZE).")
    ]
    quota_bytes: Annotated[
        int | None,
        Field(ge=0, le=2**53, description="What the owner's quota still allows, bytes; none: "
              "unlimited."),
    ] = None  # fmt: skip
    timeout_seconds: Annotated[
        float, Field(ge=1, le=86400, description="Longest the whole import may take, seconds.")
    ] = 3600.0
    max_redirects: Annotated[
        int, Field(ge=0, le=20, description="Redirects followed per request (each checked).")
    ] = 5
    allowed_networks: Annotated[
        list[Annotated[str, Field(max_length=64)]],
        Field(max_length=64, description="Networks reachable besides public addresses (CIDR)."),
    ] = []

    @field_validator("allowed_networks")
    @classmethod
    def _valid_networks(cls, value: list[str]) -> list[str]:
        return _networks(value)

    def policy(self) -> AddressPolicy:
        return AddressPolicy.of(self.allowed_networks)


class ImportedMetadata(BaseModel):
    """What the source says about itself (a PeerTube video's, a BBB meeting's name);
    ``licence`` is one of the API's licence values (``cc-by``...)."""

    model_config = ConfigDict(extra="forbid")

    title: Annotated[str | None, Field(max_length=250)] = None
    description: Annotated[str | None, Field(max_length=10_000)] = None
    licence: Annotated[str | None, Field(max_length=32)] = None
    tags: Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=32)] = []
    language: Annotated[str | None, Field(max_length=35)] = None


class ImportedSource(BaseModel):
    """``data.imported`` of a job's final event: the source the worker fetched and stored
    at ``source`` (a storage URI, the spec's), its size in bytes, a file name to show,
    the URL of the file fetched, and the metadata found."""

    model_config = ConfigDict(extra="forbid")

    source: Annotated[str, Field(max_length=2048)]
    size: Bytes
    filename: Annotated[str, Field(max_length=255)]
    media_url: Annotated[str, Field(max_length=URL_MAX_LENGTH)]
    metadata: ImportedMetadata = ImportedMetadata()


def peertube_video_id(target: Target) -> str | None:
    """The video id of a PeerTube video URL (see the module docstring), else None."""
    match = _PEERTUBE_PATH.match(target.url.path)
    return match.group(1) if match else None


def bbb_record_id(target: Target) -> str | None:
    """The record id of a BigBlueButton recording URL (see the module docstring)."""
    path = target.url.path
    for pattern in _BBB_PATHS:
        match = pattern.match(path)
        if match:
            return match.group("rid")
    if _BBB_LEGACY.match(path):
        query = parse_qs(target.url.query.decode("ascii", "replace"))
        ids = query.get("meetingId") or query.get("meetingID") or []
        if len(ids) == 1 and RECORD_ID.match(ids[0]):
            return ids[0]
    return None


def detect_kind(target: Target) -> str:
    """``bbb`` or ``peertube`` when the URL has one of their forms, else ``direct``."""
    if bbb_record_id(target) is not None:
        return "bbb"
    if peertube_video_id(target) is not None:
        return "peertube"
    return "direct"
