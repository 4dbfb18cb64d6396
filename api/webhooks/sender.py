"""The webhook sender: claims due deliveries, sends each (signed, to the checked
address), records the answer, schedules the retry.

Runs in two ways, both safe side by side and in several processes at once:

- in-process, like the live scheduler: one daemon thread per API process
  (``WEBHOOK_SENDER``, default on), started by the process's first request, woken at
  once by each event the process records, else every ``WEBHOOK_SENDER_SECONDS``;
- ``manage.py webhooks_send [--loop SECONDS]`` (then set ``WEBHOOK_SENDER=0`` on the API).

A sender claims a delivery by moving its ``next_attempt_at`` a lease ahead, in a
transaction that locks the rows it reads (``select_for_update(skip_locked=True)`` on
PostgreSQL: concurrent senders take different rows; SQLite serialises writing
transactions), so a delivery is sent by one sender at a time; a sender that dies mid-send
leaves it due again when the lease ends.

One attempt (Standard Webhooks): ``POST`` of the JSON body ``{type, timestamp, data}``
with ``webhook-id`` (``msg_<delivery id>``, the same at every attempt),
``webhook-timestamp`` and ``webhook-signature`` (``v1,<base64 HMAC-SHA256>``; two during
a secret rotation's grace), to the address the URL's host resolved to and was checked
against the address policy (``api.webhooks.addresses``) just now (TLS still checks the
host's certificate); redirects are not followed; connect, write and each read wait at
most ``WEBHOOK_TIMEOUT_SECONDS``. A 2xx answer succeeds; anything else (other statuses,
a refused address, a timeout, a connection error) fails the attempt: the next comes after
an exponential backoff with jitter (``WEBHOOK_RETRY_BASE_SECONDS`` × 2^(n-1), capped at
``WEBHOOK_RETRY_MAX_SECONDS``, then a random 50-100 % of it) until
``WEBHOOK_MAX_ATTEMPTS`` attempts or ``WEBHOOK_MAX_AGE_SECONDS`` after the event; a
subscription whose attempts failed ``WEBHOOK_DISABLE_AFTER_FAILURES`` times in a row is
disabled, with the reason.
"""

from __future__ import annotations

import logging
import random
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import httpx
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import F
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from api.core.background import PeriodicThread
from api.core.errors import PodError
from api.events.services import events_prune
from api.webhooks.addresses import resolve_target
from api.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from api.webhooks.services import deliveries_prune

logger = logging.getLogger(__name__)

#: bytes of a response body read (and kept in the log, as text, up to 500 characters)
RESPONSE_READ_BYTES = 4096
#: attempts kept in a delivery's history
HISTORY_KEEP = 50
USER_AGENT = "Pod-Webhooks/1"


def backoff_seconds(attempt: int) -> float:
    """The wait after failed attempt number ``attempt`` (1-based), seconds: exponential,
    capped, with jitter (a random 50-100 % of it, so retries of many deliveries spread)."""
    base = float(settings.WEBHOOK_RETRY_BASE_SECONDS)
    delay = min(base * 2 ** (attempt - 1), float(settings.WEBHOOK_RETRY_MAX_SECONDS))
    return delay * random.uniform(0.5, 1.0)


def sign(subscription: WebhookSubscription, *, msg_id: str, at: datetime, body: str) -> str:
    """``webhook-signature``: ``v1,<sig>`` with the secret, plus one with the previous
    secret while its grace lasts (space-separated, as Standard Webhooks allows)."""
    signatures = [Webhook(subscription.secret).sign(msg_id, at, body)]
    expires = subscription.previous_secret_expires_at
    if subscription.previous_secret and expires is not None and expires > at:
        signatures.append(Webhook(subscription.previous_secret).sign(msg_id, at, body))
    return " ".join(signatures)


def _lease() -> timedelta:
    return timedelta(seconds=4 * float(settings.WEBHOOK_TIMEOUT_SECONDS) + 30)


def claim(*, limit: int, now: datetime | None = None) -> list[WebhookDelivery]:
    """Take up to ``limit`` due deliveries of active subscriptions (oldest due first),
    leased to this sender; gives up (``failed``) those past their age on the way."""
    now = now or timezone.now()
    with transaction.atomic():
        qs = WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now, subscription__active=True
        ).order_by("next_attempt_at")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True, of=("self",))
        due = list(qs[:limit])
        expired = [d.pk for d in due if d.expires_at <= now]
        if expired:
            WebhookDelivery.objects.filter(pk__in=expired).update(
                status=DeliveryStatus.FAILED, next_attempt_at=None, error="expired (max age)"
            )
        claimed = [d for d in due if d.expires_at > now]
        WebhookDelivery.objects.filter(pk__in=[d.pk for d in claimed]).update(
            next_attempt_at=now + _lease()
        )
    if claimed:
        subscriptions = WebhookSubscription.objects.in_bulk({d.subscription_id for d in claimed})
        for delivery in claimed:
            delivery.subscription = subscriptions[delivery.subscription_id]
    return claimed


def _post(client: httpx.Client, url: httpx.URL, body: bytes, headers: dict, extensions: dict):
    """One POST; returns (status code, the start of the answer's body, error text)."""
    with client.stream("POST", url, content=body, headers=headers, extensions=extensions) as r:
        answer = b""
        for chunk in r.iter_bytes():
            answer += chunk
            if len(answer) >= RESPONSE_READ_BYTES:
                break
        error = ""
        if r.is_redirect:
            error = f"redirect not followed (to {r.headers.get('location', '')[:200]})"
        elif not r.is_success:
            error = f"HTTP {r.status_code}"
        return r.status_code, answer[:500].decode("utf-8", "replace"), error


