"""Video endpoints: thin handlers over ``services`` and ``selectors``."""

from __future__ import annotations

from uuid import UUID

from django.db.models import Prefetch
from ninja import Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from api.accounts.auth import auth_optional, auth_required
from api.encoding.models import EncodingJob
from api.videos import selectors, services
from api.videos.schemas import VideoIn, VideoOut, VideoPatch

router = Router()

_LATEST_JOBS = Prefetch(
    "encoding_jobs", queryset=EncodingJob.objects.order_by("-created_at"), to_attr="latest_jobs"
)


@router.post("", response={201: VideoOut}, auth=auth_required)
def create_video(request, payload: VideoIn):
    """Create a video in ``draft`` status; its ``upload`` object says where to send the
    source with tus."""
    video = services.video_create(owner=request.auth, **payload.dict())
    return Status(201, video)


@router.get("", response=list[VideoOut], auth=auth_required)
@paginate(LimitOffsetPagination)
def list_videos(request):
    """Your own videos, newest first (``limit``/``offset`` pagination)."""
    return selectors.video_list_own(user=request.auth).prefetch_related(_LATEST_JOBS)


@router.get("/{uuid:video_id}", response=VideoOut, auth=auth_optional)
def get_video(request, video_id: UUID):
    """A video: ready videos for everyone, any status for its owner and staff (404
    otherwise)."""
    return selectors.video_get(video_id=video_id, user=request.auth)


@router.patch("/{uuid:video_id}", response=VideoOut, auth=auth_required)
def update_video(request, video_id: UUID, payload: VideoPatch):
    """Change title/description (owner or staff)."""
    video = selectors.video_get_editable(video_id=video_id, user=request.auth)
    return services.video_update(video=video, **payload.dict(exclude_unset=True))


@router.delete("/{uuid:video_id}", response={204: None}, auth=auth_required)
def delete_video(request, video_id: UUID):
    """Delete a video with its files; a running encoding is cancelled (owner or staff)."""
    video = selectors.video_get_editable(video_id=video_id, user=request.auth)
    services.video_delete(video=video)
    return Status(204, None)
