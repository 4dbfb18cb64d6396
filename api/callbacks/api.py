"""Internal endpoint: the signed callback of workers and the operator."""

from uuid import UUID

from ninja import Router, Schema, Status

from api.callbacks.services import callback_receive
from api.core import metrics
from api.core.errors import PodError

router = Router()


class EncodingOutcome(Schema):
    """The answer to an ``encoding.*`` event: the job's state after it."""

    job_id: UUID
    phase: str
    progress: float
    applied: bool


class LiveOutcome(Schema):
    """The answer to a ``live.*`` event: the live event's state after it."""

    event_id: UUID
    phase: str
    on_air: bool
    applied: bool


@router.post(
    "/callbacks",
    response={200: EncodingOutcome | LiveOutcome},
    auth=None,
    url_name="callbacks_receive",
)
def receive_callback(request):
    """Standard Webhooks callback (``webhook-id``, ``webhook-timestamp``,
    ``webhook-signature``); body ``{type, timestamp, data}``. 401 for a bad signature or
    a stale timestamp; a repeated ``webhook-id`` gets the same answer, no second effect.
    """
    try:
        return Status(*callback_receive(body=request.body, headers=request.headers))
    except PodError as exc:
        metrics.CALLBACK_REJECTIONS.labels(code=exc.code).inc()
        raise
