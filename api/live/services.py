"""Writes on live events. Keyword-only, typed; raise ``api.core.errors`` exceptions.

State machine, forward only: ``scheduled → starting → live → ended`` (+ ``failed``).
``start`` (manual, or ``auto_start`` at ``start`` by :func:`live_tick`) launches the
worker; its signed callbacks move the event: ``live.starting`` (listening) → live,
``live.on_air``/``live.off_air`` → ``on_air`` (ordered by session ``seq``),
``live.ended`` → ended (with ``record``, the pipeline then turns the recording into a
new Video that goes through the normal encoding: ``api.pipeline.services.recording_received``).
The stream key is never logged.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from typing import NamedTuple
from uuid import UUID

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from api.accounts.models import User
from api.core import storage
from api.core.errors import (
    Conflict,
    InvalidState,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    WrongPassword,
)
from api.events.payloads import publish_live, publish_live_callback
from api.live.backends import get_backend
from api.live.models import (
    ACTIVE,
    FINAL,
    STATE_ORDER,
    IngestProtocol,
    LiveEvent,
    LiveState,
    LiveViewer,
    new_stream_key,
)
from api.live.transitions import live_event_fail
from api.videos.grants import GRANT_HEADER, grant_issue
from api.videos.models import Video, Visibility
from api.videos.services import _apply_access
from podv5_contract.events import LiveEventData
from podv5_media.ffmpeg import find_ffmpeg

logger = logging.getLogger(__name__)

_protocols: set[str] | None = None


def ffmpeg_protocols() -> set[str]:
    """Protocols of the ffmpeg build (``ffmpeg -protocols``), cached."""
    global _protocols
    if _protocols is None:
        import subprocess

        out = subprocess.run(
            [find_ffmpeg(), "-hide_banner", "-protocols"], capture_output=True, text=True
        ).stdout
        _protocols = {line.strip() for line in out.splitlines() if line.startswith("  ")}
    return _protocols


def _check_protocol(protocol: str) -> None:
    if protocol == IngestProtocol.SRT and "srt" not in ffmpeg_protocols():
        raise ValidationFailed("This server's ffmpeg has no SRT support.", field="protocol")


def _check_overlap(event: LiveEvent) -> None:
    """Conflict (409 ``ingest_busy``) if another unfinished event on the same ingest
    point overlaps ``[start, end)``."""
    clash = (
        LiveEvent.objects.select_for_update()
        .filter(ingest=event.ingest, state__in=ACTIVE, start__lt=event.end, end__gt=event.start)
        .exclude(pk=event.pk)
        .values_list("id", flat=True)
        .first()
    )
    if clash is not None:
        raise Conflict(
            f"The ingest point {event.ingest!r} is taken by event {clash} at that time.",
            code="ingest_busy",
        )


@transaction.atomic
def live_event_create(
    *,
    owner: User,
    title: str,
    start: datetime,
    end: datetime,
    description: str = "",
    auto_start: bool = True,
    protocol: str = IngestProtocol.RTMP,
    ingest: str = "default",
    record: bool = True,
    visibility: str = Visibility.PUBLIC,
    is_draft: bool = False,
    access_groups: list[str] | None = None,
    additional_owners: list[str] | None = None,
    password: str | None = None,
) -> LiveEvent:
    """A new ``scheduled`` event with a fresh stream key. Raises PermissionDenied (403)
    for viewers, ValidationFailed (422) for ``end <= start``, an unavailable protocol or
    inconsistent access settings (``password`` only with visibility ``password``, which
    needs one: stored hashed, as for videos), Conflict (409 ``ingest_busy``) on overlap."""
    if not owner.upload_allowed:
        raise PermissionDenied("You may not broadcast: ask for the uploader role.")
    if end <= start:
        raise ValidationFailed("end must be after start.", field="end")
    _check_protocol(protocol)
    event = LiveEvent(
        owner=owner,
        title=title,
        description=description,
        start=start,
        end=end,
        auto_start=auto_start,
        protocol=protocol,
        ingest=ingest,
        record=record,
        is_draft=is_draft,
    )
    groups, owners = _apply_access(
        event,
        visibility=visibility,
        password=password,
        access_groups=access_groups or [],
        additional_owners=additional_owners or [],
    )
    _check_overlap(event)
    event.save()
    event.access_groups.set(groups or [])
    event.additional_owners.set(owners or [])
    get_backend().apply(event=event)  # e.g. its LiveEvent resource (503: rolled back)
    return event


@transaction.atomic
def live_event_update(*, event: LiveEvent, actor: User, **changes) -> LiveEvent:
    """Change the fields given (see ``LiveEventPatch``). ``start``, ``end``, ``protocol``
    and ``ingest`` only while scheduled (409 ``invalid_state``); the overlap rule is
    checked again (409 ``ingest_busy``); additional owners: owner and staff (403)."""
    event = LiveEvent.objects.select_for_update().select_related("owner").get(pk=event.pk)
    if changes.get("additional_owners") is not None and not (
        actor.is_staff or actor.pk == event.owner_id
    ):
        raise PermissionDenied("Only the owner may change the additional owners.")
    timing = {"start", "end", "protocol", "ingest"} & {
        k for k, v in changes.items() if v is not None
    }
    if timing and event.state != LiveState.SCHEDULED:
        raise InvalidState(f"The event is {event.state}: {', '.join(sorted(timing))} is fixed.")
    for name in ("title", "description", "start", "end", "auto_start", "protocol", "ingest"):
        if changes.get(name) is not None:
            setattr(event, name, changes[name])
    for name in ("record", "is_draft"):
        if changes.get(name) is not None:
            setattr(event, name, changes[name])
    if event.end <= event.start:
        raise ValidationFailed("end must be after start.", field="end")
    _check_protocol(event.protocol)
    visibility = changes.get("visibility") or event.visibility
    groups, owners = _apply_access(
        event,
        visibility=visibility,
        password=changes.get("password"),
        access_groups=changes.get("access_groups"),
        additional_owners=changes.get("additional_owners"),
    )
    if timing:
        _check_overlap(event)
    event.save()
    if groups is not None:
        event.access_groups.set(groups)
    if owners is not None:
        event.additional_owners.set(owners)
    if event.state not in FINAL:
        get_backend().apply(event=event)  # schedule, record... (503: rolled back)
    return event


def live_event_delete(*, event: LiveEvent) -> None:
    """Delete the event (its worker is stopped) and its live files; the recording's
    video, if any, stays."""
    prefix = event.storage_prefix
    get_backend().delete(event=event)  # its worker (and resources) go first
    with transaction.atomic():
        event.delete()
        transaction.on_commit(lambda: storage.delete_prefix(prefix))


def _check_storage() -> None:
    """The live worker writes its HLS and recording into a folder (a ``file://`` output,
    ``podv5_contract.live_worker.LiveSpec``): with S3 storage it cannot run. Checked before
    anything changes, so a refused start leaves the event as it was."""
    if storage.is_s3():
        raise Conflict(
            "Live events need local media storage: the live worker writes its HLS and "
            "recording to the media volume, and STORAGE_BACKEND=s3 is not supported for live.",
            code="live_unsupported_storage",
        )


@transaction.atomic
def live_event_start(*, event: LiveEvent) -> LiveEvent:
    """Start a scheduled event now: ``starting``, then its worker is launched (after
    commit). InvalidState (409) unless scheduled, or once its ``end`` has passed."""
    event = LiveEvent.objects.select_for_update().get(pk=event.pk)
    if event.state != LiveState.SCHEDULED:
        raise InvalidState(f"The event is {event.state}: it cannot start.")
    if event.end <= timezone.now():
        raise InvalidState("The event's end has passed.", code="event_over")
    _check_storage()
    event.state, event.started_at = LiveState.STARTING, timezone.now()
    event.error_code = event.error_message = ""
    event.save(update_fields=["state", "started_at", "error_code", "error_message", "updated_at"])
    get_backend().start(event=event)  # launched after commit, or 503: rolled back
    publish_live("live.starting", event)
    return event


@transaction.atomic
def live_event_stop(*, event: LiveEvent) -> LiveEvent:
    """Stop an event. Scheduled: ended at once, nothing recorded. Starting/live: the
    worker gets SIGTERM and ends it cleanly (``live.ended`` arrives shortly: the state
    stays live until then); without a running worker it is ended here. Final: 409."""
    event = LiveEvent.objects.select_for_update().get(pk=event.pk)
    if event.state in FINAL:
        raise InvalidState(f"The event is {event.state} already.")
    if get_backend().stop(event=event):
        return event  # live.ended (the worker's, or the operator's) ends it
    event.state, event.on_air, event.ended_at = LiveState.ENDED, False, timezone.now()
    event.save(update_fields=["state", "on_air", "ended_at", "updated_at"])
    publish_live("live.ended", event)
    return event


def live_event_unlock(*, event: LiveEvent, password: str) -> dict:
    """A grant for a password-protected event, as for videos (``api.videos.grants``,
    the same ``X-Video-Grant`` header): ``{"grant", "expires_at", "header"}``. Raises
    InvalidState (409 ``not_password_protected``) for another visibility and
    WrongPassword (403)."""
    if event.visibility != Visibility.PASSWORD:
        raise InvalidState(
            "This live event is not password-protected.", code="not_password_protected"
        )

    def upgrade(raw: str) -> None:  # a stronger hasher became the default: rehash
        LiveEvent.objects.filter(pk=event.pk).update(password=make_password(raw))

    if not event.password or not check_password(password, event.password, setter=upgrade):
        raise WrongPassword()
    token, expires_at = grant_issue(video_id=event.id, password_version=event.password_version)
    return {"grant": token, "expires_at": expires_at, "header": GRANT_HEADER}


@transaction.atomic
def live_event_rotate_key(*, event: LiveEvent) -> LiveEvent:
    """A new random stream key (the old one stops working at the next start).
    InvalidState (409) while the worker runs (starting/live): stop first."""
    event = LiveEvent.objects.select_for_update().get(pk=event.pk)
    if event.state in (LiveState.STARTING, LiveState.LIVE):
        raise InvalidState("The event is running: stop it before changing its key.")
    event.stream_key = new_stream_key()
    event.save(update_fields=["stream_key", "updated_at"])
    if event.state not in FINAL:
        get_backend().apply(event=event)  # e.g. the stream-key Secret
    logger.info("live event %s: stream key rotated", event.id)
    return event


def viewer_id(*, request, viewer: str | None) -> str:
    """Who a heartbeat counts as: ``c:<client id>``, else ``u:<user id>``, else
    ``s:<session hash>`` (a session is created for anonymous viewers)."""
    if viewer:
        return f"c:{viewer}"
    if request.user.is_authenticated or getattr(request, "auth", None) is not None:
        user = request.auth if getattr(request.auth, "is_authenticated", False) else request.user
        if user.is_authenticated:
            return f"u:{user.pk}"
    if not request.session.session_key:
        request.session.save()
    return "s:" + hashlib.sha256(request.session.session_key.encode()).hexdigest()[:32]


@transaction.atomic
def live_heartbeat(*, event: LiveEvent, viewer: str) -> dict:
    """Record that ``viewer`` watches now; returns ``{viewers, peak_viewers}``: viewers
    with a heartbeat in the last ``LIVE_VIEWER_TTL_SECONDS`` (expired ones are deleted),
    the peak kept. InvalidState (409 ``not_live``) unless the event is live."""
    if event.state != LiveState.LIVE:
        raise InvalidState("The event is not live.", code="not_live")
    now = timezone.now()
    LiveViewer.objects.update_or_create(event=event, viewer=viewer, defaults={"seen_at": now})
    return live_viewers_refresh(event_id=event.id, now=now)


def live_viewers_refresh(*, event_id: UUID, now: datetime | None = None) -> dict:
    """Drop expired heartbeats, store the current count and the peak; returns both."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.LIVE_VIEWER_TTL_SECONDS)
    LiveViewer.objects.filter(event_id=event_id, seen_at__lt=cutoff).delete()
    count = LiveViewer.objects.filter(event_id=event_id).count()
    changed = (  # unchanged count: unchanged peak too, nothing to write
        LiveEvent.objects.filter(pk=event_id)
        .exclude(viewers=count)
        .update(viewers=count, peak_viewers=Greatest(F("peak_viewers"), count))
    )
    if changed:
        publish_live("live.viewers", LiveEvent.objects.get(pk=event_id))
    peak = LiveEvent.objects.values_list("peak_viewers", flat=True).get(pk=event_id)
    return {"viewers": count, "peak_viewers": peak}


