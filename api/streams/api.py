"""Stream tokens: ``POST /videos/{id}/events/token`` and ``POST /live/{id}/events/token``
give a signed-in user the URL an ``EventSource`` opens (``?token=``, see
``api.streams.tokens``). The streams themselves are the async views of
``api.streams.views`` (mounted in ``api.urls``, outside Ninja)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from django.urls import reverse
from ninja import Router

from api.accounts.auth import auth_required
from api.live.selectors import live_event_get
from api.streams.schemas import StreamTokenOut
from api.streams.tokens import stream_token
from api.videos.api import GrantHeader
from api.videos.selectors import video_get

videos_router = Router()
live_router = Router()


def _token_out(request, kind: str, subject_id: UUID, url_name: str, kwarg: str) -> dict:
    token, expires = stream_token(subject=f"{kind}:{subject_id}", user_id=request.auth.pk)
    path = reverse(url_name, kwargs={kwarg: subject_id})
    return {
        "token": token,
        "expires_at": datetime.fromtimestamp(expires, UTC),
        "url": request.build_absolute_uri(f"{path}?token={token}"),
    }


@videos_router.post("/{uuid:video_id}/events/token", response=StreamTokenOut, auth=auth_required)
def video_stream_token(request, video_id: UUID, grant: str | None = GrantHeader):
    """A stream token for the video's events, for a video you may see (404 otherwise);
    valid ``SSE_TOKEN_SECONDS`` to open the stream."""
    video_get(video_id=video_id, user=request.auth, grant=grant)
    return _token_out(request, "video", video_id, "video-events", "video_id")


@live_router.post("/{uuid:event_id}/events/token", response=StreamTokenOut, auth=auth_required)
def live_stream_token(request, event_id: UUID, grant: str | None = GrantHeader):
    """A stream token for the live event's events, for an event you may see (404
    otherwise)."""
    live_event_get(event_id=event_id, user=request.auth, grant=grant)
    return _token_out(request, "live", event_id, "live-events", "event_id")
