"""Video endpoints: thin handlers over ``services`` and ``selectors``. Who may do what
is documented in ``api.videos.selectors`` (and ``docs/access.md``)."""

from __future__ import annotations

from uuid import UUID

from ninja import Header, Query, Router, Status

from api.accounts import selectors as accounts
from api.accounts.admin_schemas import TransferIn, TransferOut
from api.accounts.auth import auth_optional, auth_required
from api.core.ratelimit import enforce
from api.pipeline import services as pipeline
from api.videos import selectors, services
from api.videos.grants import GRANT_HEADER
from api.videos.schemas import (
    GrantOut,
    UnlockIn,
    VideoCardPage,
    VideoFilters,
    VideoIn,
    VideoOut,
    VideoPage,
    VideoPatch,
)

router = Router()
catalog_router = Router()
#: mounted at /users, with the user administration (api.accounts.admin_api)
users_router = Router()

GrantHeader = Header(
    None, alias=GRANT_HEADER, description="grant of a password-protected video (see unlock)"
)


@router.post("", response={201: VideoOut}, auth=auth_required)
def create_video(request, payload: VideoIn):
    """Create a video in ``draft`` status; its ``upload`` object says where to send the
    source with tus. Viewers (no upload right): 403 ``permission_denied``."""
    video = services.video_create(owner=request.auth, **payload.dict())
    return Status(201, selectors.video_get(video_id=video.id, user=request.auth))


@router.get("", response=VideoPage, auth=auth_required)
def list_videos(request, filters: Query[VideoFilters]):
    """Your videos (owned or co-owned), newest first by default; filters, search
    (``q``), ``ordering`` and cursor pagination: pass the page's ``next`` as ``cursor``.
    A bad cursor: 422 ``invalid_cursor``."""
    return selectors.video_list_own(user=request.auth, **filters.dict())


@router.get("/{uuid:video_id}", response=VideoOut, auth=auth_optional)
def get_video(request, video_id: UUID, grant: str | None = GrantHeader):
    """A video you may see (404 otherwise); a bad or expired grant: 403
    ``invalid_grant``."""
    return selectors.video_get(video_id=video_id, user=request.auth, grant=grant)


@router.get("/by-slug/{slug}", response=VideoOut, auth=auth_optional)
def get_video_by_slug(request, slug: str, grant: str | None = GrantHeader):
    """The video of a slug (``VideoOut.slug``, exact), answered like ``GET
    /videos/{id}`` (no redirect): 404 when there is none or you may not see it, and an
    ``unlisted`` video is found by its slug only by its owners and staff (its link is
    its id); a bad or expired grant: 403 ``invalid_grant``."""
    return selectors.video_get_by_slug(slug=slug, user=request.auth, grant=grant)


@router.patch("/{uuid:video_id}", response=VideoOut, auth=auth_required)
def update_video(request, video_id: UUID, payload: VideoPatch):
    """Change metadata and access settings (owners, additional owners, staff)."""
    video = selectors.video_get_editable(video_id=video_id, user=request.auth)
    changes = payload.dict(exclude_unset=True)
    return services.video_update(video=video, actor=request.auth, **changes)


@router.delete("/{uuid:video_id}", response={204: None}, auth=auth_required)
def delete_video(request, video_id: UUID):
    """Delete a video with its files; a running encoding is cancelled (owner, staff)."""
    video = selectors.video_get_deletable(video_id=video_id, user=request.auth)
    pipeline.video_deleted(video=video)  # jobs cancelled, uploads dropped, then the video
    return Status(204, None)


@router.post("/{uuid:video_id}/unlock", response=GrantOut, auth=auth_optional)
def unlock_video(request, video_id: UUID, payload: UnlockIn):
    """Unlock a password-protected video: a short-lived grant to send back in the
    ``X-Video-Grant`` header. Wrong password: 403 ``wrong_password``; another
    visibility: 409 ``not_password_protected``; too many tries: 429 ``rate_limited``."""
    enforce(request, "unlock")  # password guessing: 429 rate_limited past RATE_LIMITS
    video = selectors.video_get_unlockable(video_id=video_id, user=request.auth)
    return services.video_unlock(video=video, password=payload.password)


@catalog_router.get("/videos", response=VideoCardPage, auth=None)
def catalog_videos(request, filters: Query[VideoFilters]):
    """The public catalog: published public videos, the same for everyone (no
    authentication needed); filters, search, ordering and cursor pagination as for
    ``GET /videos``."""
    return selectors.video_list_public(**filters.dict())


@users_router.post("/{int:user_id}/transfer-videos", response=TransferOut, auth=auth_required)
def transfer_videos(request, user_id: int, payload: TransferIn):
    """Give every video the user owns (or those of ``videos``) to the user ``to``, all
    or none. Staff only (only admins move an admin's videos); ``to`` unknown: 404;
    inactive, the same user, or ids that are not the user's videos: 422."""
    accounts.require_staff(request.auth)
    from_user = accounts.user_get(user_id=user_id)
    to_user = accounts.user_get_by_username(username=payload.to, field="to")
    ids = services.videos_transfer_owner(
        actor=request.auth, from_user=from_user, to_user=to_user, video_ids=payload.videos
    )
    return {"transferred": len(ids), "videos": ids}
