"""Pure builders: the Job of an EncodingJob (golden YAML), Job names, and the mapping of
realistic Job/pod status dicts (as the apiserver and the kubelet write them) to phases,
reasons and metav1.Conditions."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from podv5_contract.spec import EncodingJobSpec
from podv5_operator.config import OperatorConfig
from podv5_operator.k8s.encode import (
    PhaseReport,
    api_reason,
    build_job,
    conditions_for,
    is_owned_by,
    job_name,
    job_phase,
    label_value,
    next_status,
)

GOLDEN = Path(__file__).parent / "golden" / "job.yaml"
UID = "3f7c9a52-1b2e-4c8d-9e0f-a1b2c3d4e5f6"
CR_NAME = "ej-6f1d2c3b-0000-4000-8000-000000000001"
NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)


def golden_spec() -> EncodingJobSpec:
    return EncodingJobSpec.model_validate(
        {
            "jobId": "6f1d2c3b-0000-4000-8000-000000000001",
            "videoId": "0b9e8d7c-0000-4000-8000-000000000002",
            "source": "file:///media/videos/0b9e8d7c/source.mp4",
            "output": "file:///media/videos/0b9e8d7c/encodes/6f1d2c3b/",
            "ladder": [
                {"name": "720p", "height": 720, "videoKbps": 2800, "audioKbps": 128},
                {"name": "360p", "height": 360, "videoKbps": 800, "audioKbps": 96},
            ],
            "segmentDuration": 4,
            "callbackUrl": "http://api.pod-v5.svc:8000/api/v1/internal/callbacks",
        }
    )


def golden_config() -> OperatorConfig:
    """Explicit values for every field the Job uses (the environment must not leak in)."""
    return OperatorConfig(
        namespaces=["media"],
        encoder_image="registry.example.org/pod-v5/worker:1.0.0",
        image_pull_policy="IfNotPresent",
        image_pull_secrets=[],
        active_deadline_seconds=7200,
        backoff_limit=2,
        ttl_seconds_after_finished=3600,
        cpu_request="1",
        cpu_limit="4",
        memory_request="1Gi",
        memory_limit="4Gi",
        scratch_size_limit="20Gi",
        scratch_mount_path="/scratch",
        run_as_user=10001,
        run_as_group=10001,
        fs_group=10001,
        service_account_name="pod-v5-encoder",
        callback_secret_name="pod-v5-callback",
        callback_secret_key="callback-signing-secret",
        media_volume_claim=None,
        worker_env_secret=None,
        node_selector={},
        tolerations=[],
        termination_grace_seconds=30,
    )


def golden_job() -> dict:
    return build_job(
        name=CR_NAME, namespace="media", uid=UID, spec=golden_spec(), config=golden_config()
    )


def test_build_job_matches_the_golden_yaml():
    job = golden_job()
    if os.environ.get("UPDATE_GOLDEN") == "1":  # regenerate: UPDATE_GOLDEN=1 pytest ...
        GOLDEN.write_text(yaml.safe_dump(job, sort_keys=False, width=100))
    assert job == yaml.safe_load(GOLDEN.read_text())


def test_build_job_from_the_custom_resource_equals_from_its_metadata():
    cr = {"metadata": {"name": CR_NAME, "namespace": "media", "uid": UID}, "spec": {}}
    assert build_job(cr=cr, spec=golden_spec(), config=golden_config()) == golden_job()
    with pytest.raises(ValueError):
        build_job(name=CR_NAME, namespace="media", spec=golden_spec(), config=golden_config())


def test_the_job_runs_the_worker_with_the_spec_inline_and_safely():
    job = golden_job()
    pod = job["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert container["command"] == ["media-encode"]
    assert container["args"][0] == "--spec"
    assert EncodingJobSpec.model_validate(json.loads(container["args"][1])) == golden_spec()
    assert pod["restartPolicy"] == "Never" and pod["automountServiceAccountToken"] is False
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    env = {e["name"]: e for e in container["env"]}
    assert env["MEDIA_ENCODE_SCRATCH_DIR"]["value"] == "/scratch"
    assert env["CALLBACK_SIGNING_SECRET"]["valueFrom"]["secretKeyRef"] == {
        "name": "pod-v5-callback",
        "key": "callback-signing-secret",
    }
    assert is_owned_by(job, UID) and not is_owned_by(job, "another-uid")
    labels = job["metadata"]["labels"]
    assert labels["app.kubernetes.io/managed-by"] == "pod-v5-operator"
    assert job["spec"]["template"]["metadata"]["labels"] == labels


def test_optional_volumes_secrets_and_ttl():
    config = golden_config().model_copy(
        update={
            "media_volume_claim": "pod-v5-media",
            "worker_env_secret": "pod-v5-s3",
            "image_pull_secrets": ["regcred"],
            "ttl_seconds_after_finished": None,
            "cpu_limit": None,
            "memory_limit": None,
            "node_selector": {"pool": "encode"},
            "tolerations": [{"key": "encode", "operator": "Exists"}],
        }
    )
    job = build_job(name=CR_NAME, namespace="media", uid=UID, spec=golden_spec(), config=config)
    pod = job["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert "ttlSecondsAfterFinished" not in job["spec"]
    assert "limits" not in container["resources"]
    assert {"name": "media", "mountPath": "/media"} in container["volumeMounts"]
    assert container["envFrom"] == [{"secretRef": {"name": "pod-v5-s3"}}]
    assert pod["imagePullSecrets"] == [{"name": "regcred"}]
    assert pod["nodeSelector"] == {"pool": "encode"}
    assert pod["tolerations"] == [{"key": "encode", "operator": "Exists"}]


DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


@pytest.mark.parametrize(
    "name",
    [
        "ej-6f1d2c3b-0000-4000-8000-000000000001",
        "a",
        "x" * 63,
        "x" * 64,
        "y" * 253,
        "my.encoding.job",
        "-" + "z" * 70,
        "a." * 100 + "b",
    ],
)
def test_job_name_is_a_deterministic_dns_label(name):
    result = job_name(name)
    assert DNS_LABEL.match(result) and len(result) <= 63
    assert job_name(name) == result
    if DNS_LABEL.match(name):
        assert result == name  # valid names are kept
    else:
        assert re.search(r"-[0-9a-f]{8}$", result)  # hashed suffix


def test_job_names_of_different_long_names_differ():
    assert job_name("x" * 64) != job_name("x" * 65)
    assert job_name("a.b") != job_name("a-b") == "a-b"
    assert len(label_value("v" * 100)) == 63 and label_value("short") == "short"


# --- realistic Job / pod status dicts ----------------------------------------------------


def job(conditions=(), **status) -> dict:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": CR_NAME, "namespace": "media", "uid": "job-uid"},
        "spec": {"backoffLimit": 2, "activeDeadlineSeconds": 7200},
        "status": {
            "startTime": "2025-03-01T11:00:00Z",
            **status,
            **({"conditions": list(conditions)} if conditions else {}),
        },
    }


def cond(type_, reason, message, status="True") -> dict:
    return {
        "type": type_,
        "status": status,
        "reason": reason,
        "message": message,
        "lastProbeTime": "2025-03-01T11:05:00Z",
        "lastTransitionTime": "2025-03-01T11:05:00Z",
    }


def pod(phase, *, created="2025-03-01T11:00:01Z", state=None, last_state=None, **status):
    container_status = {
        "name": "encode",
        "image": "registry.example.org/pod-v5/worker:1.0.0",
        "imageID": "",
        "ready": phase == "Running",
        "restartCount": 0,
        "started": phase == "Running",
        "state": state or {"waiting": {"reason": "ContainerCreating"}},
        "lastState": last_state or {},
    }
    return {
        "metadata": {"name": f"{CR_NAME}-abcde", "creationTimestamp": created},
        "spec": {"containers": [{"name": "encode", "resources": {"limits": {"memory": "4Gi"}}}]},
        "status": {
            "phase": phase,
            "conditions": [{"type": "PodScheduled", "status": "True"}],
            "containerStatuses": [container_status],
            **status,
        },
    }


def terminated(code, reason, message=None):
    return {
        "terminated": {
            "exitCode": code,
            "reason": reason,
            "startedAt": "2025-03-01T11:00:05Z",
            "finishedAt": "2025-03-01T11:04:00Z",
            **({"message": message} if message else {}),
        }
    }


BACKOFF = "Job has reached the specified backoff limit"
DEADLINE = "Job was active longer than specified deadline"

CASES = {
    "just created": (job(active=1), [], ("Pending", "JobCreated")),
    "no pod yet": (job(), [pod("Pending")], ("Pending", "JobCreated")),
    "running": (
        job(active=1, ready=1),
        [pod("Running", state={"running": {"startedAt": "2025-03-01T11:00:05Z"}})],
        ("Running", "Running"),
    ),
    "image pull back-off": (
        job(active=1, ready=0),
        [
            pod(
                "Pending",
                state={
                    "waiting": {
                        "reason": "ImagePullBackOff",
                        "message": 'Back-off pulling image "registry.example.org/x:1"',
                    }
                },
            )
        ],
        ("Pending", "ImagePullBackOff"),
    ),
    "err image pull": (
        job(active=1),
        [pod("Pending", state={"waiting": {"reason": "ErrImagePull", "message": "not found"}})],
        ("Pending", "ErrImagePull"),
    ),
    "unschedulable": (
        job(active=1),
        [
            {
                "metadata": {"name": "p", "creationTimestamp": "2025-03-01T11:00:01Z"},
                "status": {
                    "phase": "Pending",
                    "conditions": [
                        {
                            "type": "PodScheduled",
                            "status": "False",
                            "reason": "Unschedulable",
                            "message": "0/1 nodes are available: 1 Insufficient memory.",
                        }
                    ],
                },
            }
        ],
        ("Pending", "Unschedulable"),
    ),
    "complete": (
        job(
            [
                cond(
                    "SuccessCriteriaMet",
                    "CompletionsReached",
                    "Reached expected number of succeeded pods",
                ),
                cond("Complete", "CompletionsReached", "Reached expected number of succeeded pods"),
            ],
            succeeded=1,
            completionTime="2025-03-01T11:04:01Z",
        ),  # fmt: skip
        [pod("Succeeded", state=terminated(0, "Completed"))],
        ("Succeeded", "Completed"),
    ),
    "oom killed": (
        job(
            [
                cond("FailureTarget", "BackoffLimitExceeded", BACKOFF),
                cond("Failed", "BackoffLimitExceeded", BACKOFF),
            ],
            failed=3,
        ),  # fmt: skip
        [
            pod("Failed", created="2025-03-01T11:00:01Z", state=terminated(1, "Error")),
            pod("Failed", created="2025-03-01T11:02:01Z", state=terminated(137, "OOMKilled")),
        ],
        ("Failed", "OOMKilled"),
    ),
    "error exit": (
        job(
            [
                cond(
                    "Failed",
                    "PodFailurePolicy",
                    "Container encode for pod media/x failed "
                    "with exit code 1 matching FailJob rule at index 0",
                )
            ],
            failed=1,
        ),  # fmt: skip
        [pod("Failed", state=terminated(1, "Error", "ffmpeg failed"))],
        ("Failed", "Error"),
    ),
    "backoff limit without pods left": (
        job([cond("Failed", "BackoffLimitExceeded", BACKOFF)], failed=3),
        [],
        ("Failed", "BackoffLimitExceeded"),
    ),
    "evicted": (
        job([cond("Failed", "BackoffLimitExceeded", BACKOFF)], failed=1),
        [
            {
                "metadata": {"name": "p", "creationTimestamp": "2025-03-01T11:00:01Z"},
                "status": {
                    "phase": "Failed",
                    "reason": "Evicted",
                    "message": "The node was low on resource: ephemeral-storage.",
                },
            }
        ],
        ("Failed", "Evicted"),
    ),
    "deadline exceeded": (
        job([cond("FailureTarget", "DeadlineExceeded", DEADLINE)], active=1),
        [pod("Running", state={"running": {"startedAt": "2025-03-01T11:00:05Z"}})],
        ("Failed", "DeadlineExceeded"),
    ),
    "deadline exceeded while pulling": (
        job([cond("Failed", "DeadlineExceeded", DEADLINE)], failed=1),
        [pod("Pending", state={"waiting": {"reason": "ImagePullBackOff", "message": "nope"}})],
        ("Failed", "DeadlineExceeded"),
    ),
    "suspended": (
        {**job(), "spec": {"suspend": True}},
        [],
        ("Pending", "Suspended"),
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_job_phase(case):
    the_job, pods, expected = CASES[case]
    report = job_phase(the_job, pods)
    assert (report.phase, report.reason) == expected
    assert report.message


def test_failure_messages_say_why():
    assert "limit 4Gi" in job_phase(*CASES["oom killed"][:2]).message
    assert "code 1: ffmpeg failed" in job_phase(*CASES["error exit"][:2]).message
    assert "ImagePullBackOff" in job_phase(*CASES["deadline exceeded while pulling"][:2]).message


# --- conditions and status ------------------------------------------------------------------


def test_conditions_change_transition_time_only_when_status_changes():
    first = conditions_for(
        [], phase="Pending", reason="JobCreated", message="m", generation=1, now=NOW
    )
    assert [(c["type"], c["status"]) for c in first] == [
        ("Ready", "False"),
        ("Running", "False"),
        ("Failed", "False"),
    ]
    assert {c["lastTransitionTime"] for c in first} == {"2025-03-01T12:00:00Z"}
    later = NOW + timedelta(minutes=5)
    second = conditions_for(
        first, phase="Running", reason="Running", message="r", generation=1, now=later
    )
    by_type = {c["type"]: c for c in second}
    assert by_type["Ready"]["lastTransitionTime"] == "2025-03-01T12:00:00Z"  # still False
    assert by_type["Running"]["lastTransitionTime"] == "2025-03-01T12:05:00Z"  # flipped
    assert by_type["Ready"]["reason"] == "Running" and by_type["Ready"]["observedGeneration"] == 1
    # metav1.Condition shape, as the CRD declares it
    from podv5_contract.spec import Condition

    for c in second:
        Condition.model_validate(c)


def test_conditions_keep_foreign_types_and_sanitize_reasons():
    other = {"type": "Custom", "status": "True", "reason": "X", "message": "",
             "lastTransitionTime": "2025-01-01T00:00:00Z"}  # fmt: skip
    out = conditions_for(
        [other], phase="Failed", reason="9 bad reason!", message="", generation=None, now=NOW
    )
    assert out[-1] == other
    assert {c["reason"] for c in out[:3]} == {"badreason"}


def test_status_moves_forward_only():
    pending = next_status(
        {}, PhaseReport("Pending", "JobCreated", "m"), generation=1, now=NOW, job_name="j"
    )
    assert pending["phase"] == "Pending" and pending["jobName"] == "j"
    assert "startTime" not in pending
    running = next_status(
        pending, PhaseReport("Running", "Running", "r"), generation=1, now=NOW, job=job()
    )
    assert running["startTime"] == "2025-03-01T11:00:00Z"
    # a retried pod pending again does not move the EncodingJob back
    assert next_status(running, PhaseReport("Pending", "JobCreated", "m"), generation=1,
                       now=NOW) is None  # fmt: skip
    # the same report twice changes nothing
    assert next_status(running, PhaseReport("Running", "Running", "r"), generation=1,
                       now=NOW, job=job()) is None  # fmt: skip
    done = next_status(
        running,
        PhaseReport("Succeeded", "Completed", "done"),
        generation=1,
        now=NOW,
        job=job(completionTime="2025-03-01T11:04:01Z"),
    )
    assert done["progress"] == 100 and done["completionTime"] == "2025-03-01T11:04:01Z"
    # terminal is terminal
    assert next_status(done, PhaseReport("Failed", "X", "x"), generation=1, now=NOW) is None


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        ("OOMKilled", "oom_killed"),
        ("DeadlineExceeded", "deadline_exceeded"),
        ("BackoffLimitExceeded", "backoff_limit_exceeded"),
        ("ImagePullBackOff", "image_pull_back_off"),
        ("Error", "error"),
        ("InvalidSpec", "invalid_spec"),
    ],
)
def test_api_reason(reason, code):
    assert api_reason(reason) == code


def test_a_deadline_while_stuck_says_why():
    stuck = PhaseReport("Pending", "Unschedulable", "0/2 nodes are available: 1 Insufficient cpu.")
    pending = next_status({}, stuck, generation=1, now=NOW, job_name="j")
    failed = next_status(
        pending, PhaseReport("Failed", "DeadlineExceeded", "Job was active longer than specified "
                             "deadline"), generation=1, now=NOW,
    )  # fmt: skip
    assert failed["message"].endswith("It never ran: Unschedulable: 0/2 nodes are available: "
                                      "1 Insufficient cpu.")  # fmt: skip
    assert {c["reason"] for c in failed["conditions"]} == {"DeadlineExceeded"}
