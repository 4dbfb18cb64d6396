"""Pure builders for LiveEvents: the worker's Deployment and Service, the schedule decision,
and the LiveEvent status.

Nothing here talks to a cluster: plain wire dicts in and out (as ``kubectl get -o json``
shows them), tested with golden files. Conventions as in ``manifests``: RFC 1123 names,
``app.kubernetes.io/*`` labels, a controller ownerReference to the LiveEvent (the garbage
collector removes the Deployment and Service with it), ``metav1.Condition`` conditions,
states that only move forward (``Scheduled → Starting → Live → Ended | Failed``).

The worker (``media-live``) gets its ``LiveSpec`` inline on the command line without the
stream key, and the key from the Secret named by ``spec.streamKey`` as the variable
``MEDIA_LIVE_STREAM_KEY`` (never in the resource, the command line or the logs).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Literal, NamedTuple

from podv5_contract.live_spec import FINAL_STATES, STATE_ORDER, LiveEventSpec
from podv5_contract.live_worker import LiveSpec
from podv5_contract.resources import (
    ANNOTATION_LIVEEVENT_UID,
    LABEL_EVENT_ID,
    LABEL_LIVEEVENT,
    LABEL_MANAGED_BY,
    LIVE_KIND,
    MANAGED_BY,
)
from podv5_operator.config import LiveConfig, OperatorConfig
from podv5_operator.k8s import pod as worker_pod
from podv5_operator.k8s.pod import (
    _hashed,
    add_media_volume,
    callback_secret_env,
    container_security_context,
    label_value,
    resources,
    rfc3339,
    worker_env_from,
    worker_pod_spec,
)

CONTAINER = "live"
#: the variables the worker reads (``workers.live.pod``)
ENV_STREAM_KEY = "MEDIA_LIVE_STREAM_KEY"
ENV_HEALTH_PORT = "MEDIA_LIVE_HEALTH_PORT"
TMP_VOLUME = "tmp"


def live_name(cr_name: str) -> str:
    """The Deployment's and Service's name for a LiveEvent named ``cr_name``: itself when
    it is an RFC 1035 label (Service names must start with a letter), else a cleaned,
    hashed form (deterministic: a restarted operator finds what it made)."""
    if re.fullmatch(r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?", cr_name):
        return cr_name
    cleaned = re.sub(r"[^a-z0-9-]+", "-", cr_name.lower()).strip("-")
    return _hashed(cr_name, "le-" + cleaned if not cleaned[:1].isalpha() else cleaned)


def live_owner_reference(*, name: str, uid: str) -> dict:
    return worker_pod.owner_reference(kind=LIVE_KIND, name=name, uid=uid)


def live_labels(cr_name: str, spec: LiveEventSpec) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": "media-live",
        "app.kubernetes.io/component": "live-ingest",
        "app.kubernetes.io/part-of": "pod-v5",
        LABEL_MANAGED_BY: MANAGED_BY,
        LABEL_LIVEEVENT: label_value(cr_name),
        LABEL_EVENT_ID: str(spec.event_id),
    }


def _selector(cr_name: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": "media-live", LABEL_LIVEEVENT: label_value(cr_name)}


def worker_spec(spec: LiveEventSpec, live: LiveConfig) -> dict:
    """The worker's ``LiveSpec`` (wire form) without ``streamKey``: listening on every
    address of the pod, on ``live.ingest_port``. The ladder goes along only if the
    worker's ``LiveSpec`` takes one (so far it copies the stream as is)."""
    wire = {
        "eventId": str(spec.event_id),
        "protocol": spec.protocol,
        "bind": "0.0.0.0",
        "port": live.ingest_port,
        "output": spec.output,
        "segmentDuration": spec.segment_duration,
        "listSize": spec.list_size,
        "record": spec.record,
        "reconnectSeconds": spec.reconnect_seconds,
    }
    if spec.ladder and "ladder" in LiveSpec.model_fields:  # a worker that transcodes live
        wire["ladder"] = [r.model_dump(mode="json", by_alias=True) for r in spec.ladder]
    if spec.callback_url is not None:
        wire["callbackUrl"] = str(spec.callback_url)
    return wire


