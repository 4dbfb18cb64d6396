"""The signed callback of workers and the operator: verify, de-duplicate, dispatch.

Callbacks follow Standard Webhooks (verified with the ``standardwebhooks`` package):
bad signature or a timestamp off by more than 5 minutes → SignatureInvalid (HTTP 401),
nothing changes; a repeated ``webhook-id`` gets the stored answer, with no second effect.
Each event goes to the handler of its type's prefix (``api.callbacks.registry``), which
moves its subject forward only and returns its own outcome.
"""

from __future__ import annotations

import binascii
import json
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from pydantic import ValidationError
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from api.callbacks.models import CallbackReceipt
from api.callbacks.registry import handler_for
from api.core import metrics
from api.core.errors import SignatureInvalid, ValidationFailed
from podv5_contract.events import EVENT_TYPES, parse_callback_event

logger = logging.getLogger(__name__)


def callback_verify(*, body: bytes, headers) -> dict:
    """The JSON body of a correctly signed, fresh callback; SignatureInvalid (401)
    otherwise, ValidationFailed (422, ``malformed_json``) for a body that is not JSON."""
    try:
        Webhook(settings.CALLBACK_SIGNING_SECRET).verify(body, dict(headers), json_parse=False)
    except (WebhookVerificationError, ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise SignatureInvalid(f"Callback rejected: {exc}") from None
    try:
        return json.loads(body)
    except ValueError:
        raise ValidationFailed("The callback body is not JSON.", code="malformed_json") from None


def _invalid(exc: ValidationError) -> ValidationFailed:
    """422 for the first error, its ``field`` as before the event was one discriminated
    union: ``type`` for an unknown or missing type, the envelope's field (``timestamp``)
    or ``data``'s own field (``job_id``, ``progress``...) without the union's tag."""
    first = exc.errors()[0]
    loc = [str(part) for part in first["loc"]]
    if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
        loc = ["type"]
    elif loc and loc[0] in EVENT_TYPES:
        loc = loc[1:]
        if loc[:1] == ["data"]:
            loc = loc[1:]
    return ValidationFailed(f"Invalid callback: {first['msg']}", field=".".join(loc))


def callback_receive(*, body: bytes, headers) -> tuple[int, dict]:
    """Verify, de-duplicate and dispatch one callback; returns (HTTP status, outcome).

    Raises SignatureInvalid (401), ValidationFailed (422) for a body that is not an
    event we know; the handler's errors (e.g. NotFound, 404, for an unknown subject)
    pass through, and no receipt is kept for them.
    """
    payload = callback_verify(body=body, headers=headers)
    webhook_id = headers["webhook-id"]
    receipt = CallbackReceipt.objects.filter(webhook_id=webhook_id).first()
    if receipt is not None:
        metrics.CALLBACKS.labels(type=receipt.event_type, outcome="duplicate").inc()
        return receipt.status_code, receipt.response
    try:
        event = parse_callback_event(payload)  # data typed by type (a discriminated union)
    except ValidationError as exc:
        raise _invalid(exc) from None
    handler = handler_for(event.type)
    if handler is None:
        raise ValidationFailed(
            f"Event type {event.type} is not handled here.", field="type", code="unsupported_event"
        )
    data = event.data
    subject = handler.subject(data)
    try:
        with transaction.atomic():
            outcome = handler.apply(event.type, data)
            CallbackReceipt.objects.create(
                webhook_id=webhook_id,
                event_type=event.type,
                subject_id=subject,
                status_code=200,
                response=outcome,
            )
    except IntegrityError:
        # the same webhook-id delivered concurrently: answer as the first delivery did
        receipt = CallbackReceipt.objects.get(webhook_id=webhook_id)
        return receipt.status_code, receipt.response
    logger.info("callback %s %s %s → %s", webhook_id, event.type, subject, json.dumps(outcome))
    applied = outcome.get("applied", True)
    metrics.CALLBACKS.labels(type=event.type, outcome="applied" if applied else "ignored").inc()
    return 200, outcome
