"""The live media of an event (playlist, segments, poster), stored under ``live/<id>/``.

Two URL shapes, as for videos' media (``api.playback``):

- plain, ``/api/v1/live/events/<id>/hls/<name>``: public events (``visibility=public``,
  not a draft) only; 404 for any other event;
- tokened, ``/api/v1/live/events/<id>/hls/t/<token>/<name>``: any event, with a token
  for that event. The token is a path segment, so the relative segment URIs of the live
  playlist inherit it. It is an ``api.playback.tokens.media_token`` (``<expires>.<HMAC>``)
  whose scope is the event's storage prefix ``live/<id>/``, taken from the requested
  path: a token of another event (or of a video) fails the check. No database query.

``name``: ``index.m3u8`` and ``s<session>_<n>.ts`` (under ``hls/``), ``poster.jpg`` (a
frame the worker grabs from the stream, refreshed while on air).
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest
from django.urls import reverse
from django.utils.crypto import constant_time_compare

from api.core.errors import InvalidMediaToken, NotFound
from api.core.parsing import parse_uint
from api.live.models import LiveEvent, LiveState
from api.live.selectors import live_event_is_public
from api.playback.tokens import media_token

LIVE_FILE = re.compile(r"\A(index\.m3u8|s[0-9]{3}_[0-9]{5}\.ts|poster\.jpg)\Z")
_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t", ".jpg": "image/jpeg"}


def _scope(event_id: UUID) -> str:
    return f"live/{event_id}/"


def live_token(*, event: LiveEvent) -> tuple[str, int]:
    """A token opening the event's live files, and its expiry (Unix seconds): until the
    event's ``end`` (or now, if later) plus ``MEDIA_TOKEN_SECONDS``."""
    expires = int(max(time.time(), event.end.timestamp())) + settings.MEDIA_TOKEN_SECONDS
    return media_token(scope=_scope(event.id), expires=expires), expires


def live_token_check(*, token: str, event_id: UUID) -> int:
    """Check that ``token`` opens the files of ``event_id`` now; return its expiry.
    Raises InvalidMediaToken (403): malformed, tampered with, for another event or
    expired."""
    # the expiry: ASCII digits only (str.isdigit() takes "²", which int() refuses)
    expires = parse_uint(token.partition(".")[0], max_value=10**12 - 1)
    if expires is None:
        raise InvalidMediaToken()
    expected = media_token(scope=_scope(event_id), expires=expires)
    if not constant_time_compare(token, expected):
        raise InvalidMediaToken()
    if expires <= time.time():
        raise InvalidMediaToken("The media token has expired: fetch the player config again.")
    return expires


def live_file_path(*, event_id: UUID, name: str) -> Path | None:
    """The stored file behind ``name``, or None (not a live file name, or not there)."""
    if not LIVE_FILE.match(name):
        return None
    relative = name if name == "poster.jpg" else f"hls/{name}"
    path = Path(default_storage.path(f"{_scope(event_id)}{relative}"))
    return path if path.is_file() else None


def live_file_response(*, event_id: UUID, name: str, private: bool) -> FileResponse:
    """The file (NotFound, 404, if there is none). Playlists are not cached (they change
    every segment); segments and the poster for a minute (``private`` ones privately)."""
    path = live_file_path(event_id=event_id, name=name)
    if path is None:
        raise NotFound("No such file.")
    response = FileResponse(path.open("rb"), content_type=_TYPES[path.suffix])
    if name.endswith(".m3u8"):
        response["Cache-Control"] = "no-cache"
    else:
        response["Cache-Control"] = f"{'private' if private else 'public'}, max-age=60"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def live_url(request: HttpRequest, *, event_id: UUID, name: str, token: str | None) -> str:
    """Absolute URL of a live file: plain, or with ``token``."""
    if token is None:
        path = reverse("v1:live_hls", kwargs={"event_id": event_id, "name": name})
    else:
        kwargs = {"event_id": event_id, "token": token, "name": name}
        path = reverse("v1:live_hls_tokened", kwargs=kwargs)
    return request.build_absolute_uri(path)


def live_player(request: HttpRequest, *, event: LiveEvent) -> dict:
    """The player config of an event the request's user may see (``LivePlayerOut``): the
    live playlist while live, the poster once the worker grabbed one; tokened URLs
    (``expires_at``) unless the event is public."""
    token = expires = None
    if not live_event_is_public(event):
        token, expires = live_token(event=event)

    def url(name: str) -> str:
        return live_url(request, event_id=event.id, name=name, token=token)

    poster = live_file_path(event_id=event.id, name="poster.jpg")
    beat = reverse("v1:live_heartbeat", kwargs={"event_id": event.id})
    return {
        "id": event.id,
        "title": event.title,
        "state": event.state,
        "on_air": event.on_air,
        "hls": url("index.m3u8") if event.state == LiveState.LIVE else None,
        "expires_at": datetime.fromtimestamp(expires, tz=UTC) if expires else None,
        # the mtime in the query: a refreshed poster gets a new URL (caches, players)
        "poster": f"{url('poster.jpg')}?v={int(poster.stat().st_mtime)}" if poster else None,
        "viewers": event.viewers,
        "peak_viewers": event.peak_viewers,
        "heartbeat": request.build_absolute_uri(beat),
        "heartbeat_seconds": settings.LIVE_VIEWER_TTL_SECONDS,
    }
