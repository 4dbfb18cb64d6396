"""Pure builders for a chunked EncodingJob (``spec.chunks = N``): its two Jobs, and its
status from theirs.

1. the **chunks Job**, an Indexed Job (``completionMode: Indexed``, Kubernetes' "Indexed
   Job for parallel processing with static work assignment"): ``completions = N + 1``
   pods, each running ``media-encode`` with ``MEDIA_ENCODE_STEP=chunk``; Kubernetes gives
   each its ``JOB_COMPLETION_INDEX`` (indexes ``0..N-1``: video chunks; ``N``: the audio);
2. once it is Complete, the **join Job**: one pod, ``MEDIA_ENCODE_STEP=join``, which
   publishes the ladder and sends ``encoding.succeeded``.

Both are ``build_job``'s Job (same pod: security context, scratch volume, Secret,
deadline, podFailurePolicy, owner reference) with their own name, a ``media.podv5.io/step``
label (``chunks`` / ``join``) and the step's variable. Status: ``chunksTotal`` (N + 1)
and ``chunksSucceeded`` (the chunks Job's ``status.succeeded``, a count of distinct
completed indexes) join the usual fields; the EncodingJob is Running from the first
chunk pod until the join Job ends it (Succeeded or Failed), and Failed if the chunks Job
fails (a failed chunk fails the Job at once: its exit code is final).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping

from podv5_contract.resources import GROUP
from podv5_contract.spec import EncodingJobSpec
from podv5_operator.config import OperatorConfig
from podv5_operator.k8s.encode import CONTAINER, PhaseReport, build_job, job_name, job_phase
from podv5_operator.k8s.pod import _hashed

STEP_LABEL = f"{GROUP}/step"
CHUNKS, JOIN = "chunks", "join"
STEP_ENV = "MEDIA_ENCODE_STEP"


def step_job_name(cr_name: str, step: str) -> str:
    """``<job name>-chunks`` / ``<job name>-join``, an RFC 1123 label of at most 63
    characters (cut and hashed when longer, deterministic)."""
    base = job_name(cr_name)
    name = f"{base}-{step}"
    return name if len(name) <= 63 else _hashed(f"{cr_name}/{step}", name)


def _step_job(job: dict, cr_name: str, step: str) -> dict:
    job = copy.deepcopy(job)
    name = step_job_name(cr_name, step)
    job["metadata"]["name"] = name
    for labels in (job["metadata"]["labels"], job["spec"]["template"]["metadata"]["labels"]):
        labels[STEP_LABEL] = step
    [container] = [c for c in job["spec"]["template"]["spec"]["containers"]
                   if c["name"] == CONTAINER]  # fmt: skip
    container["env"].append({"name": STEP_ENV, "value": "chunk" if step == CHUNKS else JOIN})
    return job


def build_chunks_job(*, spec: EncodingJobSpec, config: OperatorConfig, cr: Mapping) -> dict:
    """The Indexed Job of the chunks and the audio (``spec.chunks + 1`` completions, all
    allowed to run at once; the scheduler queues what the cluster cannot hold)."""
    if not spec.chunks:
        raise ValueError("the spec asks for no chunks")
    job = _step_job(build_job(spec=spec, config=config, cr=cr), cr["metadata"]["name"], CHUNKS)
    steps = spec.chunks + 1
    job["spec"].update(completionMode="Indexed", completions=steps, parallelism=steps)
    return job


def build_join_job(*, spec: EncodingJobSpec, config: OperatorConfig, cr: Mapping) -> dict:
    """The Job of the join (one pod)."""
    return _step_job(build_job(spec=spec, config=config, cr=cr), cr["metadata"]["name"], JOIN)


def job_step(job: Mapping) -> str | None:
    """``chunks``, ``join`` or None (a one-pass encode's Job)."""
    return ((job.get("metadata") or {}).get("labels") or {}).get(STEP_LABEL)


def chunk_counts(job: Mapping) -> dict:
    """``{"chunksTotal", "chunksSucceeded"}`` of a chunks Job (completions; pods that
    succeeded, one per index: an Indexed Job counts each completed index once)."""
    spec, status = job.get("spec") or {}, job.get("status") or {}
    return {
        "chunksTotal": int(spec.get("completions") or 0),
        "chunksSucceeded": int(status.get("succeeded") or 0),
    }


def chunks_report(job: Mapping, pods: list[Mapping]) -> PhaseReport:
    """The EncodingJob's phase while its chunks Job runs: as ``job_phase``, but a
    Complete chunks Job is not the end — Running / ``ChunksEncoded`` (the join is next)."""
    report = job_phase(job, pods)
    if report.phase == "Succeeded":
        counts = chunk_counts(job)
        return PhaseReport(
            "Running",
            "ChunksEncoded",
            f"{counts['chunksSucceeded']} of {counts['chunksTotal']} chunks encoded; joining.",
        )
    return report


def with_chunk_counts(status: Mapping | None, new: Mapping | None, job: Mapping) -> dict | None:
    """``new`` (a ``next_status`` result, None: no phase change) with the chunk counts of
    ``job``; None when nothing changes. Counts only grow (a late event shows fewer)."""
    current = dict(status or {})
    result = dict(new) if new is not None else dict(current)
    counts = chunk_counts(job)
    if counts["chunksTotal"]:
        result["chunksTotal"] = counts["chunksTotal"]
    result["chunksSucceeded"] = max(
        counts["chunksSucceeded"], int(current.get("chunksSucceeded") or 0)
    )
    return result if result != current else None
