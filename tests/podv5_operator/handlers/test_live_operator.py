"""The operator's LiveEvent handlers on a real control plane (kube-apiserver, the
Deployment/ReplicaSet/garbage-collector controllers, the scheduler), with a short
schedule: the worker's Deployment and Service appear at ``start`` and go at ``end``, the
state machine shows in ``kubectl get le``, a restarted operator catches up, and manual
start/stop (``desiredState``) works with the operator's own ServiceAccount.

Pods run either on the pod runner (the real ``media-live`` as a local process: its
health endpoint and its own callbacks are checked) or on kwok's fake node (no process:
only the Kubernetes side)."""

from __future__ import annotations

import re
import socket
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.podv5_operator.handlers.conftest import (
    KWOK_NODE,
    KWOK_TOLERATION,
    NOWHERE,
    REPO,
    SECRET_KEY,
    SECRET_NAME,
    denied_requests,
    wait_until,
)

pytestmark = pytest.mark.kube

LIVE_CRD = REPO / "charts/pod-v5/crds/liveevents.media.podv5.io.yaml"
RBAC = REPO / "charts/pod-v5/rbac/operator-rbac.yaml"
STREAM_KEY = "k3y-" + "x" * 28


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_crd(crd_installed):
    crd_installed.kubectl(
        "apply", "--server-side", "--force-conflicts", "--field-manager=pod-v5-tests",
        "-f", str(LIVE_CRD),
    )  # fmt: skip
    crd_installed.wait_crd_established("liveevents.media.podv5.io")
    return crd_installed


def _rfc3339(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_event(plane, namespace: str, tmp_path: Path, *, start: float, end: float, **spec):
    """A stream-key Secret and a LiveEvent ``le-<id>`` starting/ending in ``start``/``end``
    seconds (negative: in the past); returns the LiveEvent's name."""
    event_id = str(uuid.uuid4())
    name = f"le-{event_id}"
    now = datetime.now(UTC)
    plane.apply(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": f"{name}-stream-key", "namespace": namespace},
            "stringData": {"stream-key": STREAM_KEY},
        },
        server_side=False,
    )
    body = {
        "apiVersion": "media.podv5.io/v1alpha1",
        "kind": "LiveEvent",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "eventId": event_id,
            "start": _rfc3339(now + timedelta(seconds=start)),
            "end": _rfc3339(now + timedelta(seconds=end)),
            "output": (tmp_path / "live" / event_id).as_uri() + "/",
            "streamKey": {"name": f"{name}-stream-key"},
            "reconnectSeconds": 0,
            **spec,
        },
    }
    plane.apply(body, server_side=False)
    return name


def get_le(plane, namespace: str) -> dict[str, dict]:
    """``kubectl get le`` as a user sees it: name → {column: value} (an empty cell, as
    State before the operator's first status, is ""). Cells are cut at the header's
    column starts, the way kubectl aligns them."""
    out = plane.kubectl("get", "le", "-n", namespace, "--no-headers=false").stdout
    lines = out.rstrip().splitlines()
    if not lines:
        return {}
    header = lines[0]
    starts = [m.start() for m in re.finditer(r"\S+", header)]
    names = header.split()
    table = {}
    for line in lines[1:]:
        cells = [line[a:b].strip() for a, b in zip(starts, [*starts[1:], None], strict=True)]
        table[cells[0]] = dict(zip(names[1:], cells[1:], strict=True))
    return table


def move(kube, namespace: str, name: str, field: str) -> str:
    """Bring the LiveEvent's ``start`` or ``end`` to now (the test, not a clock racing the
    operator, says when the moment comes); an ``end`` stays after ``start``. Returns it."""
    when = datetime.now(UTC)
    if field == "end":
        start = kube.read_liveevent(namespace, name)["spec"]["start"]
        when = max(when, datetime.fromisoformat(start) + timedelta(seconds=1))
    kube.patch_liveevent(namespace, name, {"spec": {field: _rfc3339(when)}})
    return _rfc3339(when)


