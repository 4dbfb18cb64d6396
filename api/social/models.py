"""Comments, reactions and view counts of videos.

Counters (views, likes, dislikes) live in ``VideoStats``, one row per video, changed
only with ``F()`` updates in the same transaction as what they count, so concurrent
requests never lose an increment. Esup-Pod V4's comments (``parent``, votes) are the
reference; a comment here has a ``root`` too (its top-level ancestor), so a page of
threads is read in a constant number of queries.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Comment(models.Model):
    """A comment on a video, or a reply (``parent``) in a thread (``root``: the
    top-level comment, ``None`` for a top-level one). Deleting is soft: ``is_deleted``
    clears the text and the author but keeps the place of the replies."""

    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    root = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="thread_replies"
    )
    text = models.TextField(max_length=5000)
    is_deleted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("created_at", "id")
        indexes = [
            models.Index(
                fields=["video", "created_at", "id"],
                condition=models.Q(root__isnull=True),
                name="comment_threads",
            ),
            models.Index(fields=["root", "created_at", "id"], name="comment_replies"),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.video_id}"


class ReactionKind(models.TextChoices):
    LIKE = "like", "Like"
    DISLIKE = "dislike", "Dislike"


class Reaction(models.Model):
    """One user's like or dislike of one video (at most one per user and video)."""

    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions"
    )
    kind = models.CharField(max_length=8, choices=ReactionKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["video", "user"], name="one_reaction_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.video_id} by {self.user_id}"


class VideoStats(models.Model):
    """The counters of a video; a missing row means all zero."""

    video = models.OneToOneField(
        "videos.Video", on_delete=models.CASCADE, primary_key=True, related_name="stats"
    )
    views = models.PositiveBigIntegerField(default=0)
    likes = models.PositiveIntegerField(default=0)
    dislikes = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "video stats"

    def __str__(self) -> str:
        return f"stats of {self.video_id}"


class ViewMark(models.Model):
    """When a viewer's view of a video was last counted: another view by the same
    viewer within ``VIEW_DEDUPE_SECONDS`` is not counted. ``viewer`` is ``u:<user id>``,
    ``c:<sha256 of the client id>`` or ``a:<sha256 of IP and User-Agent>``."""

    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="+")
    viewer = models.CharField(max_length=80)
    counted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["video", "viewer"], name="one_view_mark_per_viewer"),
        ]
        indexes = [models.Index(fields=["counted_at"], name="view_mark_age")]

    def __str__(self) -> str:
        return f"view of {self.video_id} by {self.viewer}"
