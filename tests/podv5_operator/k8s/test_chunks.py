"""Pure builders of a chunked EncodingJob: the Indexed Job of its chunks, the join Job, and
its status (chunk counts, phase) from realistic Job status dicts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from podv5_operator.k8s.chunks import (
    STEP_LABEL,
    build_chunks_job,
    build_join_job,
    chunks_report,
    job_step,
    step_job_name,
    with_chunk_counts,
)
from podv5_operator.k8s.encode import build_job, next_status

from .test_encode import CR_NAME, UID, golden_config, golden_spec

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
CR = {"metadata": {"name": CR_NAME, "namespace": "media", "uid": UID}}


def chunked_spec(chunks=4):
    return golden_spec().model_copy(update={"chunks": chunks})


def env_of(job: dict) -> dict:
    [container] = job["spec"]["template"]["spec"]["containers"]
    return {e["name"]: e.get("value") for e in container["env"]}


def test_chunks_job_is_an_indexed_job_of_the_chunks_and_the_audio():
    spec, config = chunked_spec(4), golden_config()
    job = build_chunks_job(spec=spec, config=config, cr=CR)
    assert job["metadata"]["name"] == f"{CR_NAME}-chunks"
    assert job["spec"]["completionMode"] == "Indexed"
    assert job["spec"]["completions"] == job["spec"]["parallelism"] == 5  # 4 chunks + audio
    assert env_of(job)["MEDIA_ENCODE_STEP"] == "chunk"
    assert job_step(job) == "chunks"
    assert job["spec"]["template"]["metadata"]["labels"][STEP_LABEL] == "chunks"
    # everything else is the one-pass Job's: same pod, policy, owner, deadline
    plain = build_job(spec=spec, config=config, cr=CR)
    for key in ("podFailurePolicy", "activeDeadlineSeconds", "backoffLimit"):
        assert job["spec"][key] == plain["spec"][key]
    assert job["metadata"]["ownerReferences"] == plain["metadata"]["ownerReferences"]
    pod, plain_pod = job["spec"]["template"]["spec"], plain["spec"]["template"]["spec"]
    assert pod["securityContext"] == plain_pod["securityContext"]
    assert pod["containers"][0]["args"] == plain_pod["containers"][0]["args"]


def test_join_job_runs_the_join_step():
    job = build_join_job(spec=chunked_spec(), config=golden_config(), cr=CR)
    assert job["metadata"]["name"] == f"{CR_NAME}-join"
    assert env_of(job)["MEDIA_ENCODE_STEP"] == "join" and job_step(job) == "join"
    assert "completionMode" not in job["spec"]


def test_a_spec_without_chunks_makes_no_chunks_job():
    with pytest.raises(ValueError):
        build_chunks_job(spec=golden_spec(), config=golden_config(), cr=CR)


def test_step_job_names_stay_dns_labels():
    long_name = "ej-" + "a" * 60
    for step in ("chunks", "join"):
        name = step_job_name(long_name, step)
        assert len(name) <= 63 and name == step_job_name(long_name, step)
    assert step_job_name(long_name, "chunks") != step_job_name(long_name, "join")


def indexed(succeeded=0, *, complete=False, failed=False, active=0, completions=5) -> dict:
    conditions = []
    if complete:
        conditions.append({"type": "SuccessCriteriaMet", "status": "True"})
        conditions.append({"type": "Complete", "status": "True"})
    if failed:
        conditions.append({"type": "FailureTarget", "status": "True",
                           "reason": "PodFailurePolicy", "message": "exit code 1"})  # fmt: skip
        message = "Container encode for pod x-2 failed with exit code 1"
        conditions.append(
            {"type": "Failed", "status": "True", "reason": "PodFailurePolicy", "message": message}
        )
    return {
        "metadata": {
            "name": f"{CR_NAME}-chunks",
            "namespace": "media",
            "labels": {STEP_LABEL: "chunks"},
        },  # fmt: skip
        "spec": {"completions": completions, "completionMode": "Indexed"},
        "status": {
            "succeeded": succeeded,
            "active": active,
            "ready": active,
            "completedIndexes": ",".join(map(str, range(succeeded))) or None,
            "conditions": conditions,
        },  # fmt: skip
    }


def test_status_counts_chunks_and_stays_running_until_the_join():
    status = {"phase": "Pending"}
    running = chunks_report(indexed(2, active=3), [])
    assert running.phase == "Running"
    new = with_chunk_counts(
        status, next_status(status, running, generation=1, now=NOW, job=indexed(2, active=3)),
        indexed(2, active=3),
    )  # fmt: skip
    assert new["phase"] == "Running"
    assert (new["chunksTotal"], new["chunksSucceeded"]) == (5, 2)

    done = chunks_report(indexed(5, complete=True), [])
    assert (done.phase, done.reason) == ("Running", "ChunksEncoded")  # not Succeeded: join next
    after = with_chunk_counts(
        new, next_status(new, done, generation=1, now=NOW, job=indexed(5)), indexed(5)
    )
    assert after["phase"] == "Running" and after["chunksSucceeded"] == 5
    assert "progress" not in after or after["progress"] != 100
    # a late event with fewer succeeded changes nothing
    assert with_chunk_counts(after, None, indexed(3, active=2)) is None


def test_a_failed_chunk_fails_the_encodingjob():
    report = chunks_report(indexed(1, failed=True), [])
    assert (report.phase, report.reason) == ("Failed", "PodFailurePolicy")
