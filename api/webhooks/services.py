"""Writes of webhook subscriptions and deliveries. Keyword-only, typed; raise
``api.core.errors`` exceptions (codes in ``ERROR_CODES``).

Who: any user with the upload right (viewers: 403) subscribes to the events of their own
videos and live events (``scope: own``: owned or co-owned); staff may also subscribe to
every event (``scope: all``). A subscription is changed by its owner or staff.
The sending itself is ``api.webhooks.sender``'s.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from api.accounts.models import User
from api.core.errors import Conflict, PermissionDenied, ValidationFailed
from api.events.models import Event
from api.events.types import EVENT_TYPES
from api.webhooks.addresses import resolve_target
from api.webhooks.models import DeliveryStatus, Scope, WebhookDelivery, WebhookSubscription

logger = logging.getLogger(__name__)


class WebhookLimit(Conflict):
    code = "webhook_limit"
    default_message = "Too many webhook subscriptions: delete one first (WEBHOOKS_MAX_PER_USER)."


class WebhookDisabled(Conflict):
    code = "webhook_disabled"
    default_message = "The subscription is disabled: turn it on (PATCH active) first."


def new_secret() -> str:
    """A Standard Webhooks signing secret: ``whsec_`` + base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _check_events(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if not events or unknown:
        raise ValidationFailed(
            f"Unknown event types: {', '.join(unknown)[:200]}."
            if unknown
            else "Name at least one event type.",
            field="events",
        )
    return sorted(set(events), key=EVENT_TYPES.index)


def _check_scope(user: User, scope: str) -> None:
    if scope == Scope.ALL and not user.is_staff:
        raise PermissionDenied("Only staff may subscribe to every event (scope all).")


@transaction.atomic
def subscription_create(
    *,
    user: User,
    url: str,
    events: list[str],
    scope: str = Scope.OWN,
    description: str = "",
    active: bool = True,
) -> tuple[WebhookSubscription, str]:
    """A new subscription and its signing secret (returned this once). Raises
    PermissionDenied (403) for viewers and for ``scope: all`` by non-staff,
    ValidationFailed (422: ``webhook_url_invalid``, ``webhook_url_forbidden``, an unknown
    event type), WebhookLimit (409) past ``WEBHOOKS_MAX_PER_USER``."""
    if not (user.upload_allowed or user.is_staff):
        raise PermissionDenied("You have no videos to watch: ask for the uploader role.")
    _check_scope(user, scope)
    User.objects.select_for_update().filter(pk=user.pk).first()  # serialises the count
    if WebhookSubscription.objects.filter(user=user).count() >= settings.WEBHOOKS_MAX_PER_USER:
        raise WebhookLimit()
    resolve_target(url)
    secret = new_secret()
    subscription = WebhookSubscription.objects.create(
        user=user,
        url=url,
        events=_check_events(events),
        scope=scope,
        description=description,
        active=active,
        secret=secret,
    )
    return subscription, secret


@transaction.atomic
def subscription_update(
    *, subscription: WebhookSubscription, actor: User, **changes
) -> WebhookSubscription:
    """Change the fields given (``url``, ``events``, ``scope``, ``description``,
    ``active``); checks as at creation. Turning a disabled subscription on clears its
    failure count and ``disabled_reason``."""
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    if changes.get("url") is not None:
        resolve_target(changes["url"])
        subscription.url = changes["url"]
    if changes.get("events") is not None:
        subscription.events = _check_events(changes["events"])
    if changes.get("scope") is not None:
        _check_scope(actor, changes["scope"])
        subscription.scope = changes["scope"]
    if changes.get("description") is not None:
        subscription.description = changes["description"]
    if changes.get("active") is not None:
        if changes["active"] and not subscription.active:
            subscription.consecutive_failures = 0
            subscription.disabled_reason, subscription.disabled_at = "", None
        subscription.active = changes["active"]
    subscription.save()
    return subscription


def subscription_delete(*, subscription: WebhookSubscription) -> None:
    """Delete the subscription with its deliveries (pending ones are not sent)."""
    subscription.delete()


@transaction.atomic
def subscription_rotate_secret(*, subscription: WebhookSubscription) -> WebhookSubscription:
    """A new signing secret (on ``subscription.secret``, to show once); the previous one
    still signs (a second ``v1,`` signature) for ``WEBHOOK_SECRET_GRACE_SECONDS``, so the
    receiver can switch without losing a message."""
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    grace = settings.WEBHOOK_SECRET_GRACE_SECONDS
    subscription.previous_secret = subscription.secret if grace > 0 else ""
    subscription.previous_secret_expires_at = (
        timezone.now() + timedelta(seconds=grace) if grace > 0 else None
    )
    subscription.secret = new_secret()
    subscription.save()
    return subscription


def _receives(subscription: WebhookSubscription, event: Event) -> bool:
    user = subscription.user
    if event.type not in subscription.events or not user.is_active:
        return False
    if subscription.scope == Scope.ALL and user.is_staff:
        return True
    return user.pk in event.owner_ids


def deliveries_create(event: Event) -> list[WebhookDelivery]:
    """The deliveries of ``event`` (an ``api.events`` consumer, in the transaction that
    records it): one per active subscription that asked for its type and may see it (its
    owner's own subject, or staff with ``scope: all``), due at once."""
    now = timezone.now()
    body = json.dumps(event.envelope(), separators=(",", ":"))
    deliveries = [
        WebhookDelivery(
            subscription=subscription,
            event_id=event.id,
            event_type=event.type,
            body=body,
            attempt_limit=settings.WEBHOOK_MAX_ATTEMPTS,
            next_attempt_at=now,
            expires_at=now + timedelta(seconds=settings.WEBHOOK_MAX_AGE_SECONDS),
        )
        for subscription in WebhookSubscription.objects.filter(active=True).select_related("user")
        if _receives(subscription, event)
    ]
    return WebhookDelivery.objects.bulk_create(deliveries)


@transaction.atomic
def delivery_retry(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send the delivery again now, once more (a pending one: now instead of later).
    Raises WebhookDisabled (409) while its subscription is disabled."""
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    if not delivery.subscription.active:
        raise WebhookDisabled()
    now = timezone.now()
    if delivery.status != DeliveryStatus.PENDING:
        delivery.attempt_limit = delivery.attempts + 1
    delivery.status, delivery.next_attempt_at = DeliveryStatus.PENDING, now
    delivery.expires_at = max(delivery.expires_at, now + timedelta(seconds=60))
    delivery.save()
    return delivery


def deliveries_prune(*, now=None) -> int:
    """Delete finished deliveries older than ``EVENTS_RETENTION_SECONDS``."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.EVENTS_RETENTION_SECONDS)
    deleted, _ = (
        WebhookDelivery.objects.filter(created_at__lt=cutoff)
        .exclude(status=DeliveryStatus.PENDING)
        .delete()
    )
    return deleted
