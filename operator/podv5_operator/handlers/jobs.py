"""Follow the Jobs we made: mirror their state into the owning EncodingJob's ``status``.

Watching (``kopf.on.event``) handlers, as in kopf's "Event-watching handlers" docs: they
see every event of the Jobs (and their pods) labelled
``app.kubernetes.io/managed-by=pod-v5-operator``, keep no state on those objects and are
not retried — each event recomputes the status from the object (``manifests.job_phase``),
and the listing at (re)start catches up with whatever was missed. Status writes are
forward-only and conflict-checked (``Kube.update_encodingjob_status``). Events that can't
change anything (a Job neither running nor finished) cost no API call.

- Jobs tell when they finish (Complete / Failed, with the reason; the pods are listed
  only then, to name OOMKilled or the exit code) and when a pod is Ready;
- pods tell what Jobs don't: running (before Ready), or stuck (ImagePullBackOff,
  Unschedulable...). The pod template's annotations name the EncodingJob and its uid.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import kopf

from podv5_contract.resources import KIND
from podv5_operator import metrics
from podv5_operator.k8s.chunks import CHUNKS, STEP_LABEL
from podv5_operator.k8s.encode import (
    ANNOTATION_ENCODINGJOB,
    ANNOTATION_ENCODINGJOB_UID,
    API_VERSION,
    LABEL_MANAGED_BY,
    MANAGED_BY,
    PHASE_ORDER,
    STUCK_REASONS,
    TERMINAL,
    PhaseReport,
    job_phase,
    next_status,
)

MANAGED = {LABEL_MANAGED_BY: MANAGED_BY}


def mirror(
    memo,
    namespace: str,
    name: str,
    uid: str,
    report_for: Callable[[dict], PhaseReport | None],
    **status_kwargs,
) -> None:
    """Apply ``report_for(EncodingJob)`` to the EncodingJob ``namespace/name`` if it still
    exists with ``uid`` and is not finished; post a Kubernetes Event on it when its phase
    moves. ``status_kwargs`` go to ``next_status`` (``job``, ``start_time``)."""
    now = datetime.now(UTC)
    before: dict = {}

    def mutate(current: dict) -> dict | None:
        nonlocal before
        meta = current["metadata"]
        status = current.get("status") or {}
        if meta.get("uid") != uid or status.get("phase") in TERMINAL:
            return None
        report = report_for(current)
        if report is None:
            return None
        before = status
        generation = meta.get("generation")
        return next_status(status, report, generation=generation, now=now, **status_kwargs)

    updated = memo.kube.update_encodingjob_status(namespace, name, mutate)
    status = (updated or {}).get("status") or {}
    if not updated or PHASE_ORDER[status.get("phase")] <= PHASE_ORDER[before.get("phase")]:
        return
    ref = {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {"name": name, "namespace": namespace, "uid": uid},
    }
    if status["phase"] == "Failed":
        reason = next(c["reason"] for c in status["conditions"] if c["type"] == "Failed")
        kopf.warn(ref, reason=reason, message=status.get("message") or "")
    else:
        kopf.info(ref, reason=status["phase"], message=status.get("message") or "")


def _owner(obj: dict, kind: str) -> dict | None:
    for ref in obj["metadata"].get("ownerReferences") or []:
        if ref.get("kind") == kind and ref.get("controller"):
            return ref
    return None


def _not_chunks(labels, **_) -> bool:
    """A chunked encode's Indexed Job is ``chunks.chunks_job_event``'s (its end is not the
    EncodingJob's); its join Job is an ordinary one."""
    return labels.get(STEP_LABEL) != CHUNKS


@kopf.on.event("batch", "v1", "jobs", labels=MANAGED, when=_not_chunks)
@metrics.reconciled("Job")
def job_event(type, body, memo: kopf.Memo, **_) -> None:
    """Every event of a managed Job (``type`` None: seen in the initial listing)."""
    job = dict(body)
    owner = _owner(job, KIND)
    if owner is None:
        return
    if type == "DELETED":  # by hand, before it finished (the TTL only removes finished ones)

        def report_for(cr: dict) -> PhaseReport | None:
            if cr["metadata"].get("deletionTimestamp"):
                return None  # the EncodingJob is going too: the garbage collector at work
            return PhaseReport("Failed", "JobDeleted", "The Job was deleted before finishing.")

    else:
        report = job_phase(job, [])
        if report.phase == "Pending" and report.reason == "JobCreated":
            return  # what the create handler recorded; pods tell the rest
        if report.phase == "Failed":  # the pods name the cause (OOMKilled, exit code)

            def report_for(cr: dict) -> PhaseReport | None:
                return job_phase(job, memo.kube.job_pods(job))

        else:

            def report_for(cr: dict) -> PhaseReport | None:
                return report

    mirror(memo, job["metadata"]["namespace"], owner["name"], owner["uid"], report_for, job=job)


def _pod_matters(status, **_) -> bool:
    """A pod running (before it is Ready) or stuck; the rest is the Jobs' to tell."""
    if status.get("phase") == "Running":
        return True
    return any(
        ((cs.get("state") or {}).get("waiting") or {}).get("reason") in STUCK_REASONS
        for cs in status.get("containerStatuses") or []
    ) or any(
        c.get("type") == "PodScheduled" and c.get("status") == "False"
        for c in status.get("conditions") or []
    )


@kopf.on.event("", "v1", "pods", labels=MANAGED, when=_pod_matters)
@metrics.reconciled("Pod")
def pod_event(type, body, namespace, annotations, memo: kopf.Memo, **_) -> None:
    """A managed pod started running or is stuck (ImagePullBackOff, Unschedulable...)."""
    name, uid = annotations.get(ANNOTATION_ENCODINGJOB), annotations.get(ANNOTATION_ENCODINGJOB_UID)
    if type == "DELETED" or not (name and uid):
        return
    pod = dict(body)
    job = _owner(pod, "Job") or {}
    report = job_phase({"metadata": {"name": job.get("name", "?")}}, [pod])
    start_time = (pod.get("status") or {}).get("startTime")
    mirror(memo, namespace, name, uid, lambda cr: report, start_time=start_time)
