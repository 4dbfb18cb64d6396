"""Video schemas. ``VideoOut`` resolves the upload instructions and the encoding state
from the request's user and the video's latest encoding job."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from django.conf import settings
from django.urls import reverse
from ninja import Field, Schema
from pydantic import StringConstraints

from api.accounts.schemas import AccessGroupOut
from api.videos.models import Video, VideoStatus, Visibility

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=250)]
Description = Annotated[str, StringConstraints(max_length=20_000)]
Password = Annotated[str, StringConstraints(min_length=4, max_length=128)]
CodeName = Annotated[str, StringConstraints(min_length=1, max_length=150)]
Username = Annotated[str, StringConstraints(min_length=1, max_length=150)]

_VISIBILITY = (
    "public: listed in the catalog; unlisted: anyone with the link; private: owners and "
    "staff; restricted: members of `access_groups`; password: with a grant from "
    "`POST /videos/{id}/unlock`"
)
_PASSWORD = "write-only, stored hashed; only with visibility `password`, which needs one"


class VideoIn(Schema):
    title: Title
    description: Description = ""
    visibility: Visibility = Field(Visibility.PUBLIC, description=_VISIBILITY)
    is_draft: bool = Field(True, description="drafts are seen by owners and staff only")
    password: Password | None = Field(None, description=_PASSWORD)
    access_groups: list[CodeName] = Field([], description="access group code names")
    additional_owners: list[Username] = Field([], description="usernames; they may edit")


class VideoPatch(Schema):
    """Only the fields sent change. ``additional_owners``: the owner and staff only."""

    title: Title | None = None
    description: Description | None = None
    visibility: Visibility | None = Field(None, description=_VISIBILITY)
    is_draft: bool | None = None
    password: Password | None = Field(None, description=_PASSWORD)
    access_groups: list[CodeName] | None = Field(None, description="access group code names")
    additional_owners: list[Username] | None = Field(None, description="usernames")


class UnlockIn(Schema):
    password: Annotated[str, StringConstraints(max_length=128)]


class GrantOut(Schema):
    grant: str = Field(description="send it back in the X-Video-Grant header")
    expires_at: datetime
    header: str = Field(description="the header to send it in: X-Video-Grant")


class OwnerOut(Schema):
    id: int
    username: str


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
    metadata: dict[str, str] = Field(description="Upload-Metadata pairs to send")
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


class VideoOut(Schema):
    id: UUID
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
    source: SourceOut | None
    upload: UploadOut | None = Field(description="present while the source may be uploaded")
    encoding: EncodingOut | None = Field(description="the latest encoding job")
    renditions: list[RenditionOut]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_additional_owners(obj: Video):
        return obj.additional_owners.all()

    @staticmethod
    def resolve_access_groups(obj: Video):
        return obj.access_groups.all()

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
        from api.uploads.views import CHECKSUM_ALGORITHMS
        from api.videos.selectors import can_edit
        from api.videos.services import UPLOADABLE

        request = context["request"]
        user = getattr(request, "auth", None) or request.user
        if obj.status not in UPLOADABLE or not can_edit(user, obj):
            return None
        return {
            "url": request.build_absolute_uri(reverse("tus-create")),
            "metadata": {"video": str(obj.id), "filename": "<your file name>"},
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
    title: str
    description: str
    duration: float | None = Field(description="seconds")
    owner: OwnerOut
    poster: str | None = Field(description="poster image URL (plain, cacheable)")
    created_at: datetime

    @staticmethod
    def resolve_poster(obj: Video, context):
        from api.playback.services import media_url

        poster = (obj.manifest or {}).get("poster")
        return media_url(context["request"], obj.output_prefix + poster) if poster else None
