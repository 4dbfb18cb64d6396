"""oEmbed (https://oembed.com/, version 1.0) for the videos, and the embed page's URL
and iframe.

A consumer (a CMS, an LMS editor, a chat) asks ``GET /api/v1/oembed?url=<video page
URL>&format=json[&maxwidth=&maxheight=]`` and gets a ``video`` response whose ``html`` is
an iframe of our embed page (``/embed/<video id>``, :mod:`api.embed.views`). The URL
schemes answered: the front end's video page (``FRONTEND_VIDEO_URL``, e.g.
``https://pod.univ.example/video/{id}``) and the embed page itself. Only public videos
(published, ``visibility=public``, ready) are described; any other URL answers 404, as
the spec's "no response for the requested url" (§2.2). ``format`` other than ``json``:
501 (the spec's "cannot return a response in the requested format"), hence no XML.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit, urlunsplit
from uuid import UUID

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from api.core.errors import NotFound, PodError
from api.core.links import media_url
from api.videos.models import PUBLIC_Q, Video

#: the iframe's width when the consumer gives no ``maxwidth`` (pixels)
DEFAULT_WIDTH = 640
#: the aspect ratio of videos whose renditions don't say (and of audio-only ones)
DEFAULT_RATIO = 16 / 9
_ID = "(?P<id>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"


class OEmbedFormatUnsupported(PodError):
    """``GET /oembed?format=`` other than ``json`` (HTTP 501, as oEmbed §2.2 asks)."""

    status, code = 501, "oembed_format_unsupported"
    default_message = "Only format=json is available."


def embed_page_url(request: HttpRequest, video_id: UUID, secret: str | None = None) -> str:
    """Absolute URL of the embed page of a video, with an embed token when given."""
    url = request.build_absolute_uri(reverse("embed-page", kwargs={"video_id": video_id}))
    return f"{url}?{urlencode({'token': secret})}" if secret else url


def iframe_html(*, src: str, width: int, height: int, title: str) -> str:
    """The ``<iframe>`` a page pastes to show the embed page (escaped)."""
    return format_html(
        '<iframe src="{}" width="{}" height="{}" title="{}" frameborder="0" '
        'allow="autoplay; fullscreen; picture-in-picture" allowfullscreen></iframe>',
        src,
        width,
        height,
        title,
    )


def _patterns(request: HttpRequest) -> list[re.Pattern]:
    page = request.build_absolute_uri(reverse("embed-page", kwargs={"video_id": UUID(int=0)}))
    templates = [page.replace(str(UUID(int=0)), "{id}")]
    if settings.FRONTEND_VIDEO_URL:
        templates.append(settings.FRONTEND_VIDEO_URL)
    return [
        re.compile(re.escape(t).replace(re.escape("{id}"), _ID) + "/?", re.IGNORECASE)
        for t in templates
    ]


def video_id_from_url(*, request: HttpRequest, url: str) -> UUID | None:
    """The video id a video page URL names (query and fragment ignored), or None when
    the URL matches none of our schemes."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    bare = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    for pattern in _patterns(request):
        match = pattern.fullmatch(bare)
        if match:
            return UUID(match["id"])
    return None


def oembed_video(*, request: HttpRequest, url: str) -> Video:
    """The public video ``url`` shows; NotFound (404) for any other URL or video."""
    video_id = video_id_from_url(request=request, url=url)
    video = (
        Video.objects.select_related("owner").filter(PUBLIC_Q, pk=video_id).first()
        if video_id
        else None
    )
    if video is None:
        raise NotFound("No public video at this URL.", field="url")
    return video


def _dimensions(video: Video) -> tuple[int | None, int | None]:
    """The largest rendition's width and height (the poster's size), else the source's."""
    manifest = video.manifest or {}
    sizes = [
        (r.get("width"), r.get("height"))
        for r in manifest.get("hls", {}).get("renditions", [])
        if r.get("width") and r.get("height")
    ]
    if sizes:
        return max(sizes)
    source = manifest.get("source") or {}
    return source.get("width"), source.get("height")


def frame_size(
    video: Video, *, maxwidth: int | None = None, maxheight: int | None = None
) -> tuple[int, int]:
    """The iframe's (width, height) in pixels: ``DEFAULT_WIDTH`` wide (or ``maxwidth``
    when smaller) at the video's aspect ratio, then shrunk to fit ``maxheight``."""
    width, height = _dimensions(video)
    ratio = width / height if width and height else DEFAULT_RATIO
    frame_width = min(DEFAULT_WIDTH, maxwidth or DEFAULT_WIDTH)
    frame_height = max(round(frame_width / ratio), 1)
    if maxheight and frame_height > maxheight:
        frame_height = maxheight
        frame_width = max(min(round(frame_height * ratio), frame_width), 1)
    return frame_width, frame_height


def oembed_response(
    *, request: HttpRequest, video: Video, maxwidth: int | None, maxheight: int | None
) -> dict:
    """The oEmbed 1.0 ``video`` response (§2.3.4) of a public video."""
    width, height = frame_size(video, maxwidth=maxwidth, maxheight=maxheight)
    owner = video.owner
    data = {
        "version": "1.0",
        "type": "video",
        "title": video.title,
        "author_name": owner.get_full_name() or owner.username,
        "provider_name": settings.OEMBED_PROVIDER_NAME,
        "provider_url": request.build_absolute_uri("/"),
        "cache_age": settings.MEDIA_PUBLIC_CACHE_SECONDS,
        "html": iframe_html(
            src=embed_page_url(request, video.id), width=width, height=height, title=video.title
        ),
        "width": width,
        "height": height,
    }
    poster = (video.manifest or {}).get("poster")
    thumb_width, thumb_height = _dimensions(video)
    if poster and thumb_width and thumb_height:
        data["thumbnail_url"] = media_url(request, video.output_prefix + poster)
        data["thumbnail_width"] = thumb_width
        data["thumbnail_height"] = thumb_height
    return data
