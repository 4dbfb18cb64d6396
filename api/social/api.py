"""Comment, reaction and view endpoints under ``/videos/{id}/``: thin handlers over
``services`` and ``selectors``. The video is fetched with the same access rules as its
detail (404 when you may not see it; ``X-Video-Grant`` for a password-protected one)."""

# no ``from __future__ import annotations``: @paginate needs evaluated annotations
from uuid import UUID

from ninja import Query, Router, Status
from ninja.pagination import paginate

from api.accounts.auth import auth_optional, auth_required
from api.core.client import client_ip
from api.core.pagination import LimitOffset
from api.core.ratelimit import enforce
from api.social import selectors, services
from api.social.schemas import (
    ClientId,
    CommentIn,
    CommentOut,
    CommentPatch,
    CommentSettingsIn,
    CommentSettingsOut,
    ReactionIn,
    ReactionsOut,
    ThreadOut,
    ViewOut,
)
from api.videos.api import GrantHeader
from api.videos.selectors import video_get, video_get_editable

router = Router()

_CLIENT_ID = Query(
    None,
    description=(
        "anonymous players: a random id the client keeps (e.g. in localStorage), so "
        "that viewers behind one address count apart; ignored when signed in"
    ),
)


@router.get("/{uuid:video_id}/comments", response=list[ThreadOut], auth=auth_optional)
@paginate(LimitOffset)
def list_comments(request, video_id: UUID, grant: str | None = GrantHeader):
    """The comment threads, oldest first, paginated by top-level comment; each comes
    with all its replies. Still readable when the comments are closed."""
    video = video_get(video_id=video_id, user=request.auth, grant=grant)
    return selectors.comment_threads(video=video)


@router.post("/{uuid:video_id}/comments", response={201: CommentOut}, auth=auth_required)
def create_comment(request, video_id: UUID, payload: CommentIn, grant: str | None = GrantHeader):
    """Comment, or answer a comment (``parent``). Closed comments: 409
    ``comments_disabled``; a deleted parent: 409 ``comment_deleted``; too many
    comments: 429 ``rate_limited`` with ``Retry-After``."""
    video = video_get(video_id=video_id, user=request.auth, grant=grant)
    enforce(request, "comment")
    comment = services.comment_create(
        video=video, author=request.auth, text=payload.text, parent_id=payload.parent
    )
    return Status(201, comment)


@router.patch("/{uuid:video_id}/comments/{int:comment_id}", response=CommentOut, auth=auth_required)
def update_comment(
    request, video_id: UUID, comment_id: int, payload: CommentPatch, grant: str | None = GrantHeader
):
    """Edit your comment (its author only: 403 otherwise)."""
    video = video_get(video_id=video_id, user=request.auth, grant=grant)
    comment = selectors.comment_get(video=video, comment_id=comment_id)
    return services.comment_update(
        comment=comment, video=video, actor=request.auth, text=payload.text
    )


@router.delete(
    "/{uuid:video_id}/comments/{int:comment_id}", response={204: None}, auth=auth_required
)
def delete_comment(request, video_id: UUID, comment_id: int, grant: str | None = GrantHeader):
    """Delete a comment (its author, the video's owners, staff: 403 otherwise); its
    replies stay, under a "[deleted]" placeholder."""
    video = video_get(video_id=video_id, user=request.auth, grant=grant)
    comment = selectors.comment_get(video=video, comment_id=comment_id)
    services.comment_delete(comment=comment, video=video, actor=request.auth)
    return Status(204, None)


@router.patch("/{uuid:video_id}/comment-settings", response=CommentSettingsOut, auth=auth_required)
def update_comment_settings(request, video_id: UUID, payload: CommentSettingsIn):
    """Open or close the comments (owners, additional owners, staff)."""
    video = video_get_editable(video_id=video_id, user=request.auth)
    return services.comments_set_allowed(video=video, allowed=payload.allow_comments)


@router.get("/{uuid:video_id}/reactions", response=ReactionsOut, auth=auth_optional)
def get_reactions(request, video_id: UUID, grant: str | None = GrantHeader):
    """Likes, dislikes and your own reaction."""
    video = video_get(video_id=video_id, user=request.auth, grant=grant)
    return selectors.reaction_summary(video=video, user=request.auth)


@router.put("/{uuid:video_id}/reactions", response=ReactionsOut, auth=auth_required)
def set_reaction(request, video_id: UUID, payload: ReactionIn, grant: str | None = GrantHeader):
    """Like or dislike (one reaction per user: a new one replaces the old)."""
    video = video_get(video_id=video_id, user=request.auth, grant=grant)
    services.reaction_set(video=video, user=request.auth, kind=payload.kind)
    return selectors.reaction_summary(video=video, user=request.auth)


@router.delete("/{uuid:video_id}/reactions", response=ReactionsOut, auth=auth_required)
def remove_reaction(request, video_id: UUID, grant: str | None = GrantHeader):
    """Take back your reaction."""
    video = video_get(video_id=video_id, user=request.auth, grant=grant)
    services.reaction_remove(video=video, user=request.auth)
    return selectors.reaction_summary(video=video, user=request.auth)


@router.post("/{uuid:video_id}/views", response=ViewOut, auth=auth_optional)
def record_view(
    request,
    video_id: UUID,
    client_id: ClientId = _CLIENT_ID,
    grant: str | None = GrantHeader,
):
    """Count a view: the player calls it once when playback starts (no body). The same
    viewer (the user; else the client's address with ``client_id``, or with its
    User-Agent) counts once per ``VIEW_DEDUPE_SECONDS`` (30 min by default): a refresh
    is not a new view."""
    video = video_get(video_id=video_id, user=request.auth, grant=grant)
    viewer = services.viewer_key(
        user=request.auth,
        client_id=client_id,
        ip=client_ip(request),
        user_agent=request.headers.get("User-Agent", ""),
    )
    counted, views = services.view_record(video=video, viewer=viewer)
    return {"counted": counted, "views": views}
