"""The job's ``encoding.*`` callbacks (see ``podv5_contract.events``).

``Reporter`` sends, for one job:

- ``encoding.running``: full retries; a final rejection (4xx) is raised, the caller aborts;
- ``encoding.progress`` (``data.progress``: percent 0-100): from a background thread, at
  most one per ``progress_interval`` seconds, strictly increasing, one quick attempt each
  (a lost progress event is harmless); ``webhook-id`` numbered ``..._progress_<n>``;
- ``encoding.succeeded`` (``data.manifest``, ``data.progress`` = 100) and
  ``encoding.failed`` (``data.reason``, ``data.message``): full retries; both carry
  ``data.imported`` once an imported source is stored (``Reporter.imported``).

Progress reporting is stopped (and its thread joined) before the final event is sent, so
the receiver sees running, progress..., then succeeded or failed. Without a callback URL
every method is a no-op.
"""

from __future__ import annotations

import logging
import threading
import time

from podv5_contract.callbacks import (
    BEST_EFFORT,
    CallbackClient,
    CallbackError,
    CallbackRejected,
    RetryPolicy,
)
from podv5_contract.events import EncodingEventData, webhook_id
from podv5_contract.imports import ImportedSource
from podv5_contract.spec import EncodingJobSpec

log = logging.getLogger(__name__)


class Reporter:
    """The callbacks of one job; ``ValueError`` if the URL is set without a valid secret."""

    def __init__(
        self,
        spec: EncodingJobSpec,
        secret: str | None,
        *,
        policy: RetryPolicy | None = None,
        progress_interval: float = 1.0,
    ) -> None:
        self.spec = spec
        self.enabled = spec.callback_url is not None
        if self.enabled and not secret:
            raise ValueError("a callback URL needs CALLBACK_SIGNING_SECRET")
        self._secret = secret or ""
        self._client = (
            CallbackClient(str(spec.callback_url), self._secret, policy=policy)
            if self.enabled
            else None
        )
        self._progress = _ProgressSender(self, progress_interval) if self.enabled else None
        #: the source imported from a URL and stored (podv5_media.imports), told at the end
        self.imported: ImportedSource | None = None

    # -- events ---------------------------------------------------------------------------

    def running(self) -> None:
        """Raises ``CallbackRejected`` if the API refuses; undelivered is only logged."""
        self._send("encoding.running", self._data(), raise_rejected=True)

    def progress(self, percent: float) -> None:
        """Record the latest percentage; the sender thread posts it when due."""
        if self._progress is not None:
            self._progress.update(percent)

    def succeeded(self, manifest: dict) -> bool:
        self.stop_progress()
        return self._send(
            "encoding.succeeded",
            self._data(progress=100.0, manifest=manifest, imported=self.imported),
        )

    def failed(self, reason: str, message: str) -> bool:
        self.stop_progress()
        return self._send(
            "encoding.failed",
            self._data(reason=reason, message=message[:2000], imported=self.imported),
        )

    # -- plumbing -------------------------------------------------------------------------

    def stop_progress(self) -> None:
        if self._progress is not None:
            self._progress.stop()

    def close(self) -> None:
        self.stop_progress()
        if self._client is not None:
            self._client.close()

    def _data(self, **fields) -> dict:
        data = EncodingEventData(job_id=self.spec.job_id, video_id=self.spec.video_id, **fields)
        return data.model_dump(mode="json", exclude_none=True)

    def _send(self, event_type: str, data: dict, *, raise_rejected: bool = False) -> bool:
        """True if delivered (or no callback configured)."""
        if self._client is None:
            return True
        try:
            self._client.send(event_type, data, webhook_id(self.spec.job_id, event_type))
        except CallbackError as exc:
            if raise_rejected and isinstance(exc, CallbackRejected):
                raise
            log.error("callback %s not delivered: %s", event_type, exc)
            return False
        return True


class _ProgressSender:
    """Background thread posting the latest progress, throttled (see the module doc)."""

    def __init__(self, reporter: Reporter, interval: float) -> None:
        self._reporter = reporter
        self._interval = interval
        self._client = CallbackClient(
            str(reporter.spec.callback_url), reporter._secret, policy=BEST_EFFORT
        )
        self._cond = threading.Condition()
        self._latest = 0.0
        self._sent = -1.0
        self._seq = 0
        self._stopped = False
        self._thread: threading.Thread | None = None

    def update(self, percent: float) -> None:
        percent = round(percent, 1)  # what is sent: keep the sent values increasing
        with self._cond:
            if self._stopped or percent <= self._latest:
                return
            self._latest = percent
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="progress", daemon=True)
                self._thread.start()
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout=15)
        self._client.close()

    def _loop(self) -> None:
        last_send = float("-inf")
        while True:
            with self._cond:
                while not self._stopped and self._latest <= self._sent:
                    self._cond.wait()
                if self._stopped:
                    return
                wait = last_send + self._interval - time.monotonic()
                if wait > 0:
                    self._cond.wait(timeout=wait)
                    continue
                percent = self._latest
                self._sent = percent
                self._seq += 1
                seq = self._seq
            last_send = time.monotonic()
            spec = self._reporter.spec
            data = self._reporter._data(progress=percent)
            try:
                self._client.send(
                    "encoding.progress", data, webhook_id(spec.job_id, "encoding.progress", seq)
                )
            except CallbackError as exc:
                log.warning("progress callback not delivered: %s", exc)
