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

from django.conf import settings
from django.db import connections

from api.core.background import PeriodicThread
from api.retention.services import retention_tick

logger = logging.getLogger(__name__)


def enabled() -> bool:
    """Whether this process should run the schedule now."""
    return bool(settings.RETENTION_SCHEDULER)


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


_runner = PeriodicThread(
    "retention-scheduler",
    run=tick_once,
    enabled=enabled,
    interval=lambda: settings.RETENTION_SCHEDULER_SECONDS,
)
#: a ``request_started`` receiver: starts this process's thread (see api.core.background)
ensure_started = _runner.ensure_started
current_thread = _runner.current_thread
