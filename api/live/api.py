"""Live event endpoints: thin handlers over ``services`` and ``selectors``. Who sees
what: ``api.live.selectors``; the stream key only goes to owners and staff."""

from uuid import UUID

from ninja import Header, Query, Router, Schema, Status
from ninja.pagination import paginate

from api.accounts.auth import auth_optional, auth_required
from api.core.errors import NotFound
from api.core.fields import Instant
from api.core.pagination import LimitOffset
from api.core.ratelimit import enforce
from api.live import media, selectors, services
from api.live.models import LiveState
from api.live.schemas import (
    HeartbeatIn,
    LiveEventIn,
    LiveEventOut,
    LiveEventPatch,
    LivePlayerOut,
    ViewersOut,
)
from api.videos.grants import GRANT_HEADER
from api.videos.schemas import GrantOut, UnlockIn

router = Router()

GrantHeader = Header(
    None, alias=GRANT_HEADER, description="grant of a password-protected event (see unlock)"
)


class ListFilters(Schema):
    state: list[LiveState] | None = None
    start_after: Instant | None = None
    start_before: Instant | None = None


def _out(request, event_id: UUID, grant: str | None = None):
    return selectors.live_event_get(event_id=event_id, user=request.auth, grant=grant)


@router.post("/events", response={201: LiveEventOut}, auth=auth_required)
def create_event(request, payload: LiveEventIn):
    """Schedule a live event (uploaders, managers, admins; viewers 403). Overlapping an
    unfinished event on the same ``ingest`` point: 409 ``ingest_busy``."""
    event = services.live_event_create(owner=request.auth, **payload.dict())
    return Status(201, _out(request, event.id))


@router.get("/events", response=list[LiveEventOut], auth=auth_optional)
@paginate(LimitOffset)
def list_events(request, filters: Query[ListFilters]):
    """Listed events you may see, by start time; ``state`` (repeatable) and
    ``start_after``/``start_before`` (ISO 8601) filter them."""
    return selectors.live_event_list(user=request.auth, **filters.dict())


@router.get("/events/{uuid:event_id}", response=LiveEventOut, auth=auth_optional)
def get_event(request, event_id: UUID, grant: str | None = GrantHeader):
    """An event you may see (404 otherwise; a password-protected one with its grant, a
    bad or expired grant: 403 ``invalid_grant``); ``ingest`` (stream key) for owners
    only."""
    return _out(request, event_id, grant)


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
    Not scheduled, or its end passed: 409. With S3 media storage: 409
    `live_unsupported_storage` (the live worker needs local storage), the event unchanged."""
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


@router.post("/events/{uuid:event_id}/unlock", response=GrantOut, auth=auth_optional)
def unlock_event(request, event_id: UUID, payload: UnlockIn):
    """Unlock a password-protected event: a short-lived grant to send back in the
    ``X-Video-Grant`` header (of ``GET``, ``/player``, ``/heartbeat``), as for videos.
    Wrong password: 403 ``wrong_password``; another visibility: 409
    ``not_password_protected``."""
    enforce(request, "unlock")  # password guessing: 429 rate_limited past RATE_LIMITS
    event = selectors.live_event_get_unlockable(event_id=event_id, user=request.auth)
    return services.live_event_unlock(event=event, password=payload.password)


@router.get("/events/{uuid:event_id}/player", response=LivePlayerOut, auth=auth_optional)
def player(request, event_id: UUID, grant: str | None = GrantHeader):
    """What a player needs: the live HLS URL (while live; tokened for a non-public
    event), state, on_air, poster, viewers."""
    event = selectors.live_event_get(event_id=event_id, user=request.auth, grant=grant)
    return media.live_player(request, event=event)


@router.post(
    "/events/{uuid:event_id}/heartbeat",
    response=ViewersOut,
    auth=auth_optional,
    url_name="live_heartbeat",
)
def heartbeat(
    request, event_id: UUID, payload: HeartbeatIn | None = None, grant: str | None = GrantHeader
):
    """A viewer is watching (send every 30 s): counted while its last heartbeat is under
    ``LIVE_VIEWER_TTL_SECONDS`` (60) old. ``viewer``: an id the player keeps, else your
    user or session. Returns ``{viewers, peak_viewers}``; not live: 409 ``not_live``."""
    event = selectors.live_event_get(event_id=event_id, user=request.auth, grant=grant)
    viewer = services.viewer_id(request=request, viewer=payload.viewer if payload else None)
    return services.live_heartbeat(event=event, viewer=viewer)


@router.get("/events/{uuid:event_id}/hls/{name}", url_name="live_hls", response=None)
def live_hls(request, event_id: UUID, name: str):
    """A live file (``index.m3u8``, its segments, ``poster.jpg``) of a public event; 404
    for any other event (use the tokened URL the player config gives)."""
    if not selectors.live_event_is_public_id(event_id=event_id):
        raise NotFound("No such file.")
    return media.live_file_response(event_id=event_id, name=name, private=False)


@router.get(
    "/events/{uuid:event_id}/hls/t/{token}/{name}", url_name="live_hls_tokened", response=None
)
def live_hls_tokened(request, event_id: UUID, token: str, name: str):
    """A live file of any event, with a token for it (from the player config); 403
    ``invalid_media_token`` for a bad, expired or another event's token."""
    media.live_token_check(token=token, event_id=event_id)
    return media.live_file_response(event_id=event_id, name=name, private=True)
