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

from django.conf import settings
from django.db import connections

from api.core.background import PeriodicThread
from api.live.backends import get_backend
from api.live.services import live_tick

logger = logging.getLogger(__name__)


def enabled() -> bool:
    """Whether this process should run the schedule now."""
    return bool(settings.LIVE_SCHEDULER) and get_backend().runs_scheduler


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


_runner = PeriodicThread(
    "live-scheduler",
    run=tick_once,
    enabled=enabled,
    interval=lambda: settings.LIVE_SCHEDULER_SECONDS,
)
#: a ``request_started`` receiver: starts this process's thread (see api.core.background)
ensure_started = _runner.ensure_started
current_thread = _runner.current_thread
