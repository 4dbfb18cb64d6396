"""The ``local`` live backend (``LIVE_BACKEND=local``, the embedded default): the worker,
``media-live --spec <file>``, as a local process listening on a local port (TCP for
RTMP, UDP for SRT), launched after the start's commit; the API processes run the
schedule (:mod:`api.live.scheduler`).

The spec file (it holds the stream key) is written with mode 0600 under
``VAR_DIR/live/``; the key never appears on a command line. The worker runs in its own
session, so it outlives a server restart; its pid is kept on the event, so any process
(the server, ``manage.py live_tick``) can stop it with SIGTERM. A server-side thread
reaps the workers it started and fails the event if one exits without ``live.ended``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path
from uuid import UUID

from django.conf import settings
from django.db import connections, transaction

from api.core import storage
from api.core.links import callback_url
from api.live.backends.base import LiveBackend
from api.live.models import IngestProtocol, LiveEvent, LiveState
from api.live.transitions import live_event_fail
from podv5_contract.live_worker import LiveSpec

logger = logging.getLogger(__name__)


def worker_command() -> list[str]:
    """``LIVE_WORKER_COMMAND`` split; a bare name not on PATH is looked up next to the
    running interpreter (the virtualenv's bin/), else run as ``python -m``."""
    command = shlex.split(settings.LIVE_WORKER_COMMAND)
    if command and os.sep not in command[0] and shutil.which(command[0]) is None:
        sibling = Path(sys.executable).parent / command[0]
        if sibling.exists():
            command[0] = str(sibling)
        elif command[0] == "media-live":
            command = [sys.executable, "-m", "podv5_media.live.cli", *command[1:]]
    return command


def free_port(bind: str, *, udp: bool = False) -> int:
    """A free TCP (RTMP) or UDP (SRT) port on ``bind`` (the worker binds it right after)."""
    family = socket.AF_INET6 if ":" in bind else socket.AF_INET
    kind = socket.SOCK_DGRAM if udp else socket.SOCK_STREAM
    with socket.socket(family, kind) as sock:
        sock.bind((bind, 0))
        return sock.getsockname()[1]


def build_spec(event: LiveEvent, *, port: int) -> LiveSpec:
    return LiveSpec(
        event_id=event.id,
        stream_key=event.stream_key,
        protocol=event.protocol,
        bind=settings.LIVE_INGEST_BIND,
        port=port,
        output=storage.storage_uri(event.storage_prefix),
        segment_duration=settings.LIVE_SEGMENT_SECONDS,
        record=event.record,
        reconnect_seconds=settings.LIVE_RECONNECT_SECONDS,
        callback_url=callback_url(),
    )


def launch(event_id: UUID) -> None:
    """Start the worker of an event in ``starting`` state; records its port and pid.
    If it cannot start, the event fails (``worker_unavailable``)."""
    event = LiveEvent.objects.get(pk=event_id)
    port = free_port(settings.LIVE_INGEST_BIND, udp=event.protocol == IngestProtocol.SRT)
    spec_dir = Path(settings.VAR_DIR) / "live"
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec_path = spec_dir / f"{event.id}.json"
    fd = os.open(spec_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(build_spec(event, port=port).model_dump_json(by_alias=True))
    env = {**os.environ, "CALLBACK_SIGNING_SECRET": settings.CALLBACK_SIGNING_SECRET}
    command = [*worker_command(), "--spec", str(spec_path)]
    logger.info("live event %s: starting the worker on port %d", event.id, port)
    try:
        proc = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, start_new_session=True)
    except OSError as exc:
        live_event_fail(
            event_id=event.id, code="worker_unavailable", message=f"Could not start: {exc}"
        )
        return
    LiveEvent.objects.filter(pk=event.id).update(ingest_port=port, worker_pid=proc.pid)
    threading.Thread(
        target=_reap, args=(event.id, proc, spec_path), name="live-reaper", daemon=True
    ).start()


def _reap(event_id: UUID, proc: subprocess.Popen, spec_path: Path) -> None:
    code = proc.wait()
    spec_path.unlink(missing_ok=True)
    try:
        LiveEvent.objects.filter(pk=event_id, worker_pid=proc.pid).update(worker_pid=0)
        if code != 0:
            live_event_fail(
                event_id=event_id,
                code="worker_failed",
                message=f"The live worker exited with code {code}.",
            )
    finally:
        connections.close_all()


def is_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie child of this process counts as gone
    with contextlib.suppress(OSError):
        status = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][:1]
        return status != "Z"
    return True


def stop(pid: int) -> bool:
    """SIGTERM to the worker (it ends the event cleanly); False if it is not running."""
    if not is_alive(pid):
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    return True


class LocalLiveBackend(LiveBackend):
    """Local worker processes (see the module's docstring); nothing kept between runs."""

    name = "local"
    runs_scheduler = True

    def apply(self, *, event: LiveEvent) -> None:
        pass  # the spec is written at launch, from the row

    def start(self, *, event: LiveEvent) -> None:
        event_id = event.id
        transaction.on_commit(lambda: launch(event_id))

    def stop(self, *, event: LiveEvent) -> bool:
        return event.state != LiveState.SCHEDULED and stop(event.worker_pid)

    def delete(self, *, event: LiveEvent) -> None:
        stop(event.worker_pid)

    def on_air_changed(self, *, event_id: UUID, on_air: bool) -> None:
        pass  # the row is all there is

    def lost_events(self, *, now: datetime) -> list[UUID]:
        running = LiveEvent.objects.filter(
            state__in=(LiveState.STARTING, LiveState.LIVE),
            started_at__lt=now - timedelta(seconds=30),
        ).values_list("id", "worker_pid")
        return [event_id for event_id, pid in running if not is_alive(pid)]
