"""Pure builders: the batch/v1 Job of an EncodingJob, and the EncodingJob status from the
Job's.

Nothing here talks to a cluster; every function takes and returns plain dicts in the wire
form (camelCase, as ``kubectl get -o json`` shows them), so they are tested with golden
files and realistic status dicts. Conventions followed:

- object names: RFC 1123 DNS labels (Job names end up in pod labels, so ≤ 63 chars);
- ownerReferences and labels: Kubernetes API conventions and the recommended
  ``app.kubernetes.io/*`` labels;
- conditions: ``metav1.Condition`` (type/status/reason/message/lastTransitionTime/
  observedGeneration; ``lastTransitionTime`` changes only when ``status`` changes);
- phases only move forward: Pending → Running → Succeeded | Failed (terminal).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import NamedTuple

from podv5_contract.logs import REQUEST_ID_ENV
from podv5_contract.resources import (  # noqa: F401 - FINALIZER, LABEL_VIDEO: re-exported
    ANNOTATION_ENCODINGJOB,
    ANNOTATION_ENCODINGJOB_UID,
    ANNOTATION_JOB_ID,
    API_VERSION,
    FINALIZER,
    GROUP,
    KIND,
    LABEL_ENCODINGJOB,
    LABEL_MANAGED_BY,
    LABEL_VIDEO,
    MANAGED_BY,
)
from podv5_contract.spec import EncodingJobSpec
from podv5_operator.config import OperatorConfig
from podv5_operator.k8s import pod as worker_pod
from podv5_operator.k8s.pod import (  # noqa: F401 - also imported from here
    _hashed,
    add_media_volume,
    callback_secret_env,
    container_security_context,
    is_owned_by,
    label_value,
    resources,
    rfc3339,
    safe_reason,
    worker_env_from,
    worker_pod_spec,
)

CONTAINER = "encode"
SCRATCH_VOLUME = "scratch"
#: worker exit codes that are final (``ExitCode`` FAILED, USAGE, CALLBACK): the worker
#: reported the failure itself, retrying would redo the same work for nothing
FINAL_EXIT_CODES = (1, 2, 3)

PHASE_ORDER = {None: -1, "Pending": 0, "Running": 1, "Succeeded": 2, "Failed": 2}
TERMINAL = ("Succeeded", "Failed")
#: container waiting reasons that keep a pod from ever starting without a fix
STUCK_REASONS = frozenset(
    {
        "ImagePullBackOff",
        "ErrImagePull",
        "ErrImageNeverPull",
        "InvalidImageName",
        "CreateContainerConfigError",
        "CreateContainerError",
        "RunContainerError",
    }
)
STUCK_OR_UNSCHEDULED = STUCK_REASONS | {"Unschedulable"}


def job_name(cr_name: str) -> str:
    """The Job's name for an EncodingJob named ``cr_name`` (any DNS-1123 subdomain).

    Deterministic (a retried or restarted operator computes the same name, gets 409 and
    adopts), an RFC 1123 label of at most 63 characters. A name that already is one is
    kept as is; otherwise it is lowercased, characters outside ``[a-z0-9-]`` become ``-``,
    and it is cut and suffixed with ``-`` + 8 hex digits of its SHA-256 (so two different
    CR names never share a Job name in practice).
    """
    if re.fullmatch(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", cr_name):
        return cr_name
    cleaned = re.sub(r"[^a-z0-9-]+", "-", cr_name.lower()).strip("-") or "ej"
    return _hashed(cr_name, cleaned)


def _labels(cr_name: str, spec: EncodingJobSpec) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": "media-encode",
        "app.kubernetes.io/component": "encoder",
        "app.kubernetes.io/part-of": "pod-v5",
        LABEL_MANAGED_BY: MANAGED_BY,
        LABEL_ENCODINGJOB: label_value(cr_name),
        LABEL_VIDEO: str(spec.video_id),
    }


def owner_reference(*, name: str, uid: str) -> dict:
    """The ownerReference making an EncodingJob the controller of what it owns: the
    garbage collector deletes the Job (and its pods) when the EncodingJob goes."""
    return worker_pod.owner_reference(kind=KIND, name=name, uid=uid)


def build_job(
    *,
    spec: EncodingJobSpec,
    config: OperatorConfig,
    cr: Mapping | None = None,
    name: str | None = None,
    namespace: str | None = None,
    uid: str | None = None,
) -> dict:
    """The batch/v1 Job (a dict) running ``media-encode --spec <inline JSON>`` for one
    EncodingJob: either ``cr`` (the custom resource, for its metadata) or ``name``,
    ``namespace`` and ``uid``. Raises ``ValueError`` if neither is complete.

    The pod runs non-root with a read-only root filesystem; ``media-encode`` writes only
    to an emptyDir mounted at ``config.scratch_mount_path`` (``MEDIA_ENCODE_SCRATCH_DIR``
    and ``TMPDIR``) and reads ``CALLBACK_SIGNING_SECRET`` from the configured Secret.
    A failure the worker reported (exit 1-3) fails the Job at once (podFailurePolicy);
    other pod failures are retried ``backoffLimit`` times; pod disruptions don't count.
    """
    if cr is not None:
        meta = cr["metadata"]
        name, namespace, uid = meta["name"], meta["namespace"], meta["uid"]
    if not (name and namespace and uid):
        raise ValueError("build_job needs cr, or name, namespace and uid")
    labels = _labels(name, spec)
    scratch = config.scratch_mount_path
    env = [
        callback_secret_env(config),
        {"name": "MEDIA_ENCODE_SCRATCH_DIR", "value": scratch},
        {"name": "TMPDIR", "value": scratch},
    ]
    if spec.request_id:  # the API request that started the job: in the worker's logs
        env.append({"name": REQUEST_ID_ENV, "value": spec.request_id})
    if config.worker_log_format:
        env.append({"name": "LOG_FORMAT", "value": config.worker_log_format})
    mounts = [{"name": SCRATCH_VOLUME, "mountPath": scratch}]
    volumes = [{"name": SCRATCH_VOLUME, "emptyDir": {"sizeLimit": config.scratch_size_limit}}]
    add_media_volume(config, mounts, volumes)
    container = {
        "name": CONTAINER,
        "image": config.encoder_image,
        "imagePullPolicy": config.image_pull_policy,
        "command": ["media-encode"],
        "args": ["--spec", json.dumps(spec.to_wire(), separators=(",", ":"))],
        "env": env,
        **worker_env_from(config),
        "resources": resources(
            cpu_request=config.cpu_request,
            memory_request=config.memory_request,
            cpu_limit=config.cpu_limit,
            memory_limit=config.memory_limit,
        ),
        "securityContext": container_security_context(),
        "volumeMounts": mounts,
    }
    pod_spec = {
        "restartPolicy": "Never",
        **worker_pod_spec(
            config,
            containers=[container],
            volumes=volumes,
            grace_seconds=config.termination_grace_seconds,
        ),
    }
    job_spec = {
        "backoffLimit": config.backoff_limit,
        "activeDeadlineSeconds": config.active_deadline_seconds,
        "podFailurePolicy": {
            "rules": [
                {
                    "action": "FailJob",
                    "onExitCodes": {
                        "containerName": CONTAINER,
                        "operator": "In",
                        "values": list(FINAL_EXIT_CODES),
                    },
                },
                {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]},
            ]
        },
        "template": {
            "metadata": {
                "labels": dict(labels),
                # the pods' owner is the Job; these lead straight to the EncodingJob
                "annotations": {ANNOTATION_ENCODINGJOB: name, ANNOTATION_ENCODINGJOB_UID: uid},
            },
            "spec": pod_spec,
        },
    }
    if config.ttl_seconds_after_finished is not None:
        job_spec["ttlSecondsAfterFinished"] = config.ttl_seconds_after_finished
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": job_name(name),
            "namespace": namespace,
            "labels": labels,
            "annotations": {ANNOTATION_JOB_ID: str(spec.job_id)},
            "ownerReferences": [owner_reference(name=name, uid=uid)],
        },
        "spec": job_spec,
    }


# --- Job status → EncodingJob phase ---------------------------------------------------------


class PhaseReport(NamedTuple):
    """What a Job's state means for its EncodingJob: ``phase`` (Pending, Running,
    Succeeded, Failed), a CamelCase ``reason`` and a human ``message``."""

    phase: str
    reason: str
    message: str


def _true_condition(job: Mapping, *types: str) -> dict | None:
    for cond in (job.get("status") or {}).get("conditions") or []:
        if cond.get("type") in types and cond.get("status") == "True":
            return cond
    return None


def _container_statuses(pod: Mapping) -> list[dict]:
    status = pod.get("status") or {}
    return [*(status.get("initContainerStatuses") or []), *(status.get("containerStatuses") or [])]


def _memory_limit(pod: Mapping, container: str) -> str | None:
    for c in (pod.get("spec") or {}).get("containers") or []:
        if c.get("name") == container:
            return ((c.get("resources") or {}).get("limits") or {}).get("memory")
    return None


def _pod_failure(pods: Sequence[Mapping]) -> tuple[str, str] | None:
    """(reason, message) of the newest failed pod: OOMKilled, Error (non-zero exit), or
    the pod's own reason (Evicted...)."""
    for pod in reversed(pods):
        for cs in _container_statuses(pod):
            term = (cs.get("state") or {}).get("terminated") or (cs.get("lastState") or {}).get(
                "terminated"
            )
            if not term or not term.get("exitCode"):
                continue
            name, code = cs.get("name", "?"), term["exitCode"]
            if term.get("reason") == "OOMKilled":
                limit = _memory_limit(pod, name)
                return "OOMKilled", (
                    f"Container {name} was killed for using too much memory"
                    + (f" (limit {limit})." if limit else ".")
                )
            detail = (term.get("message") or "").strip()
            return "Error", f"Container {name} exited with code {code}" + (
                f": {detail}" if detail else "."
            )
        status = pod.get("status") or {}
        if status.get("phase") == "Failed" and status.get("reason"):
            return status["reason"], status.get("message") or status["reason"]
    return None


