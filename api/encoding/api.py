"""Internal endpoints: the signed callback of workers and the operator."""

from ninja import Router, Schema, Status

from api.core import metrics
from api.core.errors import PodError
from api.encoding.services import callback_receive

router = Router()


class CallbackOutcome(Schema):
    job_id: str
    phase: str
    progress: float
    applied: bool


@router.post("/callbacks", response={200: CallbackOutcome}, auth=None, url_name="encoding_callback")
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