def _forward(event: LiveEvent, state: LiveState) -> bool:
    if event.state in FINAL or STATE_ORDER[state] < STATE_ORDER[LiveState(event.state)]:
        return False
    event.state = state
    return True


class LiveUpdate(NamedTuple):
    """What a ``live.*`` event did to a live event: the event after it, and whether it
    changed anything."""

    event: LiveEvent
    applied: bool

    def outcome(self) -> dict:
        """The callback's answer (``api.callbacks.api.LiveOutcome``)."""
        event = self.event
        return {
            "event_id": str(event.id),
            "phase": event.state,
            "on_air": event.on_air,
            "applied": self.applied,
        }


@transaction.atomic
def live_callback_apply(*, event_type: str, data: LiveEventData) -> LiveUpdate:
    """Apply one ``live.*`` event, forward only. NotFound (404) for an unknown event.
    A recording (``live.ended``) is left to the pipeline."""
    event = LiveEvent.objects.select_for_update().filter(pk=data.event_id).first()
    if event is None:
        raise NotFound("No such live event.")
    if event.state in FINAL:
        return LiveUpdate(event, applied=False)
    now = timezone.now()
    if event_type == "live.starting":
        applied = _forward(event, LiveState.LIVE if data.listening else LiveState.STARTING)
    elif event_type in ("live.on_air", "live.off_air"):
        seq = data.seq or 0
        on_air = event_type == "live.on_air"
        # on_air then off_air of the same session: off wins; an older session: ignored
        applied = seq > event.air_seq or (seq == event.air_seq and not on_air)
        if applied:
            event.air_seq, event.on_air = seq, on_air
            get_backend().on_air_changed(event_id=event.id, on_air=on_air)
            _forward(event, LiveState.LIVE)
    elif event_type == "live.ended":
        event.state, event.on_air, event.ended_at = LiveState.ENDED, False, now
        applied = True
    else:  # live.failed
        event.state, event.on_air, event.ended_at = LiveState.FAILED, False, now
        event.error_code = (data.reason or "live_failed")[:64]
        event.error_message = data.message or "The live worker failed."
        applied = True
    if applied:
        event.save()
        publish_live_callback(event_type, event)
    return LiveUpdate(event, applied)


