"""LiveEvents: a kopf timer per LiveEvent drives its schedule.

Every ``LiveConfig.timer_interval`` seconds (and at once when the operator starts or
first sees the object, so a restarted operator catches up: a start that passed while it
was down starts now, an end that passed ends now) the pure ``live_decision`` says what to
do:

- ``run``: create (or adopt, after a restart) the worker's Deployment and Service
  (``live_manifests``), status ``Starting``, callback ``live.starting``; then, while
  Starting/Live, the Deployment's state: ``Live`` once a replica is available (the
  worker's readiness probe), ``Failed`` if it does not come up within its progress
  deadline (``live.failed``; the Deployment and Service are removed);
- ``end`` (``end`` reached, or ``desiredState: Stopped``): the Deployment and Service are
  deleted — the pod gets its termination grace period, the worker closes the recording
  and reports ``live.ended`` itself; if the worker never got ready, the operator sends
  ``live.ended`` (same ``webhook-id``: the API applies one); status ``Ended``;
- ``wait``/``none``: nothing (status ``Scheduled`` the first time).

An invalid spec fails the event (``InvalidSpec``, ``live.failed``). The Deployment is
read by the timer (no watch), only while the event runs. Status writes are
conflict-checked and forward-only (``Kube.update_liveevent_status``); ``onAir`` is the
API's to write. Callbacks: signed, one quick attempt; ``live.failed``/``live.ended`` are
sent before the final state is written, so an unreachable API means a retry at the next
tick.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from uuid import UUID

import kopf
from pydantic import ValidationError

from podv5_contract.callbacks import (
    CallbackClient,
    CallbackRejected,
    CallbackUndelivered,
    RetryPolicy,
)
from podv5_contract.events import LiveEventData, webhook_id
from podv5_contract.live_spec import FINAL_STATES, LiveEventSpec
from podv5_contract.resources import GROUP, LIVE_PLURAL, VERSION
from podv5_operator.config import LiveConfig
from podv5_operator.k8s.live import (
    StateReport,
    build_live_deployment,
    build_live_service,
    deployment_state,
    live_decision,
    live_name,
    next_live_status,
)

TIMER_INTERVAL = LiveConfig().timer_interval


def _live(memo) -> LiveConfig:
    return memo.config.live


def _set_state(memo, obj: Mapping, report: StateReport, **fields) -> dict | None:
    meta = obj["metadata"]
    now = datetime.now(UTC)

    def mutate(current: dict) -> dict | None:
        if current["metadata"].get("uid") != meta["uid"]:
            return None  # deleted and re-created meanwhile
        generation = current["metadata"].get("generation")
        return next_live_status(
            current.get("status"), report, generation=generation, now=now, **fields
        )

    updated = memo.kube.update_liveevent_status(
        meta["namespace"], meta["name"], mutate, current=obj
    )
    if updated is not None and report.state != (obj.get("status") or {}).get("state"):
        post = kopf.warn if report.state == "Failed" else kopf.info
        post(dict(obj), reason=report.reason, message=report.message)
    return updated


def deliver(memo, spec: Mapping, event_type: str, *, logger, **data) -> None:
    """Send one ``live.*`` event (deterministic ``webhook-id``: the worker's own
    ``live.ended``/``live.failed`` are the same message; our ``live.starting`` is not).
    URL: ``config.api_callback_url``, else the spec's ``callbackUrl``; none, or no
    secret: logged, nothing sent. Raises ``kopf.TemporaryError`` when the API is
    unreachable; a refusal (4xx) is logged."""
    config = memo.config
    url = config.api_callback_url or spec.get("callbackUrl")
    try:
        event_id = UUID(str(spec.get("eventId")))
    except ValueError:
        event_id = None
    if not (url and config.signing_secret and event_id):
        logger.warning("%s not sent: no callback URL, secret or event id", event_type)
        return
    payload = LiveEventData(event_id=event_id, **data).model_dump(mode="json", exclude_none=True)
    policy = RetryPolicy(max_attempts=1, timeout=config.callback_timeout)
    with CallbackClient(str(url), config.signing_secret, policy=policy) as client:
        try:
            # live.starting: the worker sends its own (listening) after ours, which the
            # API must not take for a replay of ours; the others: one message whoever sends
            seq = 0 if event_type == "live.starting" else None
            client.send(event_type, payload, webhook_id(event_id, event_type, seq))
        except CallbackUndelivered as exc:
            raise kopf.TemporaryError(f"{event_type}: {exc}", delay=TIMER_INTERVAL) from None
        except CallbackRejected as exc:
            logger.warning("the API refused %s: %s", event_type, exc)
            return
    logger.info("API told: %s", event_type)


def _teardown(memo, namespace: str, name: str) -> bool:
    """Delete the worker's Deployment and Service; whether the Deployment was there."""
    had = memo.kube.delete_deployment(namespace, name)
    memo.kube.delete_service(namespace, name)
    return had


