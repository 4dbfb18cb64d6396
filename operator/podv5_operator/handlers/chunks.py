"""A chunked EncodingJob (``spec.chunks``): its chunks Job (Indexed), then its join Job.

- ``reconcile_chunked`` (called by ``encodingjobs.reconcile`` for such a spec): create or
  adopt the chunks Job — or, after a restart, find the join Job already made;
- ``chunks_job_event``: every event of a chunks Job → the EncodingJob's chunk counts and
  phase; once it is Complete, create (or adopt) the join Job. The join Job is a plain
  Job to ``jobs.job_event``, which ends the EncodingJob with it.

Idempotent as the rest: Job names derive from the EncodingJob's, a second create gets 409
and adopts (``Kube.create_or_adopt_job``), and the Job listing at start catches up.
"""

from __future__ import annotations

from datetime import UTC, datetime

import kopf

from podv5_contract.spec import EncodingJobSpec
from podv5_operator import metrics
from podv5_operator.k8s.chunks import (
    CHUNKS,
    JOIN,
    STEP_LABEL,
    build_chunks_job,
    build_join_job,
    chunks_report,
    step_job_name,
    with_chunk_counts,
)
from podv5_operator.k8s.encode import (
    TERMINAL,
    PhaseReport,
    job_phase,
    next_status,
)
from podv5_operator.kube import JobConflict

MANAGED_CHUNKS = {"app.kubernetes.io/managed-by": "pod-v5-operator", STEP_LABEL: CHUNKS}


def _update(memo, namespace: str, name: str, uid: str, job: dict, report: PhaseReport | None):
    """Apply ``report`` (None: counts only) and ``job``'s chunk counts to the EncodingJob."""
    now = datetime.now(UTC)

    def mutate(current: dict) -> dict | None:
        meta, status = current["metadata"], current.get("status") or {}
        if meta.get("uid") != uid or status.get("phase") in TERMINAL:
            return None
        new = None
        if report is not None:
            new = next_status(status, report, generation=meta.get("generation"), now=now, job=job)
        return with_chunk_counts(status, new, job)

    return memo.kube.update_encodingjob_status(namespace, name, mutate)


def _join(memo, cr: dict, spec: EncodingJobSpec, logger) -> dict:
    """Create (or adopt) the join Job."""
    job = build_join_job(spec=spec, config=memo.config, cr=cr)
    try:
        job, created = memo.kube.create_or_adopt_job(job, cr["metadata"]["uid"])
    except JobConflict as exc:
        raise kopf.TemporaryError(f"{exc}; retrying", delay=5) from None
    if created:
        kopf.info(cr, reason="JoinJobCreated", message=f"Job {job['metadata']['name']} created")
        logger.info("join Job %s created", job["metadata"]["name"])
    return job


def reconcile_chunked(memo, obj: dict, spec: EncodingJobSpec, status, patch, logger) -> None:
    """The create/resume handler's work for a chunked spec (see the module docstring)."""
    meta = obj["metadata"]
    namespace, name, uid = meta["namespace"], meta["name"], meta["uid"]
    join = memo.kube.read_job(namespace, step_job_name(name, JOIN))
    if join is not None:  # a restart after the chunks: the join decides
        report = job_phase(join, memo.kube.job_pods(join))
        _update(memo, namespace, name, uid, join, report)
        return
    job = build_chunks_job(spec=spec, config=memo.config, cr=obj)
    try:
        job, created = memo.kube.create_or_adopt_job(job, uid)
    except JobConflict as exc:
        if exc.stale:
            raise kopf.TemporaryError(f"{exc}; waiting for it to go", delay=5) from None
        message = str(exc)
        patch.status.update(
            next_status(status, PhaseReport("Failed", "JobNameConflict", message),
                        generation=meta.get("generation"), now=datetime.now(UTC)) or {}
        )  # fmt: skip
        raise kopf.PermanentError(message) from None
    job_name = job["metadata"]["name"]
    if created:
        report = PhaseReport("Pending", "JobCreated", f"Job {job_name} created; waiting for pods.")
        new = next_status(status, report, generation=meta.get("generation"),
                          now=datetime.now(UTC), job=job)  # fmt: skip
        patch.status.update(with_chunk_counts(status, new, job) or {})
    else:
        report = chunks_report(job, memo.kube.job_pods(job))
        _update(memo, namespace, name, uid, job, report)
        if report.reason == "ChunksEncoded":
            _join(memo, obj, spec, logger)
    verb = "created" if created else "adopted"
    kopf.info(obj, reason=f"Job{verb.capitalize()}", message=f"Indexed Job {job_name} {verb}")
    logger.info("chunks Job %s %s (%d steps)", job_name, verb, (spec.chunks or 0) + 1)


@kopf.on.event("batch", "v1", "jobs", labels=MANAGED_CHUNKS)
@metrics.reconciled("Job")
def chunks_job_event(type, body, memo: kopf.Memo, logger, **_) -> None:
    """Every event of a chunks Job: counts, phase, and the join once it is Complete."""
    job = dict(body)
    meta = job["metadata"]
    owner = next((r for r in meta.get("ownerReferences") or []
                  if r.get("kind") == "EncodingJob" and r.get("controller")), None)  # fmt: skip
    if owner is None or type == "DELETED":
        return
    namespace = meta["namespace"]
    report = job_phase(job, [])
    if report.phase == "Failed":  # the pods name the cause (OOMKilled, exit code)
        report = job_phase(job, memo.kube.job_pods(job))
    elif report.phase == "Pending" and report.reason == "JobCreated":
        report = None  # pods tell when they run; counts may still move
    else:
        report = chunks_report(job, [])
    updated = _update(memo, namespace, owner["name"], owner["uid"], job, report)
    if report is None or report.reason != "ChunksEncoded":
        return
    cr = updated or memo.kube.read_encodingjob(namespace, owner["name"])
    if cr is None or cr["metadata"].get("uid") != owner["uid"]:
        return
    if ((cr.get("status") or {}).get("phase")) in TERMINAL:
        return
    _join(memo, cr, EncodingJobSpec.model_validate(dict(cr["spec"])), logger)
