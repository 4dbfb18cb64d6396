"""Server-Sent Events (``text/event-stream``, WHATWG HTML §9.2) for front ends:

- ``GET /api/v1/videos/{id}/events``: the video's status and encoding progress, until it
  is ready, failed or deleted;
- ``GET /api/v1/live/{id}/events``: a live event's state, on-air flag and viewer count,
  until it ended or failed.

Who: whoever may see the video or live event (the selectors' rules: 404 otherwise), by
bearer JWT or API key in ``Authorization``, the session, or, for ``EventSource`` (no
headers), ``?token=`` from ``POST .../events/token`` (``api.streams.tokens``); a password
grant in ``X-Video-Grant``.

The stream: ``retry: 3000``, then (unless resuming) a snapshot ``video.status`` /
``live.status`` with the current state, then each event as it is published (``id:``, the
event id; ``event:``, its type; ``data:``, the JSON ``{type, timestamp, data}`` a webhook
gets), a ``: ping`` comment every ``SSE_HEARTBEAT_SECONDS``, and the end after a final
event (or at once when the snapshot is final). ``Last-Event-ID`` (the header
``EventSource`` sends when it reconnects, or ``?lastEventId=``) replays the events
published after it (kept ``EVENTS_RETENTION_SECONDS``) instead of the snapshot.

Async views: a waiting stream costs the event loop a queue, not a worker thread busy
(``api.asgi``: the request's thread is idle, its database connection closed after the
opening queries); events come through the process's hub (``api.streams.hub``). At most
``SSE_MAX_STREAMS`` per process: 503 ``too_many_streams`` beyond.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from uuid import UUID

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from ninja_extra.exceptions import APIException

from api.accounts.auth import authenticate_request
from api.accounts.models import User
from api.core.envelope import json_error_response, pod_error_response
from api.core.errors import PodError, ValidationFailed
from api.core.parsing import parse_uint
from api.core.staff_network import staff_rights_restrict
from api.events.payloads import live_data, video_data
from api.events.selectors import event_latest_id, events_after
from api.events.types import FINAL_TYPES
from api.live.selectors import live_event_get
from api.streams.hub import hub
from api.streams.tokens import InvalidStreamToken, stream_token_user_id
from api.videos.grants import GRANT_HEADER
from api.videos.selectors import video_get

#: how long a stream waits for the hub's source (LISTEN connection) before answering 503
READY_TIMEOUT_SECONDS = 10
RETRY_MS = 3000
_ACTIVE_PHASES = ("Pending", "Running")


class TooManyStreams(PodError):
    status, code = 503, "too_many_streams"
    default_message = "Too many event streams are open on this server: retry shortly."


class EventsUnavailable(PodError):
    status, code = 503, "events_unavailable"
    default_message = "The event source (database) does not answer: retry shortly."


@dataclass
class Opened:
    """What a stream starts with: the snapshot (None when resuming), the replay, and
    whether the subject is already final."""

    snapshot: dict | None
    replay: list[dict] = field(default_factory=list)
    final: bool = False


def _item(event) -> dict:
    return {"id": event.id, "subject_id": str(event.subject_id), **event.envelope()}


def _user(request: HttpRequest, subject: str):
    token = request.GET.get("token")
    if token is None:
        return authenticate_request(request)
    user = User.objects.filter(pk=stream_token_user_id(token=token, subject=subject)).first()
    if user is None or not user.is_active:
        raise InvalidStreamToken()
    return staff_rights_restrict(request, user)


def _video_state(video_id: UUID, user, grant: str | None) -> tuple[dict, bool]:
    video = video_get(video_id=video_id, user=user, grant=grant)
    job = video.latest_jobs[0] if video.latest_jobs else None
    active = job is not None and job.phase in _ACTIVE_PHASES
    data = video_data(video, progress=job.progress if active else None)
    return data, not active and video.status in ("ready", "failed")


def _live_state(event_id: UUID, user, grant: str | None) -> tuple[dict, bool]:
    event = live_event_get(event_id=event_id, user=user, grant=grant)
    return live_data(event), event.state in ("ended", "failed")


def _open(request: HttpRequest, kind: str, subject_id: UUID, after: int | None) -> Opened:
    """(the request's thread) Authenticate, check access, read the start of the stream;
    then close this thread's database connections: the stream holds none."""
    try:
        user = _user(request, f"{kind}:{subject_id}")
        state = _video_state if kind == "video" else _live_state
        latest = event_latest_id()  # before the state: a later event is sent again, not lost
        data, final = state(subject_id, user, request.headers.get(GRANT_HEADER))
        if after is None:
            snapshot = {
                "id": latest,
                "type": f"{kind}.status",
                "timestamp": timezone.now().isoformat().replace("+00:00", "Z"),
                "data": data,
            }
            return Opened(snapshot=snapshot, final=final)
        replay = [_item(e) for e in events_after(subject_id=subject_id, after=after)]
        if final and not any(item["type"] in FINAL_TYPES for item in replay):
            # nothing more will come: say where it stands, then end
            return Opened(snapshot={**_open(request, kind, subject_id, None).snapshot}, final=True)
        return Opened(snapshot=None, replay=replay, final=final)
    finally:
        connections.close_all()


def _last_event_id(request: HttpRequest) -> int | None:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("lastEventId")
    if raw is None or raw == "":
        return None
    value = parse_uint(raw.strip())
    if value is None:
        raise ValidationFailed("Last-Event-ID must be an event id (digits).", field="Last-Event-ID")
    return value


def frame(item: dict) -> bytes:
    """One SSE message: ``id``, ``event`` and one ``data`` line of JSON."""
    body = json.dumps(
        {"type": item["type"], "timestamp": item["timestamp"], "data": item["data"]},
        separators=(",", ":"),
    )
    return f"id: {item['id']}\nevent: {item['type']}\ndata: {body}\n\n".encode()


class _Stream:
    """The response body (an async iterator) and its cleanup, run once whichever comes
    first: the end of the iteration, or the response's close (a client gone early)."""

    def __init__(self, subject_id: UUID, queue: asyncio.Queue, opened: Opened) -> None:
        self.subject_id, self.queue, self.opened = subject_id, queue, opened
        self.loop = asyncio.get_running_loop()
        self.closed = False

    def cleanup(self) -> None:
        global _open_streams
        if not self.closed:
            self.closed = True
            _open_streams -= 1
            hub.unsubscribe(self.subject_id, self.queue)

    def close_from_thread(self) -> None:  # a response closer: Django calls it in a thread
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.cleanup)

    async def __aiter__(self):
        try:
            yield f"retry: {RETRY_MS}\n\n".encode()
            last = 0
            if self.opened.snapshot is not None:
                yield frame(self.opened.snapshot)
                last = self.opened.snapshot["id"]
                if self.opened.final:
                    return
            for item in self.opened.replay:
                yield frame(item)
                last = item["id"]
                if item["type"] in FINAL_TYPES:
                    return
            heartbeat = float(settings.SSE_HEARTBEAT_SECONDS)
            while True:
                try:
                    item = await asyncio.wait_for(self.queue.get(), heartbeat)
                except TimeoutError:
                    yield b": ping\n\n"
                    continue
                if item is None:  # overflowed: the client resumes from its last id
                    return
                if item["id"] <= last:
                    continue
                yield frame(item)
                last = item["id"]
                if item["type"] in FINAL_TYPES:
                    return
        finally:
            self.cleanup()


