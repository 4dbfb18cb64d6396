"""Reads of the feeds: public channels and the playlists anyone may open, and their
public videos (``PUBLIC_Q``: ready, published, ``visibility=public``), newest first, at
most ``FEED_MAX_ITEMS``."""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from api.core.errors import NotFound
from api.editorial.models import Channel, Playlist, PlaylistItem
from api.editorial.selectors import playlist_get
from api.feeds.links import fallback
from api.videos.models import PUBLIC_Q, Video, Visibility


def feed_channel(*, slug: str) -> Channel:
    """A public channel by slug; NotFound (404) for a private or unknown one."""
    channel = Channel.objects.filter(slug=slug, visibility=Visibility.PUBLIC).first()
    if channel is None:
        raise NotFound("No such channel.")
    return channel


def feed_playlist(*, playlist_id: UUID) -> Playlist:
    """A playlist anyone may open (public or unlisted); NotFound (404) otherwise."""
    return playlist_get(playlist_id=playlist_id, user=AnonymousUser())


def _public(qs: QuerySet[Video], *, audio_only: bool) -> list[Video]:
    qs = qs.filter(PUBLIC_Q).select_related("owner").order_by("-created_at", "-id")
    if audio_only:  # audio-only sources: their fallback is the M4A one
        qs = qs.filter(manifest__hls__audio_only=True)
    videos = list(qs[: settings.FEED_MAX_ITEMS])
    if audio_only:
        videos = [video for video in videos if fallback(video, audio_only=True)]
    return videos


def feed_channel_videos(*, channel: Channel, audio_only: bool = False) -> list[Video]:
    """The channel's public videos (``audio_only``: those with an M4A fallback)."""
    return _public(Video.objects.filter(channels=channel), audio_only=audio_only)


def feed_playlist_videos(*, playlist: Playlist, audio_only: bool = False) -> list[Video]:
    """The playlist's public videos, newest first (not in playlist order: a feed lists
    the latest)."""
    ids = PlaylistItem.objects.filter(playlist=playlist).values("video_id")
    return _public(Video.objects.filter(pk__in=ids), audio_only=audio_only)