def timer_runs(operator) -> int:
    """How many times the operator's schedule timer ran (kopf logs each run)."""
    return operator.log().count("Timer 'schedule' succeeded")


def state(kube, namespace: str, name: str) -> str | None:
    return ((kube.read_liveevent(namespace, name) or {}).get("status") or {}).get("state")


def live_operator(run_operator, callback_receiver, **config):
    settings = {
        "api_callback_url": callback_receiver.url,
        "live_timer_interval": 1,
        "live_ingest_port": _free_port(),
        "live_health_port": _free_port(),
        "live_progress_deadline_seconds": 60,
        "live_termination_grace_seconds": 20,
        **config,
    }
    return run_operator(**settings), settings


def _callback_secret(plane, namespace: str, secret: str) -> None:
    plane.apply(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": SECRET_NAME, "namespace": namespace},
            "stringData": {SECRET_KEY: secret},
        },
        server_side=False,
    )


def test_schedule_runs_the_real_worker_from_start_to_end(
    live_crd, pod_runner, run_operator, kube, kube_namespace, tmp_path, callback_receiver,
    webhook_secret,
):  # fmt: skip
    _callback_secret(live_crd, kube_namespace, webhook_secret)
    _, settings = live_operator(run_operator, callback_receiver)
    # far ahead: the test moves start and end to now when it has seen what comes before
    name = make_event(
        live_crd, kube_namespace, tmp_path, start=3600, end=7200,
        callbackUrl=callback_receiver.url,
    )  # fmt: skip
    seen: list[str] = []

    def observe(until_state: str):
        row = get_le(live_crd, kube_namespace).get(name) or {}
        if row.get("STATE") and (not seen or seen[-1] != row["STATE"]):
            seen.append(row["STATE"])
        return row.get("STATE") == until_state and row

    wait_until(lambda: observe("Scheduled"), 15, 0.2, "Scheduled in kubectl get le")
    assert kube.read_deployment(kube_namespace, name) is None  # not before start
    move(kube, kube_namespace, name, "start")
    row = wait_until(lambda: observe("Live"), 40, 0.2, "Live in kubectl get le")
    assert set(row) >= {"STATE", "ONAIR", "START", "END", "AGE"}
    deployment = kube.read_deployment(kube_namespace, name)
    service = kube.read_service(kube_namespace, name)
    assert deployment and service
    cr = kube.read_liveevent(kube_namespace, name)
    assert deployment["metadata"]["ownerReferences"][0]["uid"] == cr["metadata"]["uid"]
    assert service["spec"]["ports"][0]["port"] == settings["live_ingest_port"]
    started = datetime.fromisoformat(cr["status"]["startedAt"])
    assert started >= datetime.fromisoformat(cr["spec"]["start"])
    # the real worker runs in its pod: its health endpoint says ready, and it reported
    health = f"http://127.0.0.1:{settings['live_health_port']}/readyz"

    def ready() -> bool:
        try:
            with urllib.request.urlopen(health, timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    wait_until(ready, 20, 0.2, "the worker's /readyz")
    wait_until(lambda: callback_receiver.events("live.starting"), 20, 0.2, "live.starting")
    listening = [e.data.get("listening") for e in callback_receiver.events("live.starting")]
    assert True in listening  # the worker's own report (the operator's says False)
    # the ingest port takes connections (the stream-key gate)
    with socket.create_connection(("127.0.0.1", settings["live_ingest_port"]), timeout=2):
        pass

    end = move(kube, kube_namespace, name, "end")
    wait_until(lambda: observe("Ended"), 45, 0.2, "Ended in kubectl get le")
    ended_at = datetime.fromisoformat(
        kube.read_liveevent(kube_namespace, name)["status"]["endedAt"]
    )
    assert ended_at >= datetime.fromisoformat(end)
    wait_until(lambda: kube.read_deployment(kube_namespace, name) is None, 20, 0.2, "teardown")
    assert kube.read_service(kube_namespace, name) is None
    # the worker got its SIGTERM and ended the event itself, once
    wait_until(lambda: callback_receiver.events("live.ended"), 30, 0.2, "live.ended")
    assert len({e.msg_id for e in callback_receiver.events("live.ended")}) == 1
    assert seen == ["Scheduled", "Starting", "Live", "Ended"] or seen == [
        "Scheduled", "Live", "Ended"
    ], seen  # fmt: skip


def test_a_restarted_operator_catches_up(
    live_crd, run_operator, kube, kube_namespace, tmp_path, callback_receiver
):
    operator, _ = live_operator(
        run_operator, callback_receiver, node_selector=KWOK_NODE, tolerations=KWOK_TOLERATION
    )
    name = make_event(live_crd, kube_namespace, tmp_path, start=3600, end=7200)
    wait_until(lambda: state(kube, kube_namespace, name) == "Scheduled", 15, 0.2, "Scheduled")
    operator.stop()
    move(kube, kube_namespace, name, "start")  # the start passes while the operator is down
    assert kube.read_deployment(kube_namespace, name) is None
    started = time.monotonic()
    operator.start()
    wait_until(lambda: kube.read_deployment(kube_namespace, name), 10, 0.1, "the Deployment")
    assert time.monotonic() - started < 10
    wait_until(lambda: state(kube, kube_namespace, name) == "Live", 30, 0.2, "Live")

    # an event whose whole schedule passed while the operator was down is just ended
    operator.stop()
    missed = make_event(live_crd, kube_namespace, tmp_path, start=-60, end=-30)
    spec = kube.read_liveevent(kube_namespace, name)["spec"]
    move(kube, kube_namespace, name, "end")  # the running event's end passes too
    assert kube.read_deployment(kube_namespace, name)  # nobody tore it down yet
    operator.start()
    wait_until(lambda: state(kube, kube_namespace, name) == "Ended", 10, 0.1, "Ended at once")
    wait_until(lambda: kube.read_deployment(kube_namespace, name) is None, 20, 0.2, "teardown")
    wait_until(lambda: state(kube, kube_namespace, missed) == "Ended", 10, 0.1, "missed: Ended")
    assert kube.read_deployment(kube_namespace, missed) is None
    # nobody ran the missed one: the operator told the API it ended
    missed_id = kube.read_liveevent(kube_namespace, missed)["spec"]["eventId"]
    ended = [e.data["event_id"] for e in callback_receiver.events("live.ended")]
    assert missed_id in ended and spec["eventId"] not in ended


@pytest.fixture
def operator_kubeconfig(live_crd) -> Path:
    if live_crd.kubectl("get", "namespace", "pod-v5", check=False).returncode != 0:
        live_crd.kubectl("create", "namespace", "pod-v5")
    live_crd.apply(RBAC)
    return live_crd.service_account_kubeconfig("pod-v5", "pod-v5-operator")


def test_manual_start_and_stop_with_the_operators_own_account(
    live_crd, operator_kubeconfig, run_operator, kube, kube_namespace, tmp_path,
    callback_receiver,
):  # fmt: skip
    operator, _ = live_operator(
        run_operator, callback_receiver, kubeconfig=operator_kubeconfig, use_main=True,
        node_selector=KWOK_NODE, tolerations=KWOK_TOLERATION,
    )  # fmt: skip
    name = make_event(live_crd, kube_namespace, tmp_path, start=-5, end=300, autoStart=False)
    wait_until(lambda: state(kube, kube_namespace, name) == "Scheduled", 15, 0.2, "Scheduled")
    # autoStart off: past its start, the timer waits (Scheduled), tick after tick
    ticks = timer_runs(operator)
    wait_until(lambda: timer_runs(operator) >= ticks + 2, 15, 0.2, "two more timer runs")
    assert kube.read_deployment(kube_namespace, name) is None
    kube.patch_liveevent(kube_namespace, name, {"spec": {"desiredState": "Started"}})
    wait_until(lambda: state(kube, kube_namespace, name) == "Live", 30, 0.2, "Live")
    assert kube.read_service(kube_namespace, name)
    kube.patch_liveevent(kube_namespace, name, {"spec": {"desiredState": "Stopped"}})
    wait_until(lambda: state(kube, kube_namespace, name) == "Ended", 15, 0.2, "Ended")
    wait_until(lambda: kube.read_deployment(kube_namespace, name) is None, 20, 0.2, "teardown")
    cr = kube.read_liveevent(kube_namespace, name)
    conditions = {c["type"]: c for c in cr["status"]["conditions"]}
    assert conditions["Ready"]["status"] == "False" and conditions["Failed"]["status"] == "False"
    assert cr["status"]["observedGeneration"] == cr["metadata"]["generation"]
    # the worker was ready (kwok): ending is its to report, the operator sent nothing
    assert not callback_receiver.events("live.ended")
    assert [e.type for e in callback_receiver.events()] == ["live.starting"]
    log = operator.log()
    assert not denied_requests(log), log[-5000:]
    # deleting the LiveEvent: kopf releases its finalizer
    live_crd.kubectl("delete", "le", name, "-n", kube_namespace, "--timeout=30s")
    assert kube.read_liveevent(kube_namespace, name) is None


def test_failures_are_reported_and_cleaned_up(
    live_crd, run_operator, kube, kube_namespace, tmp_path, callback_receiver
):
    # pods that can never be scheduled: the Deployment misses its progress deadline
    live_operator(
        run_operator, callback_receiver, node_selector=NOWHERE,
        live_progress_deadline_seconds=600,
    )  # fmt: skip
    stuck = make_event(live_crd, kube_namespace, tmp_path, start=-1, end=300)
    # end before start: the schema takes it, the operator's model does not
    invalid = make_event(live_crd, kube_namespace, tmp_path, start=60, end=30)
    wait_until(lambda: state(kube, kube_namespace, invalid) == "Failed", 15, 0.2, "InvalidSpec")
    cr = kube.read_liveevent(kube_namespace, invalid)
    failed = next(c for c in cr["status"]["conditions"] if c["type"] == "Failed")
    assert failed["status"] == "True" and failed["reason"] == "InvalidSpec"
    assert "end must be after start" in cr["status"]["message"]

    wait_until(lambda: state(kube, kube_namespace, stuck) == "Starting", 15, 0.2, "Starting")
    # the deadline comes when the test says (not racing the Starting state): shortened on
    # the Deployment, whose controller re-checks its progress on the update
    deployment = kube.read_deployment(kube_namespace, stuck)
    assert deployment["spec"]["progressDeadlineSeconds"] == 600  # the operator's setting
    kube._call(
        kube._apps.patch_namespaced_deployment, stuck, kube_namespace,
        {"spec": {"progressDeadlineSeconds": 1}},
    )  # fmt: skip
    wait_until(lambda: state(kube, kube_namespace, stuck) == "Failed", 60, 0.5, "Failed")
    cr = kube.read_liveevent(kube_namespace, stuck)
    failed = next(c for c in cr["status"]["conditions"] if c["type"] == "Failed")
    assert failed["reason"] == "ProgressDeadlineExceeded", cr["status"]
    wait_until(lambda: kube.read_deployment(kube_namespace, stuck) is None, 20, 0.2, "cleanup")
    assert kube.read_service(kube_namespace, stuck) is None
    reasons = {
        e.data["event_id"]: e.data["reason"] for e in callback_receiver.events("live.failed")
    }
    ids = {n: kube.read_liveevent(kube_namespace, n)["spec"]["eventId"] for n in (stuck, invalid)}
    assert reasons == {ids[stuck]: "worker_unavailable", ids[invalid]: "invalid_spec"}
