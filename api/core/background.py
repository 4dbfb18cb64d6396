"""One daemon thread per API process that runs a job periodically: the live scheduler
(``api.live.scheduler``), the retention scheduler (``api.retention.scheduler``) and the
webhook sender (``api.webhooks.sender``) are each a :class:`PeriodicThread`.

- started lazily by the process's first request (a ``request_started`` receiver), so
  after a pre-fork server such as gunicorn has forked, and never in ``migrate`` or other
  management commands; a forked child starts its own (the thread is per pid);
- ``enabled()`` (a setting) is checked before every run and while waiting: turning it
  off stops the thread within a second; the next request starts it again;
- ``run()`` must log its own errors and close its database connections; ``wake()`` makes
  the thread run at once instead of at the end of its interval.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)

#: longest wait between two checks of ``enabled()`` (seconds)
_CHECK_SECONDS = 1.0


class PeriodicThread:
    """``run()`` every ``interval()`` seconds in a daemon thread named ``name`` while
    ``enabled()``; intervals are read at each round (settings may change)."""

    def __init__(
        self,
        name: str,
        *,
        run: Callable[[], object],
        enabled: Callable[[], bool],
        interval: Callable[[], float],
    ):
        self.name = name
        self._run = run
        self._enabled = enabled
        self._interval = interval
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None

    def ensure_started(self, **_signal_kwargs) -> bool:
        """Start this process's thread if enabled and not running (cheap when it runs:
        a ``request_started`` receiver). Returns whether it runs."""
        if not self._enabled():
            return False
        if self._running():
            return True
        with self._lock:
            if not self._running():
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
                self._thread.start()
                logger.info(
                    "%s started (every %g s, pid %d)", self.name, self._interval(), self._pid
                )
        return True

    def current_thread(self) -> threading.Thread | None:
        """This process's thread, if one was started (alive or not)."""
        return self._thread if self._pid == os.getpid() else None

    def wake(self, *_args, **_kwargs) -> None:
        """Run now rather than at the end of the interval."""
        self._wake.set()

    def _running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and self._pid == os.getpid()

    def _loop(self) -> None:
        while self._enabled():
            self._run()
            deadline = time.monotonic() + max(float(self._interval()), 0.1)
            while self._enabled() and (left := deadline - time.monotonic()) > 0:
                if self._wake.wait(min(_CHECK_SECONDS, left)):
                    break
            self._wake.clear()
        logger.info("%s stopped (switched off)", self.name)