_open_streams = 0


async def _event_stream(request: HttpRequest, kind: str, subject_id: UUID) -> HttpResponse:
    global _open_streams
    if request.method not in ("GET", "HEAD"):
        response = json_error_response(
            405, "method_not_allowed", "Method not allowed; allowed: GET."
        )
        response["Allow"] = "GET"
        return response
    if _open_streams >= settings.SSE_MAX_STREAMS:
        return pod_error_response(TooManyStreams(), {"Retry-After": "5"})
    _open_streams += 1
    queue = None
    try:
        after = _last_event_id(request)
        queue = hub.subscribe(subject_id)
        try:
            await asyncio.wait_for(hub.wait_ready(), READY_TIMEOUT_SECONDS)
        except TimeoutError:
            raise EventsUnavailable() from None
        opened = await sync_to_async(_open)(request, kind, subject_id, after)
    except (PodError, APIException) as exc:
        _open_streams -= 1
        if queue is not None:
            hub.unsubscribe(subject_id, queue)
        if isinstance(exc, APIException):  # a bad or expired bearer token
            return json_error_response(exc.status_code, "token_not_valid", str(exc.detail))
        return pod_error_response(exc, {"Cache-Control": "no-store"})
    except BaseException:
        _open_streams -= 1
        if queue is not None:
            hub.unsubscribe(subject_id, queue)
        raise
    stream = _Stream(subject_id, queue, opened)
    response = StreamingHttpResponse(stream, content_type="text/event-stream; charset=utf-8")
    response._resource_closers.append(stream.close_from_thread)
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"  # nginx (ingress-nginx): pass each message on at once
    return response


async def video_events(request: HttpRequest, video_id: UUID) -> HttpResponse:
    """``GET /api/v1/videos/{id}/events`` (see the module docstring)."""
    return await _event_stream(request, "video", video_id)


async def live_events(request: HttpRequest, event_id: UUID) -> HttpResponse:
    """``GET /api/v1/live/{id}/events`` (see the module docstring)."""
    return await _event_stream(request, "live", event_id)
