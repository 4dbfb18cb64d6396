"""RSS 2.0 / podcast feeds of channels and playlists, read with the standard library's
XML parser from a live server; their enclosures are fetched from it too."""

from __future__ import annotations

from xml.etree import ElementTree

import httpx
import pytest

from tests.api.factories import make_channel
from tests.api.feeds.conftest import make_playlist

ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"


def fetch_feed(url: str) -> ElementTree.Element:
    response = httpx.get(url, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/rss+xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == "rss" and root.get("version") == "2.0"
    return root.find("channel")


@pytest.fixture
def channel_videos(transactional_db, feed_video, user, other_user):
    user.first_name, user.last_name = "Alice", "Martin"
    user.save()
    channel = make_channel([user], title="Physics")
    elsewhere = make_channel([user], title="Chemistry")
    in_channel = {"channels": [channel]}
    videos = {
        "old": feed_video(user, title="Optics", day=1, tags=["light"], **in_channel),
        "new": feed_video(user, title="Waves", day=3, duration=3725.4, **in_channel),
        "mid": feed_video(other_user, title="Heat", day=2, **in_channel),
        "private": feed_video(user, title="Secret", day=4, visibility="private", **in_channel),
        "unlisted": feed_video(user, title="Hidden", day=5, visibility="unlisted", **in_channel),
        "draft": feed_video(user, title="Draft", day=6, is_draft=True, **in_channel),
        "other": feed_video(user, title="Acids", day=7, channels=[elsewhere]),
    }
    return channel, videos


def test_channel_feed_lists_public_videos_newest_first(live_server, channel_videos):
    channel, videos = channel_videos
    feed = fetch_feed(f"{live_server.url}/feeds/channels/{channel.slug}/rss.xml")
    assert feed.findtext("title") == "Physics"
    assert feed.findtext(f"{ITUNES}author") == "Pod"
    items = feed.findall("item")
    assert [item.findtext("title") for item in items] == ["Waves", "Heat", "Optics"]

    waves = items[0]
    assert waves.findtext("guid") == f"urn:uuid:{videos['new'].id}"
    assert waves.findtext(f"{ITUNES}duration") == "1:02:05"
    assert waves.findtext(f"{ITUNES}author") == "Alice Martin"
    assert waves.find(f"{ITUNES}image").get("href").endswith("/poster.jpg")
    assert "2030" in waves.findtext("pubDate")
    optics = items[2]
    assert [c.text for c in optics.findall("category")] == ["light"]
    for item in items:
        enclosure = item.find("enclosure")
        assert enclosure.get("type") == "video/mp4"
        url = enclosure.get("url")
        assert url.startswith(live_server.url + "/media/videos/")  # plain public URL
        media = httpx.get(url, timeout=30)
        assert media.status_code == 200
        assert len(media.content) == int(enclosure.get("length"))
        assert media.content[4:8] == b"ftyp"  # an MP4


def test_feed_limit(live_server, channel_videos, settings):
    settings.FEED_MAX_ITEMS = 2
    channel, _ = channel_videos
    feed = fetch_feed(f"{live_server.url}/feeds/channels/{channel.slug}/rss.xml")
    assert [item.findtext("title") for item in feed.findall("item")] == ["Waves", "Heat"]


def test_private_or_unknown_channel_is_404(live_server, transactional_db, user):
    private = make_channel([user], title="Staff room", visibility="private")
    for slug in (private.slug, "no-such-channel"):
        response = httpx.get(f"{live_server.url}/feeds/channels/{slug}/rss.xml", timeout=30)
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "not_found"


def test_playlist_feed(live_server, channel_videos, user):
    _, videos = channel_videos
    playlist = make_playlist(user, [videos["old"], videos["private"], videos["mid"]])
    feed = fetch_feed(f"{live_server.url}/feeds/playlists/{playlist.id}/rss.xml")
    assert feed.findtext("title") == "Best of"
    assert [item.findtext("title") for item in feed.findall("item")] == ["Heat", "Optics"]
    unlisted = make_playlist(user, [videos["old"]], visibility="unlisted")
    assert len(fetch_feed(f"{live_server.url}/feeds/playlists/{unlisted.id}/rss.xml")) > 0
    private = make_playlist(user, [videos["old"]], visibility="private")
    response = httpx.get(f"{live_server.url}/feeds/playlists/{private.id}/rss.xml", timeout=30)
    assert response.status_code == 404


def test_audio_variant_lists_the_m4a_of_audio_only_videos(
    live_server, transactional_db, feed_video, user
):
    channel = make_channel([user], title="Radio")
    feed_video(user, title="Lecture", day=1, channels=[channel])
    podcast = feed_video(user, title="Interview", day=2, channels=[channel], audio=True)
    base = f"{live_server.url}/feeds/channels/{channel.slug}"

    audio = fetch_feed(f"{base}/audio.xml")
    assert audio.findtext("title") == "Radio (audio)"
    [item] = audio.findall("item")
    assert item.findtext("guid") == f"urn:uuid:{podcast.id}"
    enclosure = item.find("enclosure")
    assert enclosure.get("type") == "audio/x-m4a"
    assert enclosure.get("url").endswith("/mp4/audio.m4a")
    fetched = httpx.get(enclosure.get("url"), timeout=30)
    assert fetched.status_code == 200 and len(fetched.content) == int(enclosure.get("length"))

    both = fetch_feed(f"{base}/rss.xml").findall("item")
    types = {i.findtext("title"): i.find("enclosure").get("type") for i in both}
    assert types == {"Interview": "audio/x-m4a", "Lecture": "video/mp4"}