def build_live_deployment(
    *, cr: Mapping, spec: LiveEventSpec, config: OperatorConfig, live: LiveConfig
) -> dict:
    """The apps/v1 Deployment (1 replica, ``Recreate``: never two ingests at once) running
    ``media-live --spec <inline LiveSpec without the key>`` for the LiveEvent ``cr``.

    Non-root, read-only root filesystem (``TMPDIR`` on an emptyDir), the media volume of
    ``config`` (file:// outputs), ``CALLBACK_SIGNING_SECRET`` and ``MEDIA_LIVE_STREAM_KEY``
    from Secrets; readiness ``GET /readyz`` and liveness ``GET /healthz`` on
    ``live.health_port``; ``terminationGracePeriodSeconds`` gives a stopped worker the time
    to close its recording and send ``live.ended``.
    """
    meta = cr["metadata"]
    name, namespace, uid = meta["name"], meta["namespace"], meta["uid"]
    labels = live_labels(name, spec)
    proto = "UDP" if spec.protocol == "srt" else "TCP"
    env = [
        callback_secret_env(config),
        {
            "name": ENV_STREAM_KEY,
            "valueFrom": {
                "secretKeyRef": {"name": spec.stream_key.name, "key": spec.stream_key.key}
            },
        },
        {"name": ENV_HEALTH_PORT, "value": str(live.health_port)},
        {"name": "TMPDIR", "value": "/tmp"},
    ]
    mounts = [{"name": TMP_VOLUME, "mountPath": "/tmp"}]
    volumes = [{"name": TMP_VOLUME, "emptyDir": {"sizeLimit": "1Gi"}}]
    add_media_volume(config, mounts, volumes)

    def probe(path: str, period: int, failures: int) -> dict:
        return {
            "httpGet": {"path": path, "port": "health"},
            "periodSeconds": period,
            "timeoutSeconds": 2,
            "failureThreshold": failures,
        }

    container = {
        "name": CONTAINER,
        "image": config.encoder_image,
        "imagePullPolicy": config.image_pull_policy,
        "command": ["media-live"],
        "args": ["--spec", json.dumps(worker_spec(spec, live), separators=(",", ":"))],
        "env": env,
        **worker_env_from(config),
        "ports": [
            {"name": "ingest", "containerPort": live.ingest_port, "protocol": proto},
            {"name": "health", "containerPort": live.health_port, "protocol": "TCP"},
        ],
        "readinessProbe": probe("/readyz", 2, 2),
        "livenessProbe": probe("/healthz", 10, 3),
        "resources": resources(
            cpu_request=live.cpu_request,
            memory_request=live.memory_request,
            cpu_limit=live.cpu_limit,
            memory_limit=live.memory_limit,
        ),
        "securityContext": container_security_context(),
        "volumeMounts": mounts,
    }
    pod_spec = worker_pod_spec(
        config,
        containers=[container],
        volumes=volumes,
        grace_seconds=live.termination_grace_seconds,
    )
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": live_name(name),
            "namespace": namespace,
            "labels": labels,
            "ownerReferences": [live_owner_reference(name=name, uid=uid)],
        },
        "spec": {
            "replicas": 1,
            "strategy": {"type": "Recreate"},
            "revisionHistoryLimit": 1,
            "progressDeadlineSeconds": live.progress_deadline_seconds,
            "selector": {"matchLabels": _selector(name)},
            "template": {
                "metadata": {
                    "labels": dict(labels),
                    "annotations": {ANNOTATION_LIVEEVENT_UID: uid},
                },
                "spec": pod_spec,
            },
        },
    }


def build_live_service(*, cr: Mapping, spec: LiveEventSpec, live: LiveConfig) -> dict:
    """The Service exposing the worker's ingest port (type ``live.service_type``)."""
    meta = cr["metadata"]
    name = meta["name"]
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": live_name(name),
            "namespace": meta["namespace"],
            "labels": live_labels(name, spec),
            "ownerReferences": [live_owner_reference(name=name, uid=meta["uid"])],
        },
        "spec": {
            "type": live.service_type,
            "selector": _selector(name),
            "ports": [
                {
                    "name": "ingest",
                    "port": live.ingest_port,
                    "targetPort": "ingest",
                    "protocol": "UDP" if spec.protocol == "srt" else "TCP",
                }
            ],
        },
    }


# --- the schedule ------------------------------------------------------------------------


class Decision(NamedTuple):
    """What to do now: ``action`` ``run`` (the worker should exist), ``end`` (tear it down,
    the event is over), ``wait`` (not yet: ``seconds`` until start) or ``none`` (final)."""

    action: Literal["run", "end", "wait", "none"]
    reason: str
    seconds: float = 0.0


