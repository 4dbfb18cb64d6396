"""Plain Django views of embedding: the embed page (HTML, framable by any site) and the
oEmbed endpoint (bare JSON, as oEmbed 1.0 defines it; its errors are our envelope).

``GET /embed/<video id>[?token=<embed token>]``: a minimal player page — an HTML5
``<video>`` with the HLS master and the MP4 renditions as sources, the poster and the
caption tracks — carrying the whole player config as JSON
(``<script id="pod-player-config" type="application/json">``) for a richer player
script. Access as :func:`api.embed.selectors.embed_video_get` (the session's user, or the
embed token); 404 / 403 ``invalid_embed_token`` as the envelope otherwise.
"""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from api.core.envelope import pod_error_response
from api.core.errors import PodError, ValidationFailed
from api.core.parsing import parse_uint
from api.embed.oembed import OEmbedFormatUnsupported, oembed_response, oembed_video
from api.embed.selectors import EMBED_TOKEN_HEADER, embed_video_get
from api.playback.services import player_config
from api.videos.models import Video

#: the largest maxwidth / maxheight taken (pixels); larger asks are read as this
MAX_FRAME = 10_000


def player_page(request: HttpRequest, *, title: str, videos: list[Video]) -> HttpResponse:
    """The HTML page playing ``videos`` (each one's player config computed for
    ``request``'s user: tokened media URLs for non-public ones), framable by any site.
    Used by the embed page and by LTI launches."""
    players = [
        {"id": str(v.id), "title": v.title, "config": player_config(request=request, video=v)}
        for v in videos
    ]
    response = render(
        request,
        "embed/player.html",
        {"title": title, "players": players, "configs": [p["config"] for p in players]},
    )
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response.xframe_options_exempt = True  # any site may frame it (the embed's purpose)
    return response


@xframe_options_exempt
@require_safe
def embed_page(request: HttpRequest, video_id: UUID) -> HttpResponse:
    secret = request.GET.get("token") or request.headers.get(EMBED_TOKEN_HEADER)
    try:
        video = embed_video_get(video_id=video_id, user=request.user, secret=secret)
    except PodError as exc:
        return pod_error_response(exc)
    return player_page(request, title=video.title, videos=[video])


def _pixels(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return None
    value = parse_uint(raw)
    if value is None or value < 1:
        raise ValidationFailed(f"{name} must be a positive integer (pixels).", field=name)
    return min(value, MAX_FRAME)


@require_safe
def oembed(request: HttpRequest) -> HttpResponse:
    """``GET /api/v1/oembed?url=&format=json&maxwidth=&maxheight=`` (oEmbed 1.0 §2.2):
    200 with the ``video`` response of a public video (:mod:`api.embed.oembed`); 404
    ``not_found`` for a URL we don't answer or a video that is not public; 501
    ``oembed_format_unsupported`` for ``format`` other than ``json``; 422
    ``validation_error`` without ``url`` or with a bad ``maxwidth``/``maxheight``.
    Any origin may read it (CORS ``*``): it describes public videos only."""
    try:
        fmt = request.GET.get("format", "json")
        if fmt != "json":
            raise OEmbedFormatUnsupported()
        url = request.GET.get("url", "")
        if not url.strip():
            raise ValidationFailed("url is required: the video page's URL.", field="url")
        if len(url) > 2000:
            raise ValidationFailed("url is too long.", field="url")
        maxwidth, maxheight = _pixels(request, "maxwidth"), _pixels(request, "maxheight")
        video = oembed_video(request=request, url=url)
        response: HttpResponse = JsonResponse(
            oembed_response(request=request, video=video, maxwidth=maxwidth, maxheight=maxheight)
        )
    except PodError as exc:
        response = pod_error_response(exc)
    response["Access-Control-Allow-Origin"] = "*"
    return response
