"""EncodingJob create/resume: validate the spec, create (or adopt) its Job, status Pending.

Idempotent by construction (kopf may run it again after a crash or restart): the Job's
name is derived from the EncodingJob's, so a second attempt gets 409 and adopts the Job
it finds if that Job's controller ownerReference is this EncodingJob — never a second Job.
"""

from __future__ import annotations

from datetime import UTC, datetime

import kopf
from pydantic import ValidationError

from podv5_contract.resources import GROUP, PLURAL, VERSION
from podv5_contract.spec import EncodingJobSpec
from podv5_operator import metrics
from podv5_operator.handlers.chunks import reconcile_chunked
from podv5_operator.k8s.encode import TERMINAL, PhaseReport, build_job, job_phase, next_status
from podv5_operator.kube import JobConflict


def _set_status(memo, obj: dict, report: PhaseReport, **kwargs) -> None:
    meta = obj["metadata"]
    now = datetime.now(UTC)

    def mutate(current: dict) -> dict | None:
        if current["metadata"].get("uid") != meta["uid"]:
            return None  # deleted and re-created meanwhile: not ours to touch
        return next_status(
            current.get("status"),
            report,
            generation=current["metadata"].get("generation"),
            now=now,
            **kwargs,
        )

    memo.kube.update_encodingjob_status(meta["namespace"], meta["name"], mutate, current=obj)


def _fail(memo, obj: dict, reason: str, message: str) -> kopf.PermanentError:
    _set_status(memo, obj, PhaseReport("Failed", reason, message))
    kopf.warn(obj, reason=reason, message=message)
    return kopf.PermanentError(message)


@kopf.on.resume(GROUP, VERSION, PLURAL)
@kopf.on.create(GROUP, VERSION, PLURAL)
@metrics.reconciled("EncodingJob")
def reconcile(body, status, uid, patch: kopf.Patch, memo: kopf.Memo, logger, **_) -> None:
    """Create (or adopt) the EncodingJob's batch/v1 Job and record it in ``status``.

    - finished EncodingJobs (Succeeded/Failed) are left alone;
    - an invalid ``spec`` → status Failed (reason ``InvalidSpec``), ``kopf.PermanentError``;
    - a Job of the name exists and is not ours → Failed (``JobNameConflict``), or
      ``kopf.TemporaryError`` if it is on its way out (a deleted namesake's Job);
    - created → Pending / ``JobCreated``; adopted (restart) → whatever the Job's state is.
    Kubernetes API errors propagate: kopf retries the handler with backoff.
    """
    if status.get("phase") in TERMINAL:
        return
    obj = dict(body)
    try:
        spec = EncodingJobSpec.model_validate(dict(obj["spec"]))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'spec'}: {e['msg']}" for e in exc.errors()
        )
        raise _fail(memo, obj, "InvalidSpec", f"Invalid spec: {problems}") from None
    if spec.chunks:  # a long video: an Indexed Job of chunks, then a join (chunks.py)
        reconcile_chunked(memo, obj, spec, status, patch, logger)
        return
    job = build_job(cr=obj, spec=spec, config=memo.config)
    try:
        job, created = memo.kube.create_or_adopt_job(job, uid)
    except JobConflict as exc:
        if exc.stale:
            raise kopf.TemporaryError(f"{exc}; waiting for it to go", delay=5) from None
        raise _fail(memo, obj, "JobNameConflict", str(exc)) from None
    name = job["metadata"]["name"]
    if created:
        # a brand-new Job: kopf writes this status with its own end-of-cycle patch, so the
        # handler thread is free for the next EncodingJob as soon as the Job exists
        report = PhaseReport("Pending", "JobCreated", f"Job {name} created; waiting for its pod.")
        meta = obj["metadata"]
        new = next_status(status, report, generation=meta.get("generation"),
                          now=datetime.now(UTC), job=job)  # fmt: skip
        patch.status.update(new or {})
    else:  # adopted after a restart: catch up with what happened meanwhile
        report = job_phase(job, memo.kube.job_pods(job))
        _set_status(memo, obj, report, job=job)
    verb = "created" if created else "adopted"
    kopf.info(obj, reason="JobCreated" if created else "JobAdopted", message=f"Job {name} {verb}")
    logger.info("Job %s %s (%s)", name, verb, report.phase)


@kopf.on.event(GROUP, VERSION, PLURAL)
def count_phase(type, uid, status, **_) -> None:
    """Every EncodingJob event: its phase into the ``podv5_operator_encodingjobs`` gauge."""
    metrics.track_phase(uid, None if type == "DELETED" else status.get("phase") or "Pending")
