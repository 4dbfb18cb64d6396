"""Reads of webhook subscriptions and their deliveries, permissions in the query: a
subscription is seen by its owner and by staff; others get 404, as for what does not
exist."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet

from api.accounts.models import User
from api.core.access import is_staff
from api.core.errors import NotFound
from api.webhooks.models import WebhookDelivery, WebhookSubscription


def subscription_list(*, user: User) -> QuerySet[WebhookSubscription]:
    """The user's subscriptions (staff: everyone's), oldest first."""
    qs = WebhookSubscription.objects.select_related("user")
    return qs if is_staff(user) else qs.filter(user=user)


def subscription_get(*, subscription_id: UUID, user: User) -> WebhookSubscription:
    """A subscription ``user`` may see and change (its owner, staff); NotFound (404)."""
    found = subscription_list(user=user).filter(pk=subscription_id).first()
    if found is None:
        raise NotFound("No such webhook subscription.")
    return found


def delivery_list(
    *, subscription: WebhookSubscription, status: str | None = None
) -> QuerySet[WebhookDelivery]:
    """The subscription's deliveries, newest first, optionally of one ``status``."""
    qs = subscription.deliveries.order_by("-created_at", "-event_id")
    return qs.filter(status=status) if status else qs


def delivery_get(*, subscription: WebhookSubscription, delivery_id: UUID) -> WebhookDelivery:
    """One delivery of the subscription; NotFound (404)."""
    found = subscription.deliveries.filter(pk=delivery_id).select_related("subscription").first()
    if found is None:
        raise NotFound("No such delivery.")
    return found
