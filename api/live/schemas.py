"""Live event schemas. ``stream_key`` and the ingest URL are only filled for owners and
staff (``user_can_edit``); everyone else gets ``null``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from django.conf import settings
from ninja import Field, Schema
from pydantic import StringConstraints, model_validator

from api.core.fields import MAX_ITEMS, AwareInstant, line
from api.live.models import IngestProtocol, LiveEvent, LiveState
from api.videos.models import Visibility
from api.videos.schemas import CodeName, Description, OwnerOut, Password, Title, Username

Ingest = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
Viewer = line(64, min_length=8, strip=False)

_VISIBILITY = (
    "public: listed; unlisted: anyone with the link; private: owners and staff; "
    "restricted: members of `access_groups`; password: with a grant from "
    "`POST .../unlock` (sent back in the X-Video-Grant header)"
)
_PASSWORD = "write-only, stored hashed; only with visibility `password`, which needs one"


class LiveEventIn(Schema):
    """``start``/``end``: timezone-aware ISO 8601 (``end`` after ``start``)."""

    title: Title
    description: Description = ""
    start: AwareInstant
    end: AwareInstant
    auto_start: bool = Field(True, description="start by itself at `start`")
    protocol: IngestProtocol = Field(
        IngestProtocol.RTMP, description="rtmp, or srt (if ffmpeg has it)"
    )
    ingest: Ingest = Field("default", description="ingest point; one event at a time on it")
    record: bool = Field(True, description="turn the recording into a video at the end")
    visibility: Visibility = Field(Visibility.PUBLIC, description=_VISIBILITY)
    is_draft: bool = Field(False, description="drafts are seen by owners and staff only")
    access_groups: list[CodeName] = Field(
        [], max_length=MAX_ITEMS, description="access group code names"
    )
    additional_owners: list[Username] = Field(
        [], max_length=MAX_ITEMS, description="usernames; they may edit"
    )
    password: Password | None = Field(None, description=_PASSWORD)

    @model_validator(mode="after")
    def _end_after_start(self):
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class LiveEventPatch(Schema):
    """Only the fields sent change; ``start``/``end`` only while scheduled."""

    title: Title | None = None
    description: Description | None = None
    start: AwareInstant | None = None
    end: AwareInstant | None = None
    auto_start: bool | None = None
    protocol: IngestProtocol | None = None
    ingest: Ingest | None = None
    record: bool | None = None
    visibility: Visibility | None = Field(None, description=_VISIBILITY)
    is_draft: bool | None = None
    access_groups: list[CodeName] | None = Field(None, max_length=MAX_ITEMS)
    additional_owners: list[Username] | None = Field(None, max_length=MAX_ITEMS)
    password: Password | None = Field(None, description=_PASSWORD)


class IngestOut(Schema):
    """Where a broadcaster sends the stream (owners only); ``server``/``url`` once the
    worker runs. RTMP: OBS 'Server' = ``server``, 'Stream Key' = ``stream_key``. SRT:
    the key is the SRT passphrase; OBS 'Server' = ``url``, no stream key."""

    protocol: str
    server: str | None = Field(
        description="rtmp://host:port/live (OBS 'Server') or srt://host:port (UDP)"
    )
    stream_key: str = Field(description="secret; RTMP stream name, SRT passphrase")
    url: str | None = Field(
        description="the whole ingest URL, key included: rtmp: server + '/' + key "
        "(ffmpeg -f flv); srt: server + '?passphrase=' + key (ffmpeg -f mpegts, OBS 'Server')"
    )


class ViewersOut(Schema):
    viewers: int = Field(description="viewers with a heartbeat in the last 60 s")
    peak_viewers: int


class LiveEventOut(Schema):
    id: UUID
    title: str
    description: str
    owner: OwnerOut
    additional_owners: list[str]
    visibility: Visibility
    is_draft: bool
    access_groups: list[str]
    start: datetime
    end: datetime
    auto_start: bool
    protocol: str
    ingest_point: str
    record: bool
    state: LiveState
    on_air: bool
    viewers: int
    peak_viewers: int
    video_id: UUID | None = Field(description="the recording's video, once ended")
    error: dict | None
    user_can_edit: bool
    ingest: IngestOut | None = Field(description="owners and staff only")

    @staticmethod
    def resolve_additional_owners(obj: LiveEvent) -> list[str]:
        return [user.username for user in obj.additional_owners.all()]

    @staticmethod
    def resolve_access_groups(obj: LiveEvent) -> list[str]:
        return [group.code_name for group in obj.access_groups.all()]

    @staticmethod
    def resolve_ingest_point(obj: LiveEvent) -> str:
        return obj.ingest

    @staticmethod
    def resolve_error(obj: LiveEvent) -> dict | None:
        if not obj.error_code:
            return None
        return {"code": obj.error_code, "message": obj.error_message}

    @staticmethod
    def resolve_user_can_edit(obj: LiveEvent) -> bool:
        return bool(getattr(obj, "user_can_edit", False))

    @staticmethod
    def resolve_ingest(obj: LiveEvent) -> dict | None:
        if not getattr(obj, "user_can_edit", False):
            return None
        server = url = None
        if obj.ingest_port and obj.protocol == IngestProtocol.SRT:
            server = f"srt://{settings.LIVE_INGEST_HOST}:{obj.ingest_port}"
            url = f"{server}?passphrase={obj.stream_key}"
        elif obj.ingest_port:
            server = f"rtmp://{settings.LIVE_INGEST_HOST}:{obj.ingest_port}/live"
            url = f"{server}/{obj.stream_key}"
        return {
            "protocol": obj.protocol,
            "server": server,
            "stream_key": obj.stream_key,
            "url": url,
        }


class HeartbeatIn(Schema):
    viewer: Viewer | None = Field(
        None, description="a random id the player keeps; default: your user or session"
    )


class LivePlayerOut(Schema):
    id: UUID
    title: str
    state: LiveState
    on_air: bool
    hls: str | None = Field(
        description="live HLS playlist URL (while live); for a non-public event it carries "
        "an expiring token as a path segment (valid until `expires_at`)"
    )
    expires_at: datetime | None = Field(description="when the tokened URLs stop working")
    poster: str | None = Field(description="a frame of the stream (refreshed while on air)")
    viewers: int
    peak_viewers: int
    heartbeat: str = Field(description="POST here every 30 s while watching")
    heartbeat_seconds: int = Field(description="a viewer counts this long after a heartbeat")
