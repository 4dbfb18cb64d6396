"""``/feeds/``: RSS 2.0 / podcast feeds (``api.feeds.feeds``)."""

from django.urls import path

from api.feeds.feeds import ChannelFeed, PlaylistFeed

urlpatterns = [
    path("channels/<slug:slug>/rss.xml", ChannelFeed(), name="feed-channel"),
    path("channels/<slug:slug>/audio.xml", ChannelFeed(audio_only=True), name="feed-channel-audio"),
    path("playlists/<uuid:playlist_id>/rss.xml", PlaylistFeed(), name="feed-playlist"),
    path(
        "playlists/<uuid:playlist_id>/audio.xml",
        PlaylistFeed(audio_only=True),
        name="feed-playlist-audio",
    ),
]
