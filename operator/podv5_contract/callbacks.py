"""Signed HTTP callbacks (Standard Webhooks), shared by the workers and the operator.

A callback is ``POST <url>`` with the JSON body ``{"type", "timestamp", "data"}`` and the
headers ``webhook-id``, ``webhook-timestamp`` (Unix seconds) and ``webhook-signature``
(``v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">``), made by the
``standardwebhooks`` package from a ``whsec_<base64>`` secret.

Delivery (``CallbackClient.send``):

- a 2xx answer is success;
- connection errors, timeouts, 429 and 5xx are retried with exponential backoff
  (``RetryPolicy``: by default 6 attempts with waits of 2, 4, 8, 16, 30 s, i.e. about a
  minute of waiting plus the request timeouts), honouring a ``Retry-After`` in seconds
  (capped by ``max_delay``);
- every attempt carries the SAME ``webhook-id`` (the receiver's idempotency key) and body;
  only ``webhook-timestamp`` and the signature are renewed so a late retry is not stale;
- any other answer (4xx but 429, 3xx) is final: ``CallbackRejected``; exhausted retries
  raise ``CallbackUndelivered``. Both are ``CallbackError``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from standardwebhooks import Webhook

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


class CallbackError(Exception):
    """A callback was not delivered."""

    def __init__(self, message: str, *, status_code: int | None = None, attempts: int = 0):
        super().__init__(message)
        self.status_code = status_code
        self.attempts = attempts


class CallbackRejected(CallbackError):
    """The receiver answered with a final error (4xx other than 408/425/429, or 3xx)."""


class CallbackUndelivered(CallbackError):
    """Every attempt failed with a connection error, a timeout, a 429 or a 5xx."""


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. Delays in seconds: ``initial_delay * 2**n`` capped at ``max_delay``."""

    max_attempts: int = 6
    initial_delay: float = 2.0
    max_delay: float = 30.0
    #: per-request timeout, seconds
    timeout: float = 10.0

    def delay(self, attempt: int) -> float:
        """Wait before attempt ``attempt + 1`` (``attempt`` counts from 1)."""
        return min(self.max_delay, self.initial_delay * (2 ** (attempt - 1)))


#: a single quick try, for events whose loss is harmless (progress)
BEST_EFFORT = RetryPolicy(max_attempts=1, timeout=5.0)


@dataclass(frozen=True)
class Delivery:
    """A successful delivery: the final status code and how many attempts it took."""

    msg_id: str
    status_code: int
    attempts: int


def event_body(event_type: str, data: dict, *, timestamp: datetime | None = None) -> str:
    """The JSON body of an event, compact and with stable key order."""
    when = (timestamp or datetime.now(UTC)).astimezone(UTC)
    body = {
        "type": event_type,
        "timestamp": when.isoformat().replace("+00:00", "Z"),
        "data": data,
    }
    return json.dumps(body, separators=(",", ":"), sort_keys=False, default=str)


def signed_headers(webhook: Webhook, msg_id: str, body: str, now: datetime) -> dict[str, str]:
    """The Standard Webhooks headers for ``body`` sent at ``now``."""
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": webhook.sign(msg_id, now, body),
    }


class CallbackClient:
    """Posts signed events to one URL.

    ``secret``: a Standard Webhooks secret (``whsec_<base64>``). ``sleep`` and
    ``transport`` are injectable (``httpx`` transports) for callers with their own loop.
    """

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        policy: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        user_agent: str = "pod-v5-media-operator",
    ) -> None:
        self.url = str(url)
        self.policy = policy or RetryPolicy()
        self._webhook = Webhook(secret)
        self._sleep = sleep
        self._client = httpx.Client(
            transport=transport, headers={"user-agent": user_agent}, follow_redirects=False
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> CallbackClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def send(
        self,
        event_type: str,
        data: dict,
        msg_id: str,
        *,
        policy: RetryPolicy | None = None,
    ) -> Delivery:
        """Deliver one event; raises ``CallbackRejected`` or ``CallbackUndelivered``."""
        policy = policy or self.policy
        body = event_body(event_type, data)
        last_error = "no attempt made"
        last_status: int | None = None
        for attempt in range(1, policy.max_attempts + 1):
            retry_after: float | None = None
            headers = signed_headers(self._webhook, msg_id, body, datetime.now(UTC))
            try:
                response = self._client.post(
                    self.url, content=body.encode(), headers=headers, timeout=policy.timeout
                )
            except httpx.TransportError as exc:
                last_error, last_status = f"{type(exc).__name__}: {exc}", None
            else:
                status = response.status_code
                if 200 <= status < 300:
                    return Delivery(msg_id=msg_id, status_code=status, attempts=attempt)
                last_error, last_status = f"HTTP {status}: {response.text[:200]}", status
                if status not in RETRYABLE_STATUS:
                    raise CallbackRejected(
                        f"{event_type} {msg_id} rejected by {self.url}: {last_error}",
                        status_code=status,
                        attempts=attempt,
                    )
                retry_after = _retry_after(response)
            if attempt < policy.max_attempts:
                wait = policy.delay(attempt)
                if retry_after is not None:
                    wait = min(policy.max_delay, max(wait, retry_after))
                log.warning(
                    "callback %s %s attempt %d failed (%s); retrying in %.1fs",
                    event_type, msg_id, attempt, last_error, wait,
                )  # fmt: skip
                self._sleep(wait)
        raise CallbackUndelivered(
            f"{event_type} {msg_id} not delivered to {self.url} after "
            f"{policy.max_attempts} attempts: {last_error}",
            status_code=last_status,
            attempts=policy.max_attempts,
        )


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