def live_decision(spec: LiveEventSpec, status: Mapping | None, now: datetime) -> Decision:
    """The schedule, as a pure function of the spec, the status and ``now``:

    - Ended/Failed: nothing more (``none``);
    - ``desiredState: Stopped`` → ``end`` (reason ``Stopped``); ``end`` passed → ``end``
      (``EndReached``) — also when the operator was down at that time;
    - ``desiredState: Started`` → ``run`` (``ManualStart``); ``autoStart`` and ``start``
      passed → ``run`` (``StartReached``; late: at once);
    - otherwise ``wait`` (seconds until ``start``; ``autoStart`` off: until ``end``).
    """
    if (status or {}).get("state") in FINAL_STATES:
        return Decision("none", "Final")
    if spec.desired_state == "Stopped":
        return Decision("end", "Stopped")
    if now >= spec.end:
        return Decision("end", "EndReached")
    if spec.desired_state == "Started":
        return Decision("run", "ManualStart")
    if spec.auto_start and now >= spec.start:
        return Decision("run", "StartReached")
    until = spec.start if spec.auto_start else spec.end
    return Decision("wait", "Scheduled", (until - now).total_seconds())


# --- status ----------------------------------------------------------------------------------


class StateReport(NamedTuple):
    """A LiveEvent state with a CamelCase ``reason`` and a human ``message``."""

    state: str
    reason: str
    message: str


def deployment_state(deployment: Mapping) -> StateReport:
    """What the worker's Deployment says: ``Live`` once a replica is available (the
    worker's readiness probe passed), ``Failed`` when it did not progress in time
    (``ProgressDeadlineExceeded``), else ``Starting``."""
    name = deployment["metadata"]["name"]
    status = deployment.get("status") or {}
    for cond in status.get("conditions") or []:
        if cond.get("type") == "Progressing" and cond.get("status") == "False":
            reason = cond.get("reason") or "ProgressDeadlineExceeded"
            return StateReport("Failed", reason, cond.get("message") or f"{name} is stuck.")
    if (status.get("availableReplicas") or 0) >= 1:
        return StateReport("Live", "WorkerReady", f"Deployment {name}: the ingest is open.")
    return StateReport("Starting", "DeploymentCreated", f"Deployment {name}: waiting for it.")


def live_conditions(
    previous: list[Mapping], report: StateReport, *, generation: int | None, now: datetime
) -> list[dict]:
    """``Ready`` (True while Live) and ``Failed`` (True once Failed) as ``metav1.Condition``
    dicts; ``lastTransitionTime`` kept unless the condition's status changes; conditions
    of other types in ``previous`` kept as they are."""
    wanted = {"Ready": report.state == "Live", "Failed": report.state == "Failed"}
    return worker_pod.conditions(
        previous,
        wanted,
        reason=report.reason,
        message=report.message,
        generation=generation,
        now=now,
    )


def next_live_status(
    current: Mapping | None,
    report: StateReport,
    *,
    generation: int | None,
    now: datetime,
    **fields,
) -> dict | None:
    """The LiveEvent ``status`` after ``report``, or None when nothing changes.

    Forward only (a report behind the current state, or any after Ended/Failed, changes
    nothing; the same state updates reason/message). Conditions: ``Ready`` (True while
    Live) and ``Failed`` (True once Failed), in ``metav1.Condition`` shape. ``startedAt``
    is set when leaving Scheduled, ``endedAt`` at Ended/Failed; ``fields`` (e.g.
    ``deploymentName``, ``serviceName``) are set as given; ``onAir`` is kept (false once
    final)."""
    current = dict(current or {})
    state = current.get("state")
    if state in FINAL_STATES or STATE_ORDER[report.state] < STATE_ORDER[state]:
        return None
    new = dict(current)
    new.update({k: v for k, v in fields.items() if v is not None})
    new["state"] = report.state
    new["message"] = report.message
    new["conditions"] = live_conditions(
        current.get("conditions") or [], report, generation=generation, now=now
    )
    if generation is not None:
        new["observedGeneration"] = generation
    if report.state != "Scheduled" and not new.get("startedAt") and report.state != "Ended":
        new["startedAt"] = rfc3339(now)
    if report.state in FINAL_STATES:
        new["endedAt"] = new.get("endedAt") or rfc3339(now)
        new["onAir"] = False
    return new if new != current else None