def _stuck(pods: Sequence[Mapping]) -> tuple[str, str] | None:
    """(reason, message) of a container of the newest pods that cannot start."""
    for pod in reversed(pods):
        for cs in _container_statuses(pod):
            waiting = (cs.get("state") or {}).get("waiting") or {}
            if waiting.get("reason") in STUCK_REASONS:
                return waiting["reason"], waiting.get("message") or waiting["reason"]
        for cond in (pod.get("status") or {}).get("conditions") or []:
            if cond.get("type") == "PodScheduled" and cond.get("status") == "False":
                return cond.get("reason") or "Unschedulable", cond.get("message") or ""
    return None


def _is_running(pod: Mapping) -> bool:
    status = pod.get("status") or {}
    if status.get("phase") == "Running":
        return True
    return any((cs.get("state") or {}).get("running") for cs in _container_statuses(pod))


def job_phase(job: Mapping, pods: Sequence[Mapping]) -> PhaseReport:
    """Map a batch/v1 Job (wire dict with ``status``) and its pods to a ``PhaseReport``.

    - ``Complete`` (or ``SuccessCriteriaMet``) → Succeeded / ``Completed``;
    - ``Failed`` (or ``FailureTarget``, set while the pods terminate) → Failed with the
      Job's reason (``DeadlineExceeded``, ``BackoffLimitExceeded``, ``PodFailurePolicy``),
      made precise by the newest failed pod: ``OOMKilled``, ``Error`` (exit code), or the
      pod's reason (``Evicted``...); a deadline stays ``DeadlineExceeded``, its message
      naming what the pod was stuck on (e.g. ``ImagePullBackOff``);
    - suspended → Pending / ``Suspended``;
    - a pod running → Running / ``Running``;
    - a pod that cannot start → Pending with the container's waiting reason
      (``ImagePullBackOff``, ``ErrImagePull``, ``CreateContainerConfigError``...) or
      ``Unschedulable`` (not terminal: the Job's deadline ends it);
    - otherwise Pending / ``JobCreated``.
    """
    pods = sorted(pods, key=lambda p: (p.get("metadata") or {}).get("creationTimestamp") or "")
    name = (job.get("metadata") or {}).get("name", "?")
    done = _true_condition(job, "Complete", "SuccessCriteriaMet")
    if done:
        return PhaseReport("Succeeded", "Completed", f"Job {name} completed.")
    failed = _true_condition(job, "Failed", "FailureTarget")
    if failed:
        reason = failed.get("reason") or "Failed"
        message = failed.get("message") or f"Job {name} failed."
        if reason == "DeadlineExceeded":
            stuck = _stuck(pods)
            if stuck:
                message = f"{message} The pod was stuck: {stuck[0]}: {stuck[1]}"
            return PhaseReport("Failed", reason, message)
        pod_failure = _pod_failure(pods)
        if pod_failure:
            return PhaseReport("Failed", pod_failure[0], f"{pod_failure[1]} ({message})")
        return PhaseReport("Failed", reason, message)
    if (job.get("spec") or {}).get("suspend"):
        return PhaseReport("Pending", "Suspended", f"Job {name} is suspended.")
    if any(_is_running(p) for p in pods) or (job.get("status") or {}).get("ready"):
        return PhaseReport("Running", "Running", f"Job {name} is running.")
    stuck = _stuck(pods)
    if stuck:
        return PhaseReport("Pending", stuck[0], stuck[1])
    return PhaseReport("Pending", "JobCreated", f"Job {name} created; waiting for its pod.")