@kopf.timer(GROUP, VERSION, LIVE_PLURAL, interval=TIMER_INTERVAL)
def schedule(body, spec, status, memo: kopf.Memo, logger, **_) -> None:
    """The LiveEvent's schedule, one step (see the module docstring)."""
    obj = dict(body)
    state = status.get("state")
    if state in FINAL_STATES:
        return
    meta = obj["metadata"]
    namespace, name = meta["namespace"], live_name(meta["name"])
    try:
        live_spec = LiveEventSpec.model_validate(dict(spec))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'spec'}: {e['msg']}" for e in exc.errors()
        )
        deliver(memo, spec, "live.failed", logger=logger, reason="invalid_spec",
                message=f"Invalid LiveEvent spec: {problems}"[:2000])  # fmt: skip
        _set_state(memo, obj, StateReport("Failed", "InvalidSpec", f"Invalid spec: {problems}"))
        return
    decision = live_decision(live_spec, status, datetime.now(UTC))
    if decision.action == "wait":
        if state is None:
            _set_state(memo, obj, StateReport("Scheduled", "Scheduled", "Waiting for start."))
        return
    if decision.action == "end":
        _teardown(memo, namespace, name)
        if state in (None, "Scheduled", "Starting"):  # no worker got to report: we do
            deliver(memo, spec, "live.ended", logger=logger)
        how = "stopped" if decision.reason == "Stopped" else "ended at its end time"
        _set_state(memo, obj, StateReport("Ended", decision.reason, f"The event {how}."))
        logger.info("live event %s: %s", meta["name"], how)
        return
    live = _live(memo)
    if state in (None, "Scheduled"):
        deployment = build_live_deployment(cr=obj, spec=live_spec, config=memo.config, live=live)
        service = build_live_service(cr=obj, spec=live_spec, live=live)
        _, created = memo.kube.create_or_adopt_deployment(deployment, meta["uid"])
        memo.kube.create_or_adopt_service(service, meta["uid"])
        try:
            deliver(memo, spec, "live.starting", logger=logger, listening=False)
        except kopf.TemporaryError as exc:  # the worker reports when it listens: not fatal
            logger.warning("%s", exc)
        message = f"Deployment {name} {'created' if created else 'adopted'} ({decision.reason})."
        report = StateReport("Starting", decision.reason, message)
        _set_state(memo, obj, report, deploymentName=name, serviceName=name)
        return
    deployment = memo.kube.read_deployment(namespace, name)
    if deployment is None:  # removed by hand while running: make it again at the next tick
        _set_state(memo, obj, StateReport(state, "DeploymentMissing", "Deployment recreated."))
        memo.kube.create_or_adopt_deployment(
            build_live_deployment(cr=obj, spec=live_spec, config=memo.config, live=live),
            meta["uid"],
        )
        return
    report = deployment_state(deployment)
    if report.state == "Failed":
        deliver(memo, spec, "live.failed", logger=logger, reason="worker_unavailable",
                message=report.message[:2000])  # fmt: skip
        _teardown(memo, namespace, name)
    _set_state(memo, obj, report)