def live_event_set_video(*, event: LiveEvent, video: Video) -> LiveEvent:
    """Record the video made of the event's recording."""
    event.video = video
    event.save(update_fields=["video", "updated_at"])
    return event


def live_tick(*, now: datetime | None = None) -> dict:
    """The scheduler: start due ``auto_start`` events (start ≤ now < end), stop events
    whose end passed, fail running events whose worker is gone (``lost_events`` of the
    backend), refresh viewer counts. Returns ``{started, stopped, failed}`` (event ids)."""
    now = now or timezone.now()
    started, stopped, failed = [], [], []
    due = LiveEvent.objects.filter(
        state=LiveState.SCHEDULED, auto_start=True, start__lte=now, end__gt=now
    )
    for event in due:
        try:
            live_event_start(event=event)
            started.append(event.id)
        except InvalidState:
            pass
        except Conflict as exc:  # it can never start here: failed, not retried each tick
            live_event_fail(event_id=event.id, code=exc.code, message=exc.message)
            failed.append(event.id)
    for event in LiveEvent.objects.filter(state__in=ACTIVE, end__lte=now):
        try:
            live_event_stop(event=event)
            stopped.append(event.id)
        except InvalidState:
            pass
    for event_id in get_backend().lost_events(now=now):
        live_event_fail(event_id=event_id, code="worker_lost", message="The live worker is gone.")
        failed.append(event_id)
    for event_id in LiveEvent.objects.filter(state=LiveState.LIVE).values_list("id", flat=True):
        live_viewers_refresh(event_id=event_id, now=now)
    return {"started": started, "stopped": stopped, "failed": failed}