# --- EncodingJob status ---------------------------------------------------------------------


def conditions_for(
    previous: Sequence[Mapping],
    *,
    phase: str,
    reason: str,
    message: str,
    generation: int | None,
    now: datetime,
) -> list[dict]:
    """The EncodingJob's conditions (``metav1.Condition`` dicts) for ``phase``:

    - ``Ready``: True once Succeeded (the outputs exist);
    - ``Running``: True while Running;
    - ``Failed``: True once Failed.

    Each carries ``reason``/``message``/``observedGeneration``; ``lastTransitionTime`` is
    kept from ``previous`` unless the condition's ``status`` changes (then ``now``).
    Conditions of other types in ``previous`` are kept as they are.
    """
    wanted = {
        "Ready": phase == "Succeeded",
        "Running": phase == "Running",
        "Failed": phase == "Failed",
    }
    return worker_pod.conditions(
        previous, wanted, reason=reason, message=message, generation=generation, now=now
    )


def next_status(
    current: Mapping | None,
    report: PhaseReport,
    *,
    generation: int | None,
    now: datetime,
    job: Mapping | None = None,
    job_name: str | None = None,
    start_time: str | None = None,
) -> dict | None:
    """The EncodingJob ``status`` after ``report``, or None when nothing changes.

    Forward only: a terminal status never changes; a report behind the current phase
    (e.g. a retried pod Pending while the EncodingJob is Running) changes nothing; a
    report at the same phase updates reason/message/conditions. A ``DeadlineExceeded``
    while Pending on a stuck pod (its pods are gone by then) keeps that reason in the
    message. ``job`` (the Job dict)
    gives ``jobName``, ``startTime`` and ``completionTime`` (``start_time``: when there is
    no Job in hand, e.g. a pod's); ``progress`` is 100 once Succeeded. Times are RFC 3339
    strings.
    """
    current = dict(current or {})
    phase = current.get("phase")
    if phase in TERMINAL or PHASE_ORDER[report.phase] < PHASE_ORDER[phase]:
        return None
    stuck = next((c for c in current.get("conditions") or [] if c.get("type") == "Ready"), {}).get(
        "reason"
    )
    if report.reason == "DeadlineExceeded" and phase == "Pending" and stuck in STUCK_OR_UNSCHEDULED:
        # the pods are gone with the deadline: say what kept them from running
        report = report._replace(
            message=f"{report.message} It never ran: {stuck}: {current.get('message') or ''}"
        )
    new = dict(current)
    new["phase"] = report.phase
    new["message"] = report.message
    new["conditions"] = conditions_for(
        current.get("conditions") or [],
        phase=report.phase,
        reason=report.reason,
        message=report.message,
        generation=generation,
        now=now,
    )
    if generation is not None:
        new["observedGeneration"] = generation
    job_status = (job or {}).get("status") or {}
    if job is not None:
        new["jobName"] = job["metadata"]["name"]
    elif job_name:
        new["jobName"] = job_name
    if report.phase != "Pending" and not new.get("startTime"):
        new["startTime"] = job_status.get("startTime") or start_time or rfc3339(now)
    if report.phase in TERMINAL:
        new["completionTime"] = job_status.get("completionTime") or rfc3339(now)
    if report.phase == "Succeeded":
        new["progress"] = 100
    return new if new != current else None


def api_reason(reason: str) -> str:
    """A Kubernetes CamelCase reason as the API's snake_case failure code
    (``OOMKilled`` → ``oom_killed``, ``DeadlineExceeded`` → ``deadline_exceeded``)."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", reason)
    return re.sub(r"[^a-z0-9_]+", "_", snake.lower()).strip("_")[:64] or "failed"
