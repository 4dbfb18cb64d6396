"""Reconcile against the real apiserver: one EncodingJob → exactly one Job equal to the
golden one, also when the operator is killed (SIGKILL) in the middle and restarted;
``kubectl get ej`` shows the printer columns."""

from __future__ import annotations

import copy
import json

import pytest

from podv5_contract.spec import EncodingJobSpec
from podv5_operator.k8s.encode import build_job
from tests.podv5_operator.handlers.conftest import encodingjob, wait_until
from tests.podv5_operator.k8s.test_encode import CR_NAME, golden_config, golden_spec

pytestmark = pytest.mark.kube

GOLDEN_SETTINGS = {
    key: ("none" if value is None else value)
    for key, value in golden_config().model_dump(exclude={"namespaces"}).items()
    if key in golden_config().model_fields_set
}


def jobs_in(kube, namespace: str) -> list[dict]:
    items = kube._call(kube._batch.list_namespaced_job, namespace)["items"]
    return [j for j in items if not j["metadata"].get("deletionTimestamp")]


def is_subset(expected, actual, path="") -> list[str]:
    """Where ``actual`` (as the apiserver returns it, with defaults) differs from
    ``expected``: every key/value of ``expected`` must be in ``actual``."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: {actual!r} is not a mapping"]
        return [d for k, v in expected.items() for d in is_subset(v, actual.get(k), f"{path}.{k}")]
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: {actual!r} != {expected!r}"]
        return [d for n, (e, a) in enumerate(zip(expected, actual, strict=True))
                for d in is_subset(e, a, f"{path}[{n}]")]  # fmt: skip
    return [] if expected == actual else [f"{path}: {actual!r} != {expected!r}"]


def expected_job(cr: dict) -> dict:
    golden = build_job(
        name=CR_NAME, namespace="media", uid="golden", spec=golden_spec(), config=golden_config()
    )
    job = copy.deepcopy(golden)
    job["metadata"]["namespace"] = cr["metadata"]["namespace"]
    job["metadata"]["ownerReferences"][0]["uid"] = cr["metadata"]["uid"]
    annotations = job["spec"]["template"]["metadata"]["annotations"]
    annotations["media.podv5.io/encodingjob-uid"] = cr["metadata"]["uid"]
    return job


def recorded(kube, namespace: str, name: str = CR_NAME):
    def check():
        cr = kube.read_encodingjob(namespace, name)
        status = (cr or {}).get("status") or {}
        return cr if status.get("jobName") and status.get("phase") else None

    return wait_until(check, 30, what=f"{name}'s status to record its Job")


def test_one_encodingjob_makes_exactly_the_golden_job(run_operator, kube, kube_namespace):
    kube.create_encodingjob(encodingjob(CR_NAME, kube_namespace, golden_spec().to_wire()))
    run_operator(**GOLDEN_SETTINGS)
    cr = recorded(kube, kube_namespace)
    assert [j["metadata"]["name"] for j in jobs_in(kube, kube_namespace)] == [CR_NAME]
    job = kube.read_job(kube_namespace, CR_NAME)
    assert is_subset(expected_job(cr), job) == []
    status = cr["status"]
    assert status["jobName"] == CR_NAME and status["phase"] == "Pending"
    assert status["observedGeneration"] == cr["metadata"]["generation"]
    assert {c["type"]: c["status"] for c in status["conditions"]} == {
        "Ready": "False",
        "Running": "False",
        "Failed": "False",
    }
    annotations = cr["metadata"].get("annotations") or {}
    assert cr["metadata"]["finalizers"] == ["media.podv5.io/finalizer"]
    assert all(not k.startswith("kopf.zalando.org") for k in annotations)
    # the spec round-trips through the Job's args
    args = job["spec"]["template"]["spec"]["containers"][0]["args"]
    assert EncodingJobSpec.model_validate(json.loads(args[1])) == golden_spec()


def test_printer_columns(run_operator, kube, kube_namespace, crd_installed):
    kube.create_encodingjob(encodingjob(CR_NAME, kube_namespace, golden_spec().to_wire()))
    run_operator(**GOLDEN_SETTINGS)
    recorded(kube, kube_namespace)
    table = crd_installed.kubectl("get", "ej", "-n", kube_namespace).stdout.splitlines()
    assert table[0].split() == ["NAME", "PHASE", "PROGRESS", "VIDEO", "AGE"]
    assert table[1].split()[:4] == [CR_NAME, "Pending", "0", str(golden_spec().video_id)]
    wide = crd_installed.kubectl("get", "ej", "-n", kube_namespace, "-o", "wide").stdout
    header, row = wide.splitlines()[:2]
    columns = ["NAME", "PHASE", "PROGRESS", "VIDEO", "AGE", "JOB", "CHUNKS", "MESSAGE"]
    assert header.split()[:8] == columns
    # the Job, no chunks (a one-pass encode: an empty cell), then a message
    assert row.split()[5] == CR_NAME and len(row.split()) > 6


def test_a_crash_after_the_job_was_created_adopts_it(run_operator, kube, kube_namespace):
    """The state a crash right after the Job's POST leaves: a Job, nothing recorded."""
    cr, _ = kube.create_encodingjob(encodingjob(CR_NAME, kube_namespace, golden_spec().to_wire()))
    job, created = kube.create_or_adopt_job(
        build_job(cr=cr, spec=golden_spec(), config=golden_config()), cr["metadata"]["uid"]
    )
    assert created
    run_operator(**GOLDEN_SETTINGS)
    recorded(kube, kube_namespace)
    [only] = jobs_in(kube, kube_namespace)
    assert only["metadata"]["uid"] == job["metadata"]["uid"]  # adopted, not re-made

    def adopted_event():  # kopf posts Events in the background
        events = kube._call(kube._core.list_namespaced_event, kube_namespace)["items"]
        return any(e["reason"] == "JobAdopted" for e in events)

    wait_until(adopted_event, 10, 0.2, "the JobAdopted Event")


def test_killed_mid_reconcile_and_restarted_makes_one_job(run_operator, kube, kube_namespace):
    """SIGKILL the moment the Job exists (before the status and kopf's progress are
    written, most of the time), restart: still exactly one Job, and it is recorded."""
    operator = run_operator(**GOLDEN_SETTINGS)
    kube.create_encodingjob(encodingjob(CR_NAME, kube_namespace, golden_spec().to_wire()))
    first = wait_until(lambda: kube.read_job(kube_namespace, CR_NAME), 30, 0.005, "the Job")
    operator.kill()
    run_operator(**GOLDEN_SETTINGS)
    cr = recorded(kube, kube_namespace)
    [only] = jobs_in(kube, kube_namespace)
    assert only["metadata"]["uid"] == first["metadata"]["uid"]
    assert cr["status"]["jobName"] == CR_NAME

    def bookkeeping():  # kopf's, written after the handler: under our prefix
        meta = kube.read_encodingjob(kube_namespace, CR_NAME)["metadata"]
        return [k for k in meta.get("annotations") or {} if k.startswith("media.podv5.io/")]

    assert wait_until(bookkeeping, 10, what="kopf's annotations")
