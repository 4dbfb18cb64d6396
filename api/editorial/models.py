"""Editorial models, after Esup-Pod V4's ``video`` and ``playlist`` apps: channels and
their theme trees, disciplines, video types, tags, licences, playlists and favorites.

Licences (``Licence``) are defined with the ``Video`` model that uses them. Visibility
uses the videos' vocabulary (``api.videos.models.Visibility``): a channel is
``public`` or ``private``; a playlist is ``public``, ``unlisted``, ``private`` or
``restricted`` (no password). Who sees and changes what: ``api.editorial.selectors``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from api.core.text import slug_words
from api.videos.models import Visibility

#: what a channel may be
CHANNEL_VISIBILITIES = (Visibility.PUBLIC, Visibility.PRIVATE)
#: what a playlist may be
PLAYLIST_VISIBILITIES = (
    Visibility.PUBLIC,
    Visibility.UNLISTED,
    Visibility.PRIVATE,
    Visibility.RESTRICTED,
)


def tag_slug(name: str) -> str:
    """A tag's normal form: lower-case ASCII slug ("Machine Learning" → "machine-learning")."""
    return slug_words(name.strip())[:100]


class Channel(models.Model):
    """A channel (Esup-Pod's ``Channel``): ``owners`` edit it, ``members`` may add their
    videos to it; ``private`` channels are seen by them and staff only."""

    title = models.CharField(max_length=250)
    slug = models.SlugField(max_length=250, unique=True)
    description = models.TextField(blank=True, default="")
    visibility = models.CharField(
        max_length=16,
        choices=[(v.value, v.label) for v in CHANNEL_VISIBILITIES],
        default=Visibility.PUBLIC,
    )
    owners = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="owned_channels")
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="member_channels", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("title", "id")

    def __str__(self) -> str:
        return self.title


class Theme(models.Model):
    """A theme of a channel; themes form a tree (``parent``) inside their channel."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="themes")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    title = models.CharField(max_length=250)
    slug = models.SlugField(max_length=250)
    description = models.TextField(blank=True, default="")

    class Meta:
        ordering = ("channel_id", "title", "id")
        constraints = [
            models.UniqueConstraint(fields=["channel", "slug"], name="theme_slug_per_channel")
        ]

    def __str__(self) -> str:
        return self.title


class Discipline(models.Model):
    """An academic discipline (managed by staff)."""

    title = models.CharField(max_length=250)
    slug = models.SlugField(max_length=250, unique=True)
    description = models.TextField(blank=True, default="")

    class Meta:
        ordering = ("title", "id")

    def __str__(self) -> str:
        return self.title


class VideoType(models.Model):
    """A kind of video: lecture, conference, tutorial... (managed by staff)."""

    title = models.CharField(max_length=250)
    slug = models.SlugField(max_length=250, unique=True)
    description = models.TextField(blank=True, default="")

    class Meta:
        ordering = ("title", "id")

    def __str__(self) -> str:
        return self.title


class Tag(models.Model):
    """A keyword; ``slug`` is its normal form (:func:`tag_slug`), ``name`` as first typed."""

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ("slug",)

    def __str__(self) -> str:
        return self.slug


class Playlist(models.Model):
    """An ordered list of videos. ``owner`` and ``additional_owners`` (the
    collaborators) edit it; visibility as for videos, without password."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="playlists"
    )
    title = models.CharField(max_length=250)
    description = models.TextField(blank=True, default="")
    visibility = models.CharField(
        max_length=16,
        choices=[(v.value, v.label) for v in PLAYLIST_VISIBILITIES],
        default=Visibility.PRIVATE,
    )
    additional_owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="collaborating_playlists", blank=True
    )
    access_groups = models.ManyToManyField(
        "accounts.AccessGroup", related_name="playlists", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return self.title


class PlaylistItem(models.Model):
    """A video at ``position`` (0-based, contiguous) in a playlist."""

    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="items")
    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("playlist_id", "position")
        constraints = [
            models.UniqueConstraint(fields=["playlist", "video"], name="playlist_video_once"),
        ]

    def __str__(self) -> str:
        return f"{self.playlist_id}#{self.position}"


class Favorite(models.Model):
    """A video in a user's favorites, at ``position`` (0-based)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favorites"
    )
    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("user_id", "position")
        constraints = [
            models.UniqueConstraint(fields=["user", "video"], name="favorite_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}#{self.position}"
