"""Video schemas. ``VideoOut`` resolves the upload instructions and the encoding state
from the request's user and the video's latest encoding job."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse
from ninja import Field, Schema

from api.accounts.schemas import AccessGroupOut
from api.core.fields import LINE_PATTERN, MAX_ITEMS, Index, Instant, RowId, line, text
from api.core.links import media_url
from api.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from api.core.tus import CHECKSUM_ALGORITHMS
from api.videos.models import UPLOADABLE, Licence, Video, VideoStatus, Visibility
from api.videos.selectors import can_edit

#: NUL and control characters are refused (422): see ``api.core.fields``
NO_NUL = LINE_PATTERN
Title = line(250, min_length=1)
Description = text(20_000)
#: a query-string value (one line)
Text = line(10_000, strip=False)
Password = line(128, min_length=4, strip=False)
CodeName = line(150, min_length=1)
Username = line(150, min_length=1)
UnlockPassword = line(128, strip=False)

_VISIBILITY = (
    "public: listed in the catalog; unlisted: anyone with the link; private: owners and "
    "staff; restricted: members of `access_groups`; password: with a grant from "
    "`POST /videos/{id}/unlock`"
)
_PASSWORD = "write-only, stored hashed; only with visibility `password`, which needs one"
_CHANNELS = "channel ids; you must own or be a member of each channel (staff: any)"
_THEMES = "theme ids, each in one of the video's channels"
_TAGS = "keywords; stored normalised as lower-case slugs ('Machine Learning' → machine-learning)"
TagName = line(100, min_length=1)


def _stat(obj: Video, name: str) -> int:
    """A counter of the video's stats row (``api.social`` keeps it; zero when there is
    none yet), read through the reverse relation (loaded by ``select_related("stats")``
    when the query did)."""
    try:
        return getattr(obj.stats, name)
    except ObjectDoesNotExist:
        return 0


class VideoIn(Schema):
    title: Title
    description: Description = ""
    visibility: Visibility = Field(Visibility.PUBLIC, description=_VISIBILITY)
    is_draft: bool = Field(True, description="drafts are seen by owners and staff only")
    password: Password | None = Field(None, description=_PASSWORD)
    access_groups: list[CodeName] = Field(
        [], max_length=MAX_ITEMS, description="access group code names"
    )
    additional_owners: list[Username] = Field(
        [], max_length=MAX_ITEMS, description="usernames; they may edit"
    )
    licence: Licence = Licence.ALL_RIGHTS_RESERVED
    type: RowId | None = Field(None, description="video type id")
    channels: list[RowId] = Field([], max_length=MAX_ITEMS, description=_CHANNELS)
    themes: list[RowId] = Field([], max_length=MAX_ITEMS, description=_THEMES)
    disciplines: list[RowId] = Field([], max_length=MAX_ITEMS, description="discipline ids")
    tags: list[TagName] = Field([], description=_TAGS, max_length=50)


class VideoPatch(Schema):
    """Only the fields sent change. ``additional_owners``: the owner and staff only."""

    title: Title | None = None
    description: Description | None = None
    visibility: Visibility | None = Field(None, description=_VISIBILITY)
    is_draft: bool | None = None
    password: Password | None = Field(None, description=_PASSWORD)
    access_groups: list[CodeName] | None = Field(
        None, max_length=MAX_ITEMS, description="access group code names"
    )
    additional_owners: list[Username] | None = Field(
        None, max_length=MAX_ITEMS, description="usernames"
    )
    licence: Licence | None = None
    type: RowId | None = Field(None, description="video type id (null: none)")
    channels: list[RowId] | None = Field(None, max_length=MAX_ITEMS, description=_CHANNELS)
    themes: list[RowId] | None = Field(None, max_length=MAX_ITEMS, description=_THEMES)
    disciplines: list[RowId] | None = Field(
        None, max_length=MAX_ITEMS, description="discipline ids"
    )
    tags: list[TagName] | None = Field(None, description=_TAGS, max_length=50)


class UnlockIn(Schema):
    password: UnlockPassword


class GrantOut(Schema):
    grant: str = Field(description="send it back in the X-Video-Grant header")
    expires_at: datetime
    header: str = Field(description="the header to send it in: X-Video-Grant")


class OwnerOut(Schema):
    id: int
    username: str


class RefOut(Schema):
    """A compact editorial object (channel, theme, discipline, type)."""

    id: int
    slug: str
    title: str


class TagOut(Schema):
    slug: str
    name: str


class ErrorOut(Schema):
    code: str
    message: str


class SourceOut(Schema):
    filename: str
    size: int | None = Field(description="bytes")


class UploadOut(Schema):
    """Where and how to upload the source (tus 1.0.0)."""

    protocol: str = "tus"
    tus_version: str = "1.0.0"
    url: str = Field(description="tus creation endpoint (POST)")
    metadata: dict[str, str] = Field(
        description="Upload-Metadata pairs to send as they are (base64 values). Add "
        "'filename', the name of the file sent: it becomes the source's file name."
    )
    max_size: int = Field(description="largest accepted Upload-Length, bytes")
    checksum_algorithms: list[str]


class EncodingOut(Schema):
    job_id: UUID
    phase: str = Field(description="Pending, Running, Succeeded or Failed")
    progress: float = Field(description="percent, 0-100")


class RenditionOut(Schema):
    name: str
    width: int | None
    height: int | None
    bandwidth: int = Field(description="bit/s")
    codecs: str
    video_range: str = Field(
        "SDR",
        description="HLS VIDEO-RANGE: SDR (H.264), or PQ/HLG for the HDR rendition "
        "(10-bit HEVC) kept beside the SDR ladder of an HDR source",
    )


class RetentionBriefOut(Schema):
    """When the video leaves publication (``api.retention``, docs/retention.md)."""

    deletion_date: date = Field(description="the day the video is archived (unpublished)")
    purge_date: date = Field(description="the day an archived video is deleted with its files")
    state: str = Field(description="active, or archived (unpublished)")


_SLUG = (
    "stable, unique, URL-safe name, set at creation (a title edit leaves it): "
    "`GET /videos/by-slug/{slug}`; V4-imported videos keep V4's (`0042-my-lecture`)"
)


class VideoOut(Schema):
    id: UUID
    slug: str = Field(description=_SLUG)
    title: str
    description: str
    status: VideoStatus
    error: ErrorOut | None
    duration: float | None = Field(description="seconds")
    owner: OwnerOut
    additional_owners: list[OwnerOut]
    visibility: Visibility
    is_draft: bool
    access_groups: list[AccessGroupOut]
    licence: Licence
    type: RefOut | None
    channels: list[RefOut]
    themes: list[RefOut]
    disciplines: list[RefOut]
    tags: list[TagOut]
    source: SourceOut | None
    upload: UploadOut | None = Field(description="present while the source may be uploaded")
    encoding: EncodingOut | None = Field(description="the latest encoding job")
    renditions: list[RenditionOut]
    allow_comments: bool = Field(description="false: the owners closed the comments")
    views: int = Field(description="views counted (one per viewer per 30 min)")
    likes: int
    dislikes: int
    retention: RetentionBriefOut | None = Field(
        description="deletion date and archive state; for those who may edit the video"
    )
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_retention(obj: Video, context):
        request = context["request"]
        if not can_edit(getattr(request, "auth", None) or request.user, obj):
            return None
        try:  # the row api.retention keeps (reverse one-to-one, select_related)
            return obj.retention
        except ObjectDoesNotExist:
            return None

    @staticmethod
    def resolve_views(obj: Video):
        return _stat(obj, "views")

    @staticmethod
    def resolve_likes(obj: Video):
        return _stat(obj, "likes")

    @staticmethod
    def resolve_dislikes(obj: Video):
        return _stat(obj, "dislikes")

    @staticmethod
    def resolve_additional_owners(obj: Video):
        return obj.additional_owners.all()

    @staticmethod
    def resolve_access_groups(obj: Video):
        return obj.access_groups.all()

    @staticmethod
    def resolve_channels(obj: Video):
        return obj.channels.all()

    @staticmethod
    def resolve_themes(obj: Video):
        return obj.themes.all()

    @staticmethod
    def resolve_disciplines(obj: Video):
        return obj.disciplines.all()

    @staticmethod
    def resolve_tags(obj: Video):
        return obj.tags.all()

    @staticmethod
    def resolve_error(obj: Video):
        if obj.status != VideoStatus.FAILED:
            return None
        return {"code": obj.error_code, "message": obj.error_message}

    @staticmethod
    def resolve_source(obj: Video):
        if not obj.source_name:
            return None
        return {"filename": obj.source_filename, "size": obj.source_size}

    @staticmethod
    def resolve_upload(obj: Video, context):
        request = context["request"]
        user = getattr(request, "auth", None) or request.user
        if obj.status not in UPLOADABLE or not can_edit(user, obj):
            return None
        return {
            "url": request.build_absolute_uri(reverse("tus-create")),
            "metadata": {"video": str(obj.id)},
            "max_size": settings.UPLOAD_MAX_SIZE,
            "checksum_algorithms": list(CHECKSUM_ALGORITHMS),
        }

    @staticmethod
    def resolve_encoding(obj: Video):
        jobs = getattr(obj, "latest_jobs", None)
        if jobs is None:  # not prefetched
            jobs = obj.encoding_jobs.order_by("-created_at")[:1]
        job = jobs[0] if jobs else None
        if job is None:
            return None
        return {"job_id": job.id, "phase": job.phase, "progress": job.progress}

    @staticmethod
    def resolve_renditions(obj: Video):
        if not obj.manifest:
            return []
        return obj.manifest.get("hls", {}).get("renditions", [])


class VideoCardOut(Schema):
    """A video in the public catalog."""

    id: UUID
    slug: str = Field(description=_SLUG)
    title: str
    description: str
    duration: float | None = Field(description="seconds")
    owner: OwnerOut
    poster: str | None = Field(description="poster image URL (plain, cacheable)")
    created_at: datetime

    @staticmethod
    def resolve_poster(obj: Video, context):
        poster = obj.poster_name  # an uploaded thumbnail, else the encoded poster
        return media_url(context["request"], poster) if poster else None


Ordering = Literal["-created_at", "created_at", "title", "-title", "duration", "-duration"]


class VideoFilters(Schema):
    """Query parameters of the video lists: filters (all optional, combined with AND),
    search, ordering and keyset pagination (see ``api.core.pagination``)."""

    q: Text | None = Field(
        None,
        max_length=200,
        description="full-text search on title, description and tags (PostgreSQL "
        'websearch syntax: words, "a phrase", -excluded, or)',
    )
    channel: RowId | None = Field(None, description="channel id")
    theme: RowId | None = Field(None, description="theme id")
    discipline: RowId | None = Field(None, description="discipline id")
    type: RowId | None = Field(None, description="video type id")
    tag: Text | None = Field(None, max_length=100, description="tag slug")
    owner: Text | None = Field(None, max_length=150, description="username of an owner")
    created_after: Instant | None = Field(None, description="created at or after (ISO 8601)")
    created_before: Instant | None = Field(None, description="created at or before")
    duration_min: float | None = Field(None, ge=0, description="seconds, inclusive")
    duration_max: float | None = Field(None, ge=0, description="seconds, inclusive")
    ordering: Ordering = Field("-created_at", description="sort key; `-` for descending")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="page size")
    cursor: Text | None = Field(
        None, max_length=500, description="`next` of the previous page (same ordering)"
    )
    offset: Index | None = Field(
        None, description="positional start (without cursor; not stable under inserts)"
    )


class VideoPage(Schema):
    items: list[VideoOut]
    count: int = Field(description="videos matching the filters")
    next: str | None = Field(description="cursor of the next page; null on the last one")


class VideoCardPage(Schema):
    items: list[VideoCardOut]
    count: int = Field(description="videos matching the filters")
    next: str | None = Field(description="cursor of the next page; null on the last one")
