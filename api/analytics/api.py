"""Heartbeat and analytics endpoints: thin handlers over ``services`` and ``selectors``.

``POST /videos/{id}/heartbeats`` is for whoever may see the video (anonymous included;
``X-Video-Grant`` for a password-protected one). The analytics are for the video's owners,
additional owners and staff (``/videos/{id}/analytics``), a channel's owners and staff
(``/channels/{slug}/analytics``), and the signed-in user for their own videos
(``/users/me/analytics``).
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from ninja import Query, Router

from api.accounts.auth import auth_optional, auth_required
from api.analytics import selectors, services
from api.analytics.schemas import (
    GroupAnalyticsOut,
    PlaybackHeartbeatIn,
    PlaybackHeartbeatOut,
    VideoAnalyticsOut,
)
from api.core.ratelimit import enforce
from api.videos.api import GrantHeader
from api.videos.selectors import video_get, video_get_editable

videos_router = Router()
channels_router = Router()
users_router = Router()

_FROM = Query(
    None, alias="from", description="first day (YYYY-MM-DD); default: 29 days before `to`"
)
_TO = Query(None, alias="to", description="last day (YYYY-MM-DD), inclusive; default: today")


@videos_router.post(
    "/{uuid:video_id}/heartbeats", response=PlaybackHeartbeatOut, auth=auth_optional
)
def heartbeat(
    request, video_id: UUID, payload: PlaybackHeartbeatIn, grant: str | None = GrantHeader
):
    """One heartbeat of a playback session (see docs/analytics.md): what was played
    since the previous one. Past the end of the video: 422 ``position_out_of_range``; more
    played than ``ANALYTICS_HEARTBEAT_MAX_SECONDS``: 422 ``heartbeat_too_long``; not
    encoded yet: 409 ``invalid_state``; too many (per session, per client): 429
    ``rate_limited``. Nothing is counted when it fails."""
    video = video_get(video_id=video_id, user=request.auth, grant=grant)
    key = services.session_key(video_id=video.pk, session=payload.session, user=request.auth)
    enforce(request, "heartbeat_client")
    enforce(request, "heartbeat", key=f"session:{key[:32]}")
    return services.heartbeat_record(
        video=video,
        key=key,
        user=request.auth,
        position=payload.position,
        watched=payload.watched,
    )


@videos_router.get("/{uuid:video_id}/analytics", response=VideoAnalyticsOut, auth=auth_required)
def video_analytics(request, video_id: UUID, start: date | None = _FROM, end: date | None = _TO):
    """Views, watch time and sessions per day of the period, totals, and the retention
    curve (owners, additional owners, staff: 403 for others who can see the video)."""
    video = video_get_editable(video_id=video_id, user=request.auth)
    first, last = selectors.period(start=start, end=end)
    return selectors.video_analytics(video=video, start=first, end=last)


@channels_router.get("/{slug}/analytics", response=GroupAnalyticsOut, auth=auth_required)
def channel_analytics(request, slug: str, start: date | None = _FROM, end: date | None = _TO):
    """The same summed over the channel's videos, with its most viewed videos (the
    channel's owners and staff: 403 for others who can see it)."""
    channel = selectors.channel_get_analyzable(slug=slug, user=request.auth)
    first, last = selectors.period(start=start, end=end)
    return selectors.channel_analytics(channel=channel, start=first, end=last)


@users_router.get("/me/analytics", response=GroupAnalyticsOut, auth=auth_required)
def my_analytics(request, start: date | None = _FROM, end: date | None = _TO):
    """The same summed over the videos you own or co-own."""
    first, last = selectors.period(start=start, end=end)
    return selectors.owner_analytics(user=request.auth, start=first, end=last)
