"""Writes of comments, reactions and view counts.

Errors: ``comments_disabled`` (409) when the owners closed the comments, ``comment_deleted``
(409) to edit or answer a deleted comment, PermissionDenied (403) to edit another's
comment or delete one you may not, ValidationFailed (422, ``field="parent"``) for a
parent that is not a comment of the video.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from api.accounts.models import User
from api.core.errors import Conflict, PermissionDenied, ValidationFailed
from api.social.models import Comment, Reaction, ReactionKind, VideoStats, ViewMark
from api.videos.models import Video
from api.videos.selectors import can_edit

#: what the API shows instead of the text of a deleted comment
DELETED_TEXT = "[deleted]"

_COUNTER = {ReactionKind.LIKE: "likes", ReactionKind.DISLIKE: "dislikes"}


def _stats_bump(video_id, **deltas: int) -> None:
    """Add ``deltas`` to the video's counters with one ``F()`` update (the row is
    created on first use)."""
    changes = {name: F(name) + delta for name, delta in deltas.items()}
    if not VideoStats.objects.filter(video_id=video_id).update(**changes):
        VideoStats.objects.get_or_create(video_id=video_id)
        VideoStats.objects.filter(video_id=video_id).update(**changes)


def _check_open(video: Video) -> None:
    if not video.allow_comments:
        raise Conflict("The owners closed the comments of this video.", code="comments_disabled")


@transaction.atomic
def comment_create(
    *, video: Video, author: User, text: str, parent_id: int | None = None
) -> Comment:
    """A new comment by ``author`` on a video they may see, or a reply to ``parent_id``
    (a comment of the same video, not deleted)."""
    _check_open(video)
    parent = root = None
    if parent_id is not None:
        parent = Comment.objects.filter(video=video, pk=parent_id).first()
        if parent is None:
            raise ValidationFailed("No such comment on this video.", field="parent")
        if parent.is_deleted:
            raise Conflict("This comment was deleted.", code="comment_deleted")
        root = parent.root_id or parent.pk
    return Comment.objects.create(
        video=video, author=author, text=text, parent=parent, root_id=root
    )


@transaction.atomic
def comment_update(*, comment: Comment, video: Video, actor: User, text: str) -> Comment:
    """Change the text (its author only; not once the comments are closed)."""
    if comment.author_id != actor.pk:
        raise PermissionDenied("Only its author may edit a comment.")
    if comment.is_deleted:
        raise Conflict("This comment was deleted.", code="comment_deleted")
    _check_open(video)
    comment.text, comment.edited_at = text, timezone.now()
    comment.save(update_fields=["text", "edited_at"])
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, video: Video, actor: User) -> None:
    """Soft-delete a comment (its author, the video's owners, staff): the text and the
    author go, the replies stay. Deleting twice changes nothing."""
    if comment.author_id != actor.pk and not can_edit(actor, video):
        raise PermissionDenied("Only its author or the video's owners may delete a comment.")
    if comment.is_deleted:
        return
    comment.is_deleted, comment.text, comment.author = True, "", None
    comment.save(update_fields=["is_deleted", "text", "author"])


@transaction.atomic
def comments_set_allowed(*, video: Video, allowed: bool) -> Video:
    """Open or close the comments of a video (existing comments stay visible)."""
    Video.objects.filter(pk=video.pk).update(allow_comments=allowed)
    video.allow_comments = allowed
    return video


@transaction.atomic
def reaction_set(*, video: Video, user: User, kind: ReactionKind) -> None:
    """Like or dislike a video: one reaction per user, switching replaces it."""
    current = Reaction.objects.select_for_update().filter(video=video, user=user).first()
    if current is None:
        try:
            with transaction.atomic():
                Reaction.objects.create(video=video, user=user, kind=kind)
        except IntegrityError:  # the same user's concurrent first reaction won
            current = Reaction.objects.select_for_update().get(video=video, user=user)
        else:
            _stats_bump(video.pk, **{_COUNTER[kind]: 1})
            return
    if current.kind == kind:
        return
    _stats_bump(video.pk, **{_COUNTER[ReactionKind(current.kind)]: -1, _COUNTER[kind]: 1})
    current.kind = kind
    current.save(update_fields=["kind", "updated_at"])


@transaction.atomic
def reaction_remove(*, video: Video, user: User) -> None:
    """Take back one's reaction (nothing happens without one)."""
    current = Reaction.objects.select_for_update().filter(video=video, user=user).first()
    if current is not None:
        current.delete()
        _stats_bump(video.pk, **{_COUNTER[ReactionKind(current.kind)]: -1})


def viewer_key(*, user, client_id: str | None, ip: str, user_agent: str) -> str:
    """Who is watching, for de-duplication: the user (``u:<id>``) when signed in, else
    a hash of the client's address with its client id (``c:``) or its User-Agent
    (``a:``). Hashes keep addresses out of the database."""
    if user is not None and user.is_authenticated:
        return f"u:{user.pk}"
    kind, extra = ("c", client_id) if client_id else ("a", user_agent)
    return f"{kind}:" + hashlib.sha256(f"{ip}\n{extra}".encode()).hexdigest()


@transaction.atomic
def view_record(*, video: Video, viewer: str) -> tuple[bool, int]:
    """Count a view of ``video`` by ``viewer`` (see :func:`viewer_key`) unless the same
    viewer's view was counted less than ``VIEW_DEDUPE_SECONDS`` ago; returns
    ``(counted, views)``. Safe under concurrent requests: on PostgreSQL the second of
    two simultaneous first views waits on the unique index and is not counted."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.VIEW_DEDUPE_SECONDS)
    stale = ViewMark.objects.filter(video=video, viewer=viewer, counted_at__lte=cutoff)
    counted = stale.update(counted_at=now) > 0
    if not counted:
        try:
            with transaction.atomic():
                ViewMark.objects.create(video=video, viewer=viewer, counted_at=now)
            counted = True
        except IntegrityError:  # counted within the window
            counted = False
    if counted:
        _stats_bump(video.pk, views=1)
    views = VideoStats.objects.filter(video=video).values_list("views", flat=True).first()
    return counted, views or 0


def view_marks_purge() -> int:
    """Forget the view marks older than the de-duplication window (they no longer
    change anything); returns how many went. For a periodic task."""
    cutoff = timezone.now() - timedelta(seconds=settings.VIEW_DEDUPE_SECONDS)
    deleted, _ = ViewMark.objects.filter(counted_at__lte=cutoff).delete()
    return deleted
