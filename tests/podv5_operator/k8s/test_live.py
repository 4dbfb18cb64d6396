"""Pure builders for LiveEvents: the worker's Deployment and Service (golden YAML), the
schedule decision and the status state machine — no cluster."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from podv5_contract.live_spec import LiveEventSpec
from podv5_contract.live_worker import LiveSpec
from podv5_operator.config import LiveConfig, OperatorConfig
from podv5_operator.k8s.live import (
    ENV_STREAM_KEY,
    StateReport,
    build_live_deployment,
    build_live_service,
    deployment_state,
    live_decision,
    live_name,
    next_live_status,
    worker_spec,
)

GOLDEN_DIR = Path(__file__).parent / "golden"
UID = "9a8b7c6d-1b2e-4c8d-9e0f-a1b2c3d4e5f6"
EVENT_ID = "6f1c3a52-0000-4000-8000-000000000001"
CR = {"metadata": {"name": f"le-{EVENT_ID}", "namespace": "media", "uid": UID}}
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
END = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)


def a_spec(**overrides) -> LiveEventSpec:
    wire = {
        "eventId": EVENT_ID,
        "start": "2026-11-23T09:00:00Z",
        "end": "2026-11-23T11:00:00Z",
        "output": f"file:///media/live/{EVENT_ID}/",
        "streamKey": {"name": f"le-{EVENT_ID}-stream-key"},
        "callbackUrl": "http://api.pod-v5.svc:8000/api/v1/internal/callbacks",
    }
    return LiveEventSpec.model_validate({**wire, **overrides})


def golden_config() -> OperatorConfig:
    """Explicit values for every field the Deployment uses (no environment leaks in)."""
    return OperatorConfig(
        encoder_image="registry.example.org/pod-v5/worker:1.0.0",
        image_pull_policy="IfNotPresent",
        image_pull_secrets=[],
        run_as_user=10001,
        run_as_group=10001,
        fs_group=10001,
        service_account_name="pod-v5-encoder",
        callback_secret_name="pod-v5-callback",
        callback_secret_key="callback-signing-secret",
        media_volume_claim="pod-v5-media",
        media_mount_path="/media",
        worker_env_secret=None,
        node_selector={},
        tolerations=[],
    )


def golden_live() -> LiveConfig:
    return LiveConfig(
        ingest_port=1935,
        health_port=8081,
        service_type="LoadBalancer",
        termination_grace_seconds=120,
        progress_deadline_seconds=300,
        cpu_request="250m",
        cpu_limit="2",
        memory_request="256Mi",
        memory_limit="1Gi",
    )


@pytest.mark.parametrize(
    ("golden", "build"),
    [
        (
            "live-deployment.yaml",
            lambda: build_live_deployment(
                cr=CR, spec=a_spec(), config=golden_config(), live=golden_live()
            ),
        ),
        ("live-service.yaml", lambda: build_live_service(cr=CR, spec=a_spec(), live=golden_live())),
    ],
)
def test_builders_match_the_golden_yaml(golden, build):
    obj = build()
    path = GOLDEN_DIR / golden
    if os.environ.get("UPDATE_GOLDEN") == "1":  # regenerate: UPDATE_GOLDEN=1 pytest ...
        path.write_text(yaml.safe_dump(obj, sort_keys=False, width=100))
    assert obj == yaml.safe_load(path.read_text())


def test_the_worker_gets_a_valid_live_spec_but_never_the_key():
    deployment = build_live_deployment(
        cr=CR, spec=a_spec(), config=golden_config(), live=golden_live()
    )
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["media-live"] and container["args"][0] == "--spec"
    inline = json.loads(container["args"][1])
    assert "streamKey" not in inline
    # the key comes from the Secret the LiveEvent names, as the variable the worker reads
    key_var = next(v for v in container["env"] if v["name"] == ENV_STREAM_KEY)
    assert key_var["valueFrom"]["secretKeyRef"] == {
        "name": f"le-{EVENT_ID}-stream-key",
        "key": "stream-key",
    }
    worker = LiveSpec.model_validate({**inline, "streamKey": "k" * 32})
    assert (worker.bind, worker.port, worker.record) == ("0.0.0.0", 1935, True)
    assert str(worker.event_id) == EVENT_ID and worker.output == a_spec().output
    assert worker_spec(a_spec(), golden_live())["reconnectSeconds"] == 60.0
    # a ladder in the resource never makes a spec the worker refuses
    ladder = [{"name": "360p", "height": 360, "videoKbps": 800, "audioKbps": 96}]
    wire = worker_spec(a_spec(ladder=ladder), golden_live())
    LiveSpec.model_validate({**wire, "streamKey": "k" * 32})


def test_deployment_is_one_replica_recreated_owned_and_hardened():
    deployment = build_live_deployment(
        cr=CR, spec=a_spec(), config=golden_config(), live=golden_live()
    )
    spec = deployment["spec"]
    assert spec["replicas"] == 1 and spec["strategy"] == {"type": "Recreate"}
    assert deployment["metadata"]["ownerReferences"][0]["uid"] == UID
    assert deployment["metadata"]["ownerReferences"][0]["controller"] is True
    pod = spec["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] == 120
    assert pod["securityContext"]["runAsNonRoot"] is True
    [container] = pod["containers"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "health"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}
    # the selector picks the template's pods, and the Service the same pods
    labels = spec["template"]["metadata"]["labels"]
    assert spec["selector"]["matchLabels"].items() <= labels.items()
    service = build_live_service(cr=CR, spec=a_spec(), live=golden_live())
    assert service["spec"]["selector"] == spec["selector"]["matchLabels"]


def test_srt_ingest_is_udp():
    srt = a_spec(protocol="srt")
    service = build_live_service(cr=CR, spec=srt, live=golden_live())
    assert service["spec"]["ports"][0]["protocol"] == "UDP"
    deployment = build_live_deployment(cr=CR, spec=srt, config=golden_config(), live=golden_live())
    ports = deployment["spec"]["template"]["spec"]["containers"][0]["ports"]
    assert ports[0] == {"name": "ingest", "containerPort": 1935, "protocol": "UDP"}


def test_names_are_rfc1035_labels():
    assert live_name(f"le-{EVENT_ID}") == f"le-{EVENT_ID}"
    for odd in ("1-starts-with-digit", "Has.Dots", "x" * 80):
        name = live_name(odd)
        assert name[0].isalpha() and len(name) <= 63, name
        assert name == live_name(odd)  # deterministic
    assert live_name("a.b") != live_name("a-b")


@pytest.mark.parametrize(
    ("overrides", "now", "status", "action", "reason"),
    [
        ({}, START - timedelta(minutes=5), None, "wait", "Scheduled"),
        ({}, START, None, "run", "StartReached"),
        # the operator was down at the start: it starts as soon as it is back
        ({}, START + timedelta(minutes=30), {"state": "Scheduled"}, "run", "StartReached"),
        ({}, END, {"state": "Live"}, "end", "EndReached"),
        # down over the whole event: ended, never started
        ({}, END + timedelta(hours=1), {"state": "Scheduled"}, "end", "EndReached"),
        ({"autoStart": False}, START + timedelta(minutes=1), None, "wait", "Scheduled"),
        (
            {"autoStart": False, "desiredState": "Started"},
            START - timedelta(hours=1),
            None,
            "run",
            "ManualStart",
        ),  # fmt: skip
        ({"desiredState": "Started"}, END, {"state": "Live"}, "end", "EndReached"),
        (
            {"desiredState": "Stopped"},
            START + timedelta(minutes=1),
            {"state": "Live"},
            "end",
            "Stopped",
        ),  # fmt: skip
        ({}, START + timedelta(minutes=1), {"state": "Ended"}, "none", "Final"),
        ({"desiredState": "Started"}, START, {"state": "Failed"}, "none", "Final"),
    ],
)
def test_live_decision(overrides, now, status, action, reason):
    decision = live_decision(a_spec(**overrides), status, now)
    assert (decision.action, decision.reason) == (action, reason)


def test_wait_says_how_long():
    decision = live_decision(a_spec(), None, START - timedelta(seconds=90))
    assert decision.seconds == 90


NOW = datetime(2026, 11, 23, 9, 0, 5, tzinfo=UTC)


def test_status_moves_forward_with_conditions():
    starting = next_live_status(
        None,
        StateReport("Starting", "StartReached", "Deployment created."),
        generation=1,
        now=NOW,
        deploymentName="le-x",
        serviceName="le-x",
    )
    assert starting["state"] == "Starting" and starting["startedAt"] == "2026-11-23T09:00:05Z"
    assert starting["deploymentName"] == starting["serviceName"] == "le-x"
    ready = {c["type"]: c for c in starting["conditions"]}
    assert ready["Ready"]["status"] == "False" and ready["Failed"]["status"] == "False"

    later = NOW + timedelta(seconds=3)
    live = next_live_status(
        {**starting, "onAir": True},
        StateReport("Live", "WorkerReady", "open"),
        generation=1,
        now=later,
    )
    conds = {c["type"]: c for c in live["conditions"]}
    assert live["state"] == "Live" and conds["Ready"]["status"] == "True"
    assert conds["Ready"]["lastTransitionTime"] == "2026-11-23T09:00:08Z"
    # Failed did not change status: its transition time is kept
    assert conds["Failed"]["lastTransitionTime"] == "2026-11-23T09:00:05Z"
    assert live["onAir"] is True and live["startedAt"] == starting["startedAt"]
    # backwards or repeated: nothing to write
    assert (
        next_live_status(live, StateReport("Starting", "x", "y"), generation=1, now=later) is None
    )
    assert next_live_status(live, StateReport("Live", "WorkerReady", "open"), generation=1,
                            now=later) is None  # fmt: skip

    ended = next_live_status(live, StateReport("Ended", "EndReached", "done"), generation=2,
                             now=later)  # fmt: skip
    assert ended["state"] == "Ended" and ended["onAir"] is False and ended["endedAt"]
    assert ended["observedGeneration"] == 2
    # final: nothing moves it any more
    assert next_live_status(ended, StateReport("Failed", "X", "y"), generation=2, now=later) is None


def test_ended_before_starting_has_no_start_time():
    ended = next_live_status(
        {"state": "Scheduled"}, StateReport("Ended", "EndReached", "done"), generation=1, now=NOW
    )
    assert ended["state"] == "Ended" and "startedAt" not in ended


def _deployment(**status) -> dict:
    return {"metadata": {"name": "le-x"}, "status": status}


def test_deployment_state():
    assert deployment_state(_deployment()).state == "Starting"
    assert deployment_state(_deployment(replicas=1, unavailableReplicas=1)).state == "Starting"
    live = deployment_state(_deployment(replicas=1, readyReplicas=1, availableReplicas=1))
    assert (live.state, live.reason) == ("Live", "WorkerReady")
    stuck = _deployment(
        conditions=[
            {"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable"},
            {
                "type": "Progressing",
                "status": "False",
                "reason": "ProgressDeadlineExceeded",
                "message": 'ReplicaSet "le-x-5d9" has timed out progressing.',
            },
        ]
    )
    failed = deployment_state(stuck)
    assert (failed.state, failed.reason) == ("Failed", "ProgressDeadlineExceeded")
    assert "timed out" in failed.message


def test_spec_refuses_end_before_start_and_a_bad_output():
    with pytest.raises(ValueError, match="end must be after start"):
        a_spec(end="2026-11-23T08:00:00Z")
    with pytest.raises(ValueError):
        a_spec(output="s3://bucket/live/")
    with pytest.raises(ValueError):
        a_spec(streamKey={"name": "Not_A_Secret_Name"})
