"""Encoding endpoints under ``/videos/{id}/``: the job history."""

from __future__ import annotations

from uuid import UUID

from ninja import Router

from api.accounts.auth import auth_required
from api.encoding.schemas import JobOut
from api.encoding.selectors import encoding_job_list
from api.videos.selectors import video_get_editable

router = Router()


@router.get("/{uuid:video_id}/jobs", response=list[JobOut], auth=auth_required)
def list_jobs(request, video_id: UUID):
    """Every encoding job of the video, newest first: phase, progress, times, failure
    reason and message, ladder and edit. Owners, additional owners and staff (403 for
    others who can see the video, 404 for the rest)."""
    video = video_get_editable(video_id=video_id, user=request.auth)
    return list(encoding_job_list(video=video))
