"""Webhook endpoints under ``/webhooks``: subscriptions (create, list, read, change,
delete, rotate the secret), their delivery log and manual redelivery. Owners and staff;
another user's subscription answers 404. API keys: ``read`` to list, ``manage`` to change.

(No ``from __future__ import annotations``: ``@paginate`` with a ``Query`` parameter
needs the real annotations.)
"""

from uuid import UUID

from ninja import Query, Router, Status
from ninja.pagination import paginate

from api.accounts.auth import auth_required
from api.core.pagination import LimitOffset
from api.webhooks import selectors, services
from api.webhooks.schemas import (
    DeliveryDetailOut,
    DeliveryFilters,
    DeliveryOut,
    WebhookCreatedOut,
    WebhookIn,
    WebhookOut,
    WebhookPatch,
    WebhookSecretOut,
)

router = Router()


@router.post("", response={201: WebhookCreatedOut}, auth=auth_required)
def create_webhook(request, payload: WebhookIn):
    """Subscribe ``url`` to ``events``; the answer's ``secret`` is shown this once.
    Viewers, or ``scope: all`` without staff rights: 403; a bad or non-public URL: 422
    ``webhook_url_invalid`` / ``webhook_url_forbidden``; too many: 409 ``webhook_limit``."""
    subscription, _secret = services.subscription_create(user=request.auth, **payload.dict())
    # the model's secret is the new one: WebhookCreatedOut shows it, this once
    return Status(
        201, selectors.subscription_get(subscription_id=subscription.id, user=request.auth)
    )


@router.get("", response=list[WebhookOut], auth=auth_required)
@paginate(LimitOffset)
def list_webhooks(request):
    """Your subscriptions (staff: everyone's), oldest first (``limit``/``offset``)."""
    return selectors.subscription_list(user=request.auth)


@router.get("/{uuid:webhook_id}", response=WebhookOut, auth=auth_required)
def get_webhook(request, webhook_id: UUID):
    return selectors.subscription_get(subscription_id=webhook_id, user=request.auth)


@router.patch("/{uuid:webhook_id}", response=WebhookOut, auth=auth_required)
def update_webhook(request, webhook_id: UUID, payload: WebhookPatch):
    """Change the fields given; ``active: true`` re-enables a disabled subscription."""
    subscription = selectors.subscription_get(subscription_id=webhook_id, user=request.auth)
    services.subscription_update(
        subscription=subscription, actor=request.auth, **payload.dict(exclude_unset=True)
    )
    return selectors.subscription_get(subscription_id=webhook_id, user=request.auth)


@router.delete("/{uuid:webhook_id}", response={204: None}, auth=auth_required)
def delete_webhook(request, webhook_id: UUID):
    """Delete the subscription and its delivery log (pending deliveries are dropped)."""
    subscription = selectors.subscription_get(subscription_id=webhook_id, user=request.auth)
    services.subscription_delete(subscription=subscription)
    return Status(204, None)


@router.post("/{uuid:webhook_id}/rotate-secret", response=WebhookSecretOut, auth=auth_required)
def rotate_webhook_secret(request, webhook_id: UUID):
    """A new signing secret, shown this once; the previous one also signs until
    ``previous_secret_expires_at`` (``WEBHOOK_SECRET_GRACE_SECONDS``)."""
    subscription = selectors.subscription_get(subscription_id=webhook_id, user=request.auth)
    return services.subscription_rotate_secret(subscription=subscription)


@router.get("/{uuid:webhook_id}/deliveries", response=list[DeliveryOut], auth=auth_required)
@paginate(LimitOffset)
def list_deliveries(request, webhook_id: UUID, filters: Query[DeliveryFilters]):
    """The delivery log, newest first: status, attempts (with their history), the last
    answer's code and latency, the next attempt."""
    subscription = selectors.subscription_get(subscription_id=webhook_id, user=request.auth)
    return selectors.delivery_list(subscription=subscription, status=filters.status)


@router.get(
    "/{uuid:webhook_id}/deliveries/{uuid:delivery_id}",
    response=DeliveryDetailOut,
    auth=auth_required,
)
def get_delivery(request, webhook_id: UUID, delivery_id: UUID):
    """One delivery with the body that was sent."""
    subscription = selectors.subscription_get(subscription_id=webhook_id, user=request.auth)
    return selectors.delivery_get(subscription=subscription, delivery_id=delivery_id)


@router.post(
    "/{uuid:webhook_id}/deliveries/{uuid:delivery_id}/retry",
    response={202: DeliveryOut},
    auth=auth_required,
)
def retry_delivery(request, webhook_id: UUID, delivery_id: UUID):
    """Send the delivery again now (one more attempt; the same ``webhook-id``). A disabled
    subscription: 409 ``webhook_disabled``."""
    subscription = selectors.subscription_get(subscription_id=webhook_id, user=request.auth)
    delivery = selectors.delivery_get(subscription=subscription, delivery_id=delivery_id)
    return Status(202, services.delivery_retry(delivery=delivery))
