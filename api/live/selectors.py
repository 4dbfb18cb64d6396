"""Reads of live events, with the video access rules applied in the query.

Who sees an event: staff, all; its owner and additional owners, theirs; everyone else
only events that are not drafts, by ``visibility``: ``public`` and ``unlisted`` for
everyone (anonymous included), ``restricted`` for members of one of its access groups,
``password`` with a grant for it (``POST .../unlock``, as for videos:
``api.videos.grants``), ``private`` for nobody else. Hidden events answer 404 like
missing ones; visible but not editable, 403.

The stream key is for owners and staff only: ``user_can_edit`` (computed by the
database) decides whether a response carries it.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.db.models import Q, QuerySet

from api.core.access import can_edit_expression, group_member_q, is_staff, owners_q
from api.core.errors import NotFound, PermissionDenied
from api.live.models import LiveEvent
from api.videos.grants import VideoGrant, grant_read
from api.videos.models import Visibility


def _visible_q(user, *, listed: bool = False, grant: VideoGrant | None = None) -> Q:
    """Events ``user`` may see; ``listed``: leave out unlisted events of others;
    ``grant``: a password-protected event unlocked (its current password version)."""
    if is_staff(user):
        return Q()
    audience = Q(visibility=Visibility.PUBLIC)
    if not listed:
        audience |= Q(visibility=Visibility.UNLISTED)
    if grant is not None:
        audience |= Q(
            visibility=Visibility.PASSWORD,
            pk=grant.video_id,
            password_version=grant.password_version,
        )
    if not user.is_authenticated:
        return Q(is_draft=False) & audience
    audience |= Q(visibility=Visibility.RESTRICTED) & group_member_q(LiveEvent, user)
    return owners_q(LiveEvent, user) | (Q(is_draft=False) & audience)


def _for_output(qs: QuerySet[LiveEvent], user) -> QuerySet[LiveEvent]:
    return (
        qs.select_related("owner")
        .prefetch_related("additional_owners", "access_groups")
        .annotate(user_can_edit=can_edit_expression(LiveEvent, user))
    )


def live_event_list(
    *,
    user,
    state: list[str] | None = None,
    start_after: datetime | None = None,
    start_before: datetime | None = None,
) -> QuerySet[LiveEvent]:
    """Events ``user`` may see and that are listed (not others' unlisted ones), by start
    time; filtered by ``state`` (any of) and by start in ``[start_after, start_before)``."""
    qs = LiveEvent.objects.filter(_visible_q(user, listed=True))
    if state:
        qs = qs.filter(state__in=state)
    if start_after is not None:
        qs = qs.filter(start__gte=start_after)
    if start_before is not None:
        qs = qs.filter(start__lt=start_before)
    return _for_output(qs.order_by("start", "id"), user)


def live_event_get(*, event_id: UUID, user, grant: str | None = None) -> LiveEvent:
    """An event ``user`` may see (with ``grant``, an ``X-Video-Grant`` token, for a
    password-protected one); NotFound (404) otherwise, InvalidGrant (403) for a bad or
    expired grant."""
    parsed = grant_read(grant) if grant else None
    visible = _visible_q(user, grant=parsed)
    event = _for_output(LiveEvent.objects.filter(visible, pk=event_id), user).first()
    if event is None:
        raise NotFound("No such live event.")
    return event


def live_event_get_unlockable(*, event_id: UUID, user) -> LiveEvent:
    """An event ``user`` may see, or a password-protected one that is not a draft;
    NotFound (404) otherwise."""
    visible = _visible_q(user)  # Q() for staff: everything
    lockable = Q(is_draft=False, visibility=Visibility.PASSWORD)
    event = LiveEvent.objects.filter(visible | lockable if visible else visible, pk=event_id)
    if (found := event.first()) is None:
        raise NotFound("No such live event.")
    return found


_PUBLIC_Q = Q(visibility=Visibility.PUBLIC, is_draft=False)


def live_event_is_public(event: LiveEvent) -> bool:
    """Whether the event's live media may be served under plain URLs (public, not a
    draft); every other event's go under tokened URLs."""
    return event.visibility == Visibility.PUBLIC and not event.is_draft


def live_event_is_public_id(*, event_id: UUID) -> bool:
    """:func:`live_event_is_public` by id (False for no such event)."""
    return LiveEvent.objects.filter(_PUBLIC_Q, pk=event_id).exists()


def live_event_get_editable(*, event_id: UUID, user) -> LiveEvent:
    """An event ``user`` may change (owners, staff); 404 or PermissionDenied (403)."""
    event = live_event_get(event_id=event_id, user=user)
    if not event.user_can_edit:
        raise PermissionDenied("Only the owners of this live event may change it.")
    return event


def live_event_get_deletable(*, event_id: UUID, user) -> LiveEvent:
    """An event ``user`` may delete (the owner, staff); 404 or 403."""
    event = live_event_get(event_id=event_id, user=user)
    if not (user.is_staff or event.owner_id == user.pk):
        raise PermissionDenied("Only the owner of this live event may delete it.")
    return event
