"""The in-server retention scheduler, after ``api.live.scheduler``.

Each API process runs :func:`api.retention.services.retention_tick` every
``RETENTION_SCHEDULER_SECONDS`` (3600) seconds in one daemon thread, started lazily by
the process's first request (so after a pre-fork server has forked; never in
``migrate`` or other management commands). Several processes may run it at once: the
tick claims each row it changes (see ``api.retention.services``).

``RETENTION_SCHEDULER`` (default on) turns it off, e.g. when cron runs
``manage.py retention_tick`` instead. The thread checks the setting before every tick
and exits when it is off; the next request starts it again.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from django.conf import settings
from django.db import connections

from api.retention.services import retention_tick

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_thread: threading.Thread | None = None
_pid: int | None = None


def enabled() -> bool:
    """Whether this process should run the schedule now."""
    return bool(settings.RETENTION_SCHEDULER)


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
            _thread = threading.Thread(target=_loop, name="retention-scheduler", daemon=True)
            _thread.start()
            logger.info(
                "retention scheduler started (every %g s, pid %d)",
                settings.RETENTION_SCHEDULER_SECONDS,
                _pid,
            )
    return True


def current_thread() -> threading.Thread | None:
    """The scheduler thread of this process, if one was started (alive or not)."""
    return _thread if _pid == os.getpid() else None


def _loop() -> None:
    while enabled():
        tick_once()
        # sleep in short steps: turning the setting off stops the thread soon
        deadline = time.monotonic() + max(float(settings.RETENTION_SCHEDULER_SECONDS), 0.1)
        while enabled() and time.monotonic() < deadline:
            time.sleep(min(1.0, max(deadline - time.monotonic(), 0)))
    logger.info("retention scheduler stopped (RETENTION_SCHEDULER is off)")


def tick_once() -> dict | None:
    """One ``retention_tick``; errors are logged, never raised (the thread goes on). The
    thread's database connection is closed after each tick."""
    try:
        result = retention_tick()
        if any(result.values()):
            logger.info(
                "retention scheduler: %s",
                ", ".join(f"{key} {len(ids)}" for key, ids in result.items() if ids),
            )
        return result
    except Exception:
        logger.exception("retention scheduler: tick failed")
        return None
    finally:
        connections.close_all()
