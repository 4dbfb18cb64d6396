"""Tell the API: ``encoding.running`` / ``encoding.failed`` when an EncodingJob's
``status.phase`` moves there, ``encoding.failed`` (reason ``cancelled``) when it is deleted.

Signed callbacks (Standard Webhooks, ``podv5_contract.callbacks``), with the same
deterministic ``webhook-id`` as the worker's events (``events.webhook_id``): whichever of
the worker and the operator reports first, the API applies it once. The worker itself
reports progress and success (with its manifest).

Delivery is one quick attempt per handler run; when the API is unreachable (connection
error, timeout, 429, 5xx) the handler raises ``kopf.TemporaryError`` with an exponential
delay and kopf retries it — its progress is kept in the EncodingJob's annotations, so an
operator restart resumes the retries instead of losing the event. A final refusal (4xx)
raises ``kopf.PermanentError`` (logged and posted as a Kubernetes Event).
"""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

import kopf

from podv5_contract.callbacks import (
    CallbackClient,
    CallbackRejected,
    CallbackUndelivered,
    RetryPolicy,
)
from podv5_contract.events import EncodingEventData, webhook_id
from podv5_contract.resources import GROUP, PLURAL, VERSION
from podv5_operator import metrics
from podv5_operator.k8s.encode import TERMINAL, api_reason


def _uuid(value) -> UUID | None:
    try:
        return UUID(str(value))
    except ValueError:
        return None


def deliver(memo, spec: Mapping, event_type: str, *, retry: int, logger, **data) -> None:
    """Send one event about the EncodingJob of ``spec`` (its wire form, maybe invalid).

    URL: ``config.api_callback_url``, else the spec's ``callbackUrl``. Without a URL, a
    secret, or a readable job and video id, there is no one to tell: logged, nothing sent.
    """
    config = memo.config
    url = config.api_callback_url or spec.get("callbackUrl")
    job_id, video_id = _uuid(spec.get("jobId")), _uuid(spec.get("videoId"))
    if not (url and config.signing_secret and job_id and video_id):
        logger.warning("%s not sent: no callback URL, secret or job/video id", event_type)
        return
    payload = EncodingEventData(job_id=job_id, video_id=video_id, **data)
    policy = RetryPolicy(max_attempts=1, timeout=config.callback_timeout)
    with CallbackClient(str(url), config.signing_secret, policy=policy) as client:
        try:
            client.send(
                event_type,
                payload.model_dump(mode="json", exclude_none=True),
                webhook_id(job_id, event_type),
            )
        except CallbackUndelivered as exc:
            metrics.callback_failed(event_type, "undelivered")
            delay = min(config.callback_retry_max_delay, config.callback_retry_delay * 2**retry)
            raise kopf.TemporaryError(f"{exc}; retry in {delay:.0f}s", delay=delay) from None
        except CallbackRejected as exc:
            metrics.callback_failed(event_type, "rejected")
            raise kopf.PermanentError(str(exc)) from None
    logger.info("API told: %s", event_type)


def _reports_to_api(value, **_) -> bool:
    return value in ("Running", "Failed")


@kopf.on.field(GROUP, VERSION, PLURAL, field="status.phase", new=_reports_to_api)
@metrics.reconciled("EncodingJob")
def phase_changed(new, spec, status, retry: int, memo: kopf.Memo, logger, **_) -> None:
    """``status.phase`` became Running (→ ``encoding.running``) or Failed
    (→ ``encoding.failed`` with the Failed condition's reason as a snake_case code)."""
    if new == "Running":
        deliver(memo, spec, "encoding.running", retry=retry, logger=logger)
        return
    reason = next(
        (c.get("reason") for c in status.get("conditions") or [] if c.get("type") == "Failed"),
        "Failed",
    )
    message = status.get("message") or "The encoding Job failed."
    deliver(
        memo, spec, "encoding.failed",
        retry=retry, logger=logger, reason=api_reason(reason), message=message,
    )  # fmt: skip


@kopf.on.delete(GROUP, VERSION, PLURAL)
@metrics.reconciled("EncodingJob")
def deleted(spec, status, retry: int, runtime, memo: kopf.Memo, logger, **_) -> None:
    """Deleted before finishing: ``encoding.failed`` with reason ``cancelled``. The Job and
    its pods go with the EncodingJob (ownerReferences, the garbage collector).

    The finalizer holds the deletion while the API is unreachable, at most
    ``config.cancel_timeout`` seconds; an API that refuses (e.g. 404: the video and its
    job are gone) has nothing to be told."""
    if status.get("phase") in TERMINAL:
        return
    if runtime.total_seconds() > memo.config.cancel_timeout:
        logger.error("giving up telling the API about the cancellation")
        return
    try:
        deliver(
            memo, spec, "encoding.failed", retry=retry, logger=logger,
            reason="cancelled", message="The EncodingJob was deleted.",
        )  # fmt: skip
    except kopf.PermanentError as exc:
        logger.warning("the API refused the cancellation: %s", exc)
