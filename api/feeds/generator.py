"""An RSS 2.0 feed generator with the iTunes podcast namespace (Apple Podcasts' RSS
tags: https://podcasters.apple.com/support/823-podcast-requirements), over Django's
``Rss201rev2Feed``.

Feed-level keyword arguments (``Feed.feed_extra_kwargs``): ``itunes_author``,
``itunes_image`` (URL), ``itunes_summary``; item-level (``Feed.item_extra_kwargs``):
``itunes_author``, ``itunes_duration`` (seconds), ``itunes_image`` (URL). Each is left out
when ``None``. ``itunes:explicit`` is ``false``.
"""

from __future__ import annotations

from django.utils.feedgenerator import Rss201rev2Feed

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"


def itunes_duration(seconds: float) -> str:
    """``H:MM:SS`` (rounded to the second), the form podcast apps all read."""
    total = max(round(seconds), 0)
    return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"


class PodcastFeed(Rss201rev2Feed):
    def rss_attributes(self) -> dict[str, str]:
        return {**super().rss_attributes(), "xmlns:itunes": ITUNES_NS}

    def add_root_elements(self, handler) -> None:
        super().add_root_elements(handler)
        if self.feed.get("itunes_author"):
            handler.addQuickElement("itunes:author", self.feed["itunes_author"])
        if self.feed.get("itunes_summary"):
            handler.addQuickElement("itunes:summary", self.feed["itunes_summary"])
        if self.feed.get("itunes_image"):
            handler.addQuickElement("itunes:image", "", {"href": self.feed["itunes_image"]})
        handler.addQuickElement("itunes:explicit", "false")

    def add_item_elements(self, handler, item) -> None:
        super().add_item_elements(handler, item)
        if item.get("itunes_author"):
            handler.addQuickElement("itunes:author", item["itunes_author"])
        if item.get("itunes_duration") is not None:
            handler.addQuickElement("itunes:duration", itunes_duration(item["itunes_duration"]))
        if item.get("itunes_image"):
            handler.addQuickElement("itunes:image", "", {"href": item["itunes_image"]})
        handler.addQuickElement("itunes:explicit", "false")
