"""Reads of videos, with the access rules applied in the query (never by filtering in
Python afterwards).

Who sees a video:

- staff (managers, admins): every video;
- its owner and additional owners: their videos, in any state;
- everyone else: only **published** videos (``status=ready`` and not ``is_draft``),
  according to ``visibility``: ``public`` and ``unlisted`` for everyone (anonymous
  included), ``restricted`` for members of one of its access groups, ``password`` with
  a grant for it (see ``api.videos.grants``), ``private`` for nobody else.

What you may not see answers 404, like what does not exist. Editing (PATCH, a new
source) is for owners, additional owners and staff; deleting and changing the
additional owners for the owner and staff; others who can see the video get 403.
"""

from __future__ import annotations

from uuid import UUID

from django.db.models import (
    Prefetch,
    Q,
    QuerySet,
)

from api.accounts.models import User
from api.core.access import can_edit_expression, group_member_q, is_staff, owners_q
from api.core.errors import NotFound, PermissionDenied
from api.encoding.models import EncodingJob
from api.videos.grants import VideoGrant, grant_read
from api.videos.models import PUBLIC_Q, Video, VideoStatus, Visibility

_PUBLISHED = Q(status=VideoStatus.READY, is_draft=False)

_CO_OWNERS = Prefetch("additional_owners", queryset=User.objects.only("id", "username"))
_LATEST_JOBS = Prefetch(
    "encoding_jobs", queryset=EncodingJob.objects.order_by("-created_at"), to_attr="latest_jobs"
)


def _visible_q(user, grant: VideoGrant | None) -> Q:
    if is_staff(user):
        return Q()
    audience = Q(visibility__in=(Visibility.PUBLIC, Visibility.UNLISTED))
    if grant is not None:
        audience |= Q(
            visibility=Visibility.PASSWORD,
            pk=grant.video_id,
            password_version=grant.password_version,
        )
    if not user.is_authenticated:
        return _PUBLISHED & audience
    audience |= Q(visibility=Visibility.RESTRICTED) & group_member_q(Video, user)
    return owners_q(Video, user) | (_PUBLISHED & audience)


def _for_output(qs: QuerySet[Video], user) -> QuerySet[Video]:
    """Everything ``VideoOut`` needs, in a constant number of queries; ``user_can_edit``
    is computed by the database."""
    return (
        qs.select_related("owner")
        .prefetch_related(_CO_OWNERS, "access_groups", _LATEST_JOBS)
        .annotate(user_can_edit=can_edit_expression(Video, user))
    )


def videos_visible_to(user, *, grant: str | None = None) -> QuerySet[Video]:
    """Videos ``user`` may see; ``grant``: an ``X-Video-Grant`` token (raises
    InvalidGrant, 403, when it is bad or expired)."""
    parsed = grant_read(grant) if grant else None
    return _for_output(Video.objects.filter(_visible_q(user, parsed)), user)


def video_list_own(*, user) -> QuerySet[Video]:
    """The videos the user owns or co-owns, newest first."""
    own = Video.objects.filter(owners_q(Video, user)).order_by("-created_at", "-id")
    return _for_output(own, user)


def video_list_public() -> QuerySet[Video]:
    """The catalog: published public videos, newest first (the same for everyone)."""
    return Video.objects.filter(PUBLIC_Q).select_related("owner").order_by("-created_at", "-id")


def video_is_public(*, video_id: UUID) -> bool:
    """Whether the video's media may be served under plain, cacheable URLs."""
    return Video.objects.filter(PUBLIC_Q, pk=video_id).exists()


def video_get(*, video_id: UUID, user, grant: str | None = None) -> Video:
    """A video ``user`` may see (with the grant, if any); raises NotFound (404) otherwise
    (also when it exists but is hidden, so ids are not disclosed)."""
    video = videos_visible_to(user, grant=grant).filter(pk=video_id).first()
    if video is None:
        raise NotFound("No such video.")
    return video


def video_get_editable(*, video_id: UUID, user) -> Video:
    """A video ``user`` may change (owners, additional owners, staff); raises NotFound
    (404) or PermissionDenied (403, when the user can see it but not change it)."""
    video = video_get(video_id=video_id, user=user)
    if not video.user_can_edit:
        raise PermissionDenied("Only the owners of this video may change it.")
    return video


def video_get_deletable(*, video_id: UUID, user) -> Video:
    """A video ``user`` may delete (its owner, staff); 404 or 403 like
    :func:`video_get_editable`."""
    video = video_get(video_id=video_id, user=user)
    if not can_manage(user, video):
        raise PermissionDenied("Only the owner of this video may delete it.")
    return video


def video_get_unlockable(*, video_id: UUID, user) -> Video:
    """A video ``user`` may see, or a published password-protected one; 404 otherwise."""
    visible = _visible_q(user, None)  # Q() for staff: everything
    lockable = _PUBLISHED & Q(visibility=Visibility.PASSWORD)
    video = Video.objects.filter(visible | lockable if visible else visible, pk=video_id).first()
    if video is None:
        raise NotFound("No such video.")
    return video


def can_edit(user, video: Video) -> bool:
    """Owners, additional owners and staff (the selectors' ``user_can_edit``)."""
    if not user.is_authenticated:
        return False
    if user.is_staff or video.owner_id == user.pk:
        return True
    annotated = getattr(video, "user_can_edit", None)
    if annotated is not None:
        return bool(annotated)
    return video.additional_owners.filter(pk=user.pk).exists()


def can_manage(user, video: Video) -> bool:
    """The owner and staff: delete, change the additional owners."""
    return bool(user.is_authenticated and (user.is_staff or video.owner_id == user.pk))
