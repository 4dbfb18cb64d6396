"""Retention endpoints under ``/videos/{id}/retention``: thin handlers over ``services``
and ``selectors``. For those who may change the video (owners, additional owners,
staff): 403 for others who can see it, 404 for the rest, 401 without credentials."""

from __future__ import annotations

from uuid import UUID

from ninja import Router

from api.accounts.auth import auth_required
from api.retention import selectors, services
from api.retention.schemas import ExtendIn, RetentionOut

router = Router()


@router.get("/{uuid:video_id}/retention", response=RetentionOut, auth=auth_required)
def get_retention(request, video_id: UUID):
    """The video's deletion date, its state (``active``/``archived``) and how far you
    may extend it."""
    video = selectors.retention_get_editable(video_id=video_id, user=request.auth)
    return services.retention_init(video=video)


@router.post(
    "/{uuid:video_id}/retention/extend",
    response=RetentionOut,
    auth=auth_required,
    url_name="retention_extend",
)
def extend_retention(request, video_id: UUID, payload: ExtendIn):
    """Move the deletion date: owners within policy (after today, at most
    ``extend_max_date``: 422 ``retention_limit_exceeded`` past it), staff to any date.
    An archived video comes back (still a draft). Send ``{}`` for the default
    extension."""
    video = selectors.retention_get_editable(video_id=video_id, user=request.auth)
    return services.retention_extend(
        video=video, actor=request.auth, deletion_date=payload.deletion_date
    )
