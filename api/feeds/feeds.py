"""The RSS 2.0 / podcast feeds (Django's syndication framework, ``PodcastFeed`` for the
iTunes tags): ``/feeds/channels/<slug>/rss.xml`` and ``/feeds/playlists/<id>/rss.xml``,
and their ``audio.xml`` variants listing the audio-only videos with their M4A.

Each item is a public video (ready, published, public), newest first, at most
``FEED_MAX_ITEMS``: title, description, link (``VIDEO_PAGE_URL`` or the API's URL),
guid (the video id), pubDate (creation), author, categories (tags), the poster as
``itunes:image``, ``itunes:duration``, and the progressive download as ``enclosure``
(url, length in bytes, type ``video/mp4`` or ``audio/x-m4a``) under its plain public URL.
A private channel, a playlist anonymous users may not open: 404 (JSON, as every error).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Enclosure

from api.core.errors import NotFound
from api.editorial.models import Channel, Playlist
from api.feeds import selectors
from api.feeds.generator import PodcastFeed
from api.feeds.links import fallback, poster_url, public_media_url, video_page_url
from api.videos.models import Video


@dataclass
class FeedSource:
    """What one request's feed is about: the channel or playlist, its videos, and the
    request (absolute URLs; a ``Feed`` instance is shared by every request)."""

    obj: Channel | Playlist
    videos: list[Video]
    request: HttpRequest
    audio_only: bool


class _VideoFeed(Feed):
    feed_type = PodcastFeed
    audio_only = False

    def items(self, source: FeedSource) -> list[tuple[Video, FeedSource]]:
        return [(video, source) for video in source.videos]

    def title(self, source: FeedSource) -> str:
        return source.obj.title + (" (audio)" if source.audio_only else "")

    def description(self, source: FeedSource) -> str:
        return source.obj.description or source.obj.title

    def feed_url(self, source: FeedSource) -> str:
        return source.request.build_absolute_uri()

    def feed_copyright(self, source: FeedSource) -> str:
        return settings.DUBLIN_CORE_PUBLISHER

    def feed_extra_kwargs(self, source: FeedSource) -> dict:
        newest = next((v for v in source.videos if v.poster_name), None)
        image = poster_url(source.request, newest) if newest else None
        return {
            "itunes_author": settings.DUBLIN_CORE_PUBLISHER,
            "itunes_summary": source.obj.description or None,
            "itunes_image": image,
        }

    def item_title(self, item) -> str:
        return item[0].title

    def item_description(self, item) -> str:
        return item[0].description

    def item_link(self, item) -> str:
        return video_page_url(item[1].request, item[0])

    def item_guid(self, item) -> str:
        return f"urn:uuid:{item[0].id}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item[0].created_at

    def item_author_name(self, item) -> str:
        owner = item[0].owner
        return owner.get_full_name() or owner.username

    def item_categories(self, item) -> list[str]:
        return [tag.name for tag in item[0].tags.all()]

    def item_enclosures(self, item) -> list[Enclosure]:
        video, source = item
        found = fallback(video, audio_only=source.audio_only)
        if found is None:
            return []
        url = public_media_url(source.request, video, found["path"])
        return [Enclosure(url, str(found["size"]), found["type"])]

    def item_extra_kwargs(self, item) -> dict:
        video, source = item
        return {
            "itunes_author": self.item_author_name(item),
            "itunes_duration": video.duration,
            "itunes_image": poster_url(source.request, video),
        }


class ChannelFeed(_VideoFeed):
    """``/feeds/channels/<slug>/rss.xml`` (``audio.xml``: the audio-only variant)."""

    def __init__(self, *, audio_only: bool = False) -> None:
        super().__init__()
        self.audio_only = audio_only

    def get_object(self, request, slug: str) -> FeedSource:
        try:
            channel = selectors.feed_channel(slug=slug)
        except NotFound:
            raise Http404("No such channel.") from None
        videos = selectors.feed_channel_videos(channel=channel, audio_only=self.audio_only)
        return FeedSource(channel, videos, request, self.audio_only)

    def link(self, source: FeedSource) -> str:
        url = reverse("v1:get_channel", kwargs={"channel_id": source.obj.pk})
        return source.request.build_absolute_uri(url)


class PlaylistFeed(_VideoFeed):
    """``/feeds/playlists/<id>/rss.xml`` (``audio.xml``: the audio-only variant)."""

    def __init__(self, *, audio_only: bool = False) -> None:
        super().__init__()
        self.audio_only = audio_only

    def get_object(self, request, playlist_id: UUID) -> FeedSource:
        try:
            playlist = selectors.feed_playlist(playlist_id=playlist_id)
        except NotFound:
            raise Http404("No such playlist.") from None
        videos = selectors.feed_playlist_videos(playlist=playlist, audio_only=self.audio_only)
        return FeedSource(playlist, videos, request, self.audio_only)

    def link(self, source: FeedSource) -> str:
        url = reverse("v1:get_playlist", kwargs={"playlist_id": source.obj.pk})
        return source.request.build_absolute_uri(url)
