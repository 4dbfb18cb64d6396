"""The in-server live scheduler of the embedded default (``LIVE_BACKEND=local``: the
backends whose ``runs_scheduler`` is true).

Each API process runs :func:`api.live.services.live_tick` every
``LIVE_SCHEDULER_SECONDS`` (5) seconds in one daemon thread, started lazily by the
process's first request (so after a pre-fork server such as gunicorn has forked; never in
``migrate`` or other management commands). Several processes may run it at once:
``live_tick`` only moves an event after locking its row (``select_for_update``) and
re-checking its state, so an event is started, and its worker launched, once.

``LIVE_SCHEDULER`` (default: on with the local backend) turns it off, e.g. when
``manage.py live_tick --loop 5`` or cron runs the schedule instead. The thread checks
the setting before every tick and exits when it is off; the next request starts it again.
With ``LIVE_BACKEND=kubernetes`` the operator's timers run the schedule, not this thread.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from django.conf import settings
from django.db import connections

from api.live.backends import get_backend
from api.live.services import live_tick

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_thread: threading.Thread | None = None
_pid: int | None = None


def enabled() -> bool:
    """Whether this process should run the schedule now."""
    return bool(settings.LIVE_SCHEDULER) and get_backend().runs_scheduler


def ensure_started(**_signal_kwargs) -> bool:
    """Start the scheduler thread of this process if it is enabled and not running
    (a ``request_started`` receiver; cheap when it runs). Returns whether it runs."""
    global _thread, _pid
    if not enabled():
        return False
    if _thread is not None and _thread.is_alive() and _pid == os.getpid():
        return True
    with _lock:
        if _thread is None or not _thread.is_alive() or _pid != os.getpid():
            _pid = os.getpid()
            _thread = threading.Thread(target=_loop, name="live-scheduler", daemon=True)
            _thread.start()
            logger.info(
                "live scheduler started (every %g s, pid %d)",
                settings.LIVE_SCHEDULER_SECONDS,
                _pid,
            )
    return True


def current_thread() -> threading.Thread | None:
    """The scheduler thread of this process, if one was started (alive or not)."""
    return _thread if _pid == os.getpid() else None


def _loop() -> None:
    while enabled():
        tick_once()
        time.sleep(max(float(settings.LIVE_SCHEDULER_SECONDS), 0.1))
    logger.info("live scheduler stopped (LIVE_SCHEDULER is off)")


def tick_once() -> dict | None:
    """One ``live_tick``; errors are logged, never raised (the thread goes on). The
    thread's database connection is closed after each tick."""
    try:
        result = live_tick()
        if any(result.values()):
            logger.info(
                "live scheduler: %s",
                ", ".join(f"{key} {len(ids)}" for key, ids in result.items() if ids),
            )
        return result
    except Exception:
        logger.exception("live scheduler: tick failed")
        return None
    finally:
        connections.close_all()
