"""Live event endpoints: thin handlers over ``services`` and ``selectors``. Who sees
what: ``api.live.selectors``; the stream key only goes to owners and staff."""

import re
from datetime import datetime
from pathlib import Path
from uuid import UUID

from django.core.files.storage import default_storage
from django.http import FileResponse
from django.urls import reverse
from ninja import Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from api.accounts.auth import auth_optional, auth_required
from api.core.errors import NotFound
from api.live import selectors, services
from api.live.models import LiveState
from api.live.schemas import (
    HeartbeatIn,
    LiveEventIn,
    LiveEventOut,
    LiveEventPatch,
    PlayerOut,
    ViewersOut,
)

router = Router()

_HLS_FILE = re.compile(r"^(index\.m3u8|s\d{3}_\d{5}\.ts)$")


class ListFilters(Schema):
    state: list[LiveState] | None = None
    start_after: datetime | None = None
    start_before: datetime | None = None


def _out(request, event_id: UUID):
    return selectors.live_event_get(event_id=event_id, user=request.auth)


@router.post("/events", response={201: LiveEventOut}, auth=auth_required)
def create_event(request, payload: LiveEventIn):
    """Schedule a live event (uploaders, managers, admins; viewers 403). Overlapping an
    unfinished event on the same ``ingest`` point: 409 ``ingest_busy``."""
    event = services.live_event_create(owner=request.auth, **payload.dict())
    return Status(201, _out(request, event.id))


@router.get("/events", response=list[LiveEventOut], auth=auth_optional)
@paginate(LimitOffsetPagination)
def list_events(request, filters: Query[ListFilters]):
    """Listed events you may see, by start time; ``state`` (repeatable) and
    ``start_after``/``start_before`` (ISO 8601) filter them."""
    return selectors.live_event_list(user=request.auth, **filters.dict())


@router.get("/events/{uuid:event_id}", response=LiveEventOut, auth=auth_optional)
def get_event(request, event_id: UUID):
    """An event you may see (404 otherwise); ``ingest`` (stream key) for owners only."""
    return _out(request, event_id)


@router.patch("/events/{uuid:event_id}", response=LiveEventOut, auth=auth_required)
def update_event(request, event_id: UUID, payload: LiveEventPatch):
    """Change an event (owners, staff); timing and ingest only while scheduled (409)."""
    event = selectors.live_event_get_editable(event_id=event_id, user=request.auth)
    services.live_event_update(event=event, actor=request.auth, **payload.dict(exclude_unset=True))
    return _out(request, event_id)


@router.delete("/events/{uuid:event_id}", response={204: None}, auth=auth_required)
def delete_event(request, event_id: UUID):
    """Delete an event (owner, staff); a running worker is stopped."""
    event = selectors.live_event_get_deletable(event_id=event_id, user=request.auth)
    services.live_event_delete(event=event)
    return Status(204, None)


@router.post("/events/{uuid:event_id}/start", response=LiveEventOut, auth=auth_required)
def start_event(request, event_id: UUID):
    """Start now (owners, staff): ``starting``, then ``live`` once the ingest listens.
    Not scheduled, or its end passed: 409."""
    event = selectors.live_event_get_editable(event_id=event_id, user=request.auth)
    services.live_event_start(event=event)
    return _out(request, event_id)


@router.post("/events/{uuid:event_id}/stop", response=LiveEventOut, auth=auth_required)
def stop_event(request, event_id: UUID):
    """Stop (owners, staff): the worker ends the event (``ended`` shortly after; with
    ``record`` the recording becomes ``video_id``). Already final: 409."""
    event = selectors.live_event_get_editable(event_id=event_id, user=request.auth)
    services.live_event_stop(event=event)
    return _out(request, event_id)


@router.post("/events/{uuid:event_id}/rotate-key", response=LiveEventOut, auth=auth_required)
def rotate_key(request, event_id: UUID):
    """A new stream key (owners, staff); 409 while the event runs."""
    event = selectors.live_event_get_editable(event_id=event_id, user=request.auth)
    services.live_event_rotate_key(event=event)
    return _out(request, event_id)


@router.get("/events/{uuid:event_id}/player", response=PlayerOut, auth=auth_optional)
def player(request, event_id: UUID):
    """What a player needs: the live HLS URL (while live), state, on_air, viewers."""
    event = selectors.live_event_get(event_id=event_id, user=request.auth)
    hls = None
    if event.state == LiveState.LIVE:
        hls = request.build_absolute_uri(
            reverse("v1:live_hls", kwargs={"event_id": event.id, "name": "index.m3u8"})
        )
    beat = reverse("v1:live_heartbeat", kwargs={"event_id": event.id})
    from django.conf import settings

    return {
        "id": event.id,
        "title": event.title,
        "state": event.state,
        "on_air": event.on_air,
        "hls": hls,
        "poster": None,
        "viewers": event.viewers,
        "peak_viewers": event.peak_viewers,
        "heartbeat": request.build_absolute_uri(beat),
        "heartbeat_seconds": settings.LIVE_VIEWER_TTL_SECONDS,
    }


@router.post(
    "/events/{uuid:event_id}/heartbeat",
    response=ViewersOut,
    auth=auth_optional,
    url_name="live_heartbeat",
)
def heartbeat(request, event_id: UUID, payload: HeartbeatIn | None = None):
    """A viewer is watching (send every 30 s): counted while its last heartbeat is under
    ``LIVE_VIEWER_TTL_SECONDS`` (60) old. ``viewer``: an id the player keeps, else your
    user or session. Returns ``{viewers, peak_viewers}``; not live: 409 ``not_live``."""
    event = selectors.live_event_get(event_id=event_id, user=request.auth)
    viewer = services.viewer_id(request=request, viewer=payload.viewer if payload else None)
    return services.live_heartbeat(event=event, viewer=viewer)


@router.get(
    "/events/{uuid:event_id}/hls/{name}", auth=auth_optional, url_name="live_hls", response=None
)
def live_hls(request, event_id: UUID, name: str):
    """The live HLS playlist and its segments (same access as the event). Not cached:
    the playlist changes every segment."""
    event = selectors.live_event_get(event_id=event_id, user=request.auth)
    if not _HLS_FILE.match(name):
        raise NotFound("No such file.")
    path = Path(default_storage.path(f"{event.storage_prefix}hls/{name}"))
    if not path.is_file():
        raise NotFound("No such file.")
    content_type = "application/vnd.apple.mpegurl" if name.endswith(".m3u8") else "video/mp2t"
    response = FileResponse(path.open("rb"), content_type=content_type)
    response["Cache-Control"] = "no-cache" if name.endswith(".m3u8") else "private, max-age=60"
    return response
