"""Reads of comments, reactions and counters.

Which video a user may read or comment on is decided by ``api.videos.selectors``
(the same query as the video's detail: what you may not see answers 404, a
password-protected video needs its ``X-Video-Grant``); these selectors work on a video
already fetched that way.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from api.core.errors import NotFound
from api.social.models import Comment, Reaction, VideoStats
from api.videos.models import Video


def comment_threads(*, video: Video) -> QuerySet[Comment]:
    """The top-level comments of ``video``, oldest first, each with ``replies_list``:
    its whole thread (replies and replies to replies), oldest first, with authors.
    Evaluating a slice of it runs two queries whatever the page holds.

    Deleted comments stay (as "[deleted]") only to hold replies in place: a deleted
    top-level comment is listed while its thread has a comment that is not deleted, a
    deleted reply while it has replies."""
    answered = Comment.objects.filter(parent=OuterRef("pk"))
    replies = (
        Comment.objects.filter(Q(is_deleted=False) | Q(Exists(answered)))
        .select_related("author")
        .order_by("created_at", "id")
    )
    alive_in_thread = Comment.objects.filter(root=OuterRef("pk"), is_deleted=False)
    return (
        Comment.objects.filter(video=video, root__isnull=True)
        .filter(Q(is_deleted=False) | Q(Exists(alive_in_thread)))
        .select_related("author")
        .prefetch_related(Prefetch("thread_replies", queryset=replies, to_attr="replies_list"))
    )


def comment_get(*, video: Video, comment_id: int) -> Comment:
    """A comment of ``video``; raises NotFound (404)."""
    comment = Comment.objects.filter(video=video, pk=comment_id).select_related("author").first()
    if comment is None:
        raise NotFound("No such comment on this video.")
    return comment


def video_stats(*, video: Video) -> VideoStats:
    """The counters of ``video`` (zeros when nothing was counted yet); uses the row
    loaded with ``select_related("stats")`` when there is one."""
    try:
        stats = video.stats
    except ObjectDoesNotExist:
        stats = None
    return stats or VideoStats(video_id=video.pk)


def reaction_summary(*, video: Video, user) -> dict:
    """``{likes, dislikes, mine}``: the counts and the user's own reaction (or None)."""
    stats = VideoStats.objects.filter(video=video).first() or VideoStats(video_id=video.pk)
    mine = None
    if user.is_authenticated:
        mine = (
            Reaction.objects.filter(video=video, user=user).values_list("kind", flat=True).first()
        )
    return {"likes": stats.likes, "dislikes": stats.dislikes, "mine": mine}