def attempt(delivery: WebhookDelivery) -> dict:
    """Send ``delivery`` once; returns ``{status_code | None, latency_ms, error, body}``
    (never raises for what the endpoint or the network does)."""
    subscription = delivery.subscription
    started = time.monotonic()
    result = {"status_code": None, "latency_ms": 0, "error": "", "body": ""}
    try:
        target = resolve_target(subscription.url)
    except PodError as exc:
        return {**result, "error": exc.message}
    at, msg_id = timezone.now(), delivery.message_id
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "host": target.url.netloc.decode("ascii"),
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": sign(subscription, msg_id=msg_id, at=at, body=delivery.body),
    }
    # TLS: SNI and the certificate check use the host name, the connection the address
    extensions = {"sni_hostname": target.host} if target.url.scheme == "https" else {}
    timeout = float(settings.WEBHOOK_TIMEOUT_SECONDS)
    body = delivery.body.encode()
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
        for address in target.addresses:  # the checked addresses, in the resolver's order
            pinned = target.url.copy_with(host=str(address))
            try:
                status, answer, error = _post(client, pinned, body, headers, extensions)
                result.update(status_code=status, body=answer, error=error)
                break
            except httpx.ConnectError as exc:
                result["error"] = f"connection failed: {exc}"[:300]  # the next address
            except httpx.TimeoutException as exc:
                result["error"] = f"timed out ({type(exc).__name__}, {timeout:g} s)"
                break
            except httpx.HTTPError as exc:
                result["error"] = f"{type(exc).__name__}: {exc}"[:300]
                break
    result["latency_ms"] = int((time.monotonic() - started) * 1000)
    return result


@transaction.atomic
def record(
    delivery: WebhookDelivery, result: dict, *, now: datetime | None = None
) -> WebhookDelivery:
    """Record one attempt's ``result``: success, or the next attempt (backoff) or giving up;
    the subscription's failure count, and its disabling at the threshold."""
    now = now or timezone.now()
    found = WebhookDelivery.objects.select_for_update().filter(pk=delivery.pk).first()
    if found is None:  # its subscription was deleted meanwhile
        return delivery
    delivery, status_code = found, result["status_code"]
    ok = status_code is not None and 200 <= status_code < 300
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.response_status, delivery.latency_ms = status_code, result["latency_ms"]
    delivery.error = result["error"][:500]
    entry = {
        "at": now.isoformat(),
        "status_code": status_code,
        "latency_ms": result["latency_ms"],
        "error": delivery.error,
        "response": result.get("body", "")[:500],
    }
    delivery.history = [*delivery.history, entry][-HISTORY_KEEP:]
    subscriptions = WebhookSubscription.objects.filter(pk=delivery.subscription_id)
    if ok:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.SUCCEEDED, None
        subscriptions.exclude(consecutive_failures=0).update(consecutive_failures=0)
    else:
        wait = timedelta(seconds=backoff_seconds(delivery.attempts))
        if delivery.attempts >= delivery.attempt_limit or now + wait >= delivery.expires_at:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        else:
            delivery.next_attempt_at = now + wait
        subscriptions.update(consecutive_failures=F("consecutive_failures") + 1)
        subscription = subscriptions.select_for_update().get()
        limit = settings.WEBHOOK_DISABLE_AFTER_FAILURES
        if subscription.active and limit and subscription.consecutive_failures >= limit:
            subscriptions.update(
                active=False,
                disabled_at=now,
                disabled_reason=f"{subscription.consecutive_failures} failed attempts in a "
                f"row (last: {delivery.error or 'no answer'})"[:300],
            )
            logger.warning("webhook subscription %s disabled after failures", subscription.pk)
    delivery.save()
    return delivery


def _send_one(delivery: WebhookDelivery) -> WebhookDelivery:
    try:
        return record(delivery, attempt(delivery))
    finally:
        connections.close_all()  # this pool thread's


def send_due(*, limit: int | None = None) -> int:
    """Send every delivery due now, ``WEBHOOK_SENDER_CONCURRENCY`` at a time, until none is
    due (or ``limit`` were sent); returns how many attempts were made."""
    width = max(int(settings.WEBHOOK_SENDER_CONCURRENCY), 1)
    sent = 0
    with ThreadPoolExecutor(width, thread_name_prefix="webhook-send") as pool:
        while limit is None or sent < limit:
            batch = claim(limit=width if limit is None else min(width, limit - sent))
            if not batch:
                break
            list(pool.map(_send_one, batch))
            sent += len(batch)
    return sent


# --- the in-process sender thread ------------------------------------------------------

_last_prune = 0.0
PRUNE_EVERY_SECONDS = 3600


def enabled() -> bool:
    return bool(settings.WEBHOOK_SENDER)


def run_once() -> int:
    """One round: send what is due, prune old events and deliveries (hourly); errors are
    logged, never raised. Returns the attempts made."""
    global _last_prune
    try:
        sent = send_due()
        if time.monotonic() - _last_prune > PRUNE_EVERY_SECONDS:
            _last_prune = time.monotonic()
            events_prune()
            deliveries_prune()
        return sent
    except Exception:
        logger.exception("webhook sender: round failed")
        return 0
    finally:
        connections.close_all()


_runner = PeriodicThread(
    "webhook-sender",
    run=run_once,
    enabled=enabled,
    interval=lambda: settings.WEBHOOK_SENDER_SECONDS,
)
#: a ``request_started`` receiver: starts this process's thread (see api.core.background)
ensure_started = _runner.ensure_started
current_thread = _runner.current_thread
#: an events listener: look for due deliveries now
wake = _runner.wake
