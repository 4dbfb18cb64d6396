"""The live worker's callbacks, sent in order by one background thread so that ffmpeg's
output is never held up by a slow API. Every event is retried (``RetryPolicy``); its
``webhook-id`` is deterministic (``msg_<event hex>_<type>[_<seq>]``)."""

from __future__ import annotations

import logging
import queue
import threading

from podv5_contract.callbacks import CallbackClient, CallbackError, RetryPolicy
from podv5_contract.events import LiveEventData, webhook_id
from podv5_contract.live_worker import LiveSpec

log = logging.getLogger(__name__)


class LiveReporter:
    """``send(type, **data)`` queues an event; ``close()`` waits until all are sent."""

    def __init__(self, spec: LiveSpec, secret: str | None, policy: RetryPolicy | None = None):
        self.spec = spec
        self._client = (
            CallbackClient(str(spec.callback_url), secret or "", policy=policy)
            if spec.callback_url
            else None
        )
        if self._client is not None and not secret:
            raise ValueError("a callback URL needs CALLBACK_SIGNING_SECRET")
        self._queue: queue.Queue = queue.Queue()
        self.delivered: list[str] = []
        self._thread = threading.Thread(target=self._loop, name="live-callbacks", daemon=True)
        self._thread.start()

    def send(self, event_type: str, *, seq: int | None = None, **fields) -> None:
        data = LiveEventData(event_id=self.spec.event_id, seq=seq, **fields)
        self._queue.put((event_type, seq, data.model_dump(mode="json", exclude_none=True)))

    def close(self, timeout: float = 120) -> None:
        self._queue.put(None)
        self._thread.join(timeout=timeout)
        if self._client is not None:
            self._client.close()

    def _loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            event_type, seq, data = item
            if self._client is None:
                log.info("event %s (no callback URL)", event_type)
                continue
            try:
                self._client.send(event_type, data, webhook_id(self.spec.event_id, event_type, seq))
                self.delivered.append(event_type)
            except CallbackError as exc:
                log.error("callback %s not delivered: %s", event_type, exc)
