"""Pipeline endpoints under ``/videos/{id}/``: encode the kept source again."""

from __future__ import annotations

from uuid import UUID

from ninja import Router, Status

from api.accounts.auth import auth_required
from api.encoding.schemas import JobOut
from api.pipeline.services import video_reencode
from api.videos.selectors import video_get_editable

router = Router()


@router.post("/{uuid:video_id}/encode", response={202: JobOut}, auth=auth_required)
def encode_video(request, video_id: UUID):
    """Encode the video again from its kept source, with its current cut and dressing:
    a new encoding job (202). A ready video keeps serving its current outputs until the
    new job succeeds (a failed re-encode leaves them in place, the job tells why). Owners,
    additional owners and staff. A job pending or running: 409 ``encoding_running``; no
    source yet: 409 ``invalid_state``."""
    video = video_get_editable(video_id=video_id, user=request.auth)
    return Status(202, video_reencode(video=video))
