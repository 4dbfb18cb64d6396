"""Live events with ``LIVE_BACKEND=kubernetes`` on a real control plane: the API
(Django's live server) keeps each event's LiveEvent resource and stream-key Secret in step
(create, update, rotate-key, start, stop, delete), the operator runs the real
``media-live`` in its pod (the pod runner) at the scheduled time, the worker's signed
callbacks move the event (live, on air, ended) and ``onAir`` shows in ``kubectl get le``;
an overlapping event is refused before anything reaches the cluster."""

from __future__ import annotations

import base64
import socket
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import yaml
from kubernetes import config as k8s_config

from api.core.kube import Kube as ApiKube
from api.live.backends import kubernetes as live_k8s
from api.live.models import LiveEvent
from podv5_operator.kube import Kube
from tests.api.live.test_live_stream import push
from tests.conftest import bearer
from tests.podv5_media.conftest import webhook_secret as _webhook_secret
from tests.podv5_operator.handlers import conftest as operator_fixtures

pytestmark = [pytest.mark.kube, pytest.mark.media]

# the operator's fixtures (a subprocess `kopf run`), shared with tests/podv5_operator
crd_installed = operator_fixtures.crd_installed
run_operator = operator_fixtures.run_operator
webhook_secret = _webhook_secret
wait_until = operator_fixtures.wait_until
LIVE_CRD = operator_fixtures.REPO / "charts/pod-v5/crds/liveevents.media.podv5.io.yaml"
CHART = operator_fixtures.REPO / "charts/pod-v5"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def kube_live_api(live_server, settings, transactional_db, crd_installed, kube_namespace,
                  monkeypatch):  # fmt: skip
    """The API with the kubernetes backend in the test's namespace, authenticated as a
    ServiceAccount holding exactly the chart's API Role (so a verb missing from
    charts/pod-v5/templates/rbac.yaml fails here)."""
    plane = crd_installed
    plane.kubectl(
        "apply", "--server-side", "--force-conflicts", "--field-manager=pod-v5-tests",
        "-f", str(LIVE_CRD),
    )  # fmt: skip
    plane.wait_crd_established("liveevents.media.podv5.io")
    settings.API_BASE_URL = live_server.url
    settings.ENCODING_BACKEND = settings.LIVE_BACKEND = "kubernetes"
    settings.ENCODING_NAMESPACE = kube_namespace
    settings.LIVE_RECONNECT_SECONDS = 0
    kubeconfig = _api_service_account(plane, kube_namespace)
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    monkeypatch.setattr(
        live_k8s, "_kube", ApiKube(k8s_config.new_client_from_config(config_file=str(kubeconfig)))
    )
    return live_server


def _api_service_account(plane, namespace: str):
    """A kubeconfig for ServiceAccount ``pod-v5-api`` in ``namespace``, bound to the API
    Role rendered from the chart (``helm template``), and nothing more."""
    rendered = plane.helm(
        "template", "pod-v5", str(CHART), "--namespace", namespace,
        "--show-only", "templates/rbac.yaml",
    ).stdout  # fmt: skip
    docs = [d for d in yaml.safe_load_all(rendered) if d]
    for doc in docs:
        if doc["kind"] in ("Role", "RoleBinding"):
            plane.apply(yaml.safe_dump(doc))
    return plane.service_account_kubeconfig(namespace, "pod-v5-api", create=True)


def _api(server, user) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"Authorization": bearer(user)}, timeout=30)


def _event(eid) -> LiveEvent:
    return LiveEvent.objects.get(pk=eid)


def test_resource_and_secret_follow_the_api_and_an_overlap_is_refused(
    kube_live_api, crd_installed, kube_namespace, user
):
    kube = Kube(crd_installed.api_client())
    http = _api(kube_live_api, user)
    now = datetime.now(UTC).replace(microsecond=0)
    start, end = now + timedelta(hours=1), now + timedelta(hours=2)
    created = http.post(
        "/api/v1/live/events",
        json={"title": "On k8s", "start": start.isoformat(), "end": end.isoformat(),
              "record": False, "ingest": "amphi-k"},
    )  # fmt: skip
    assert created.status_code in (200, 201), created.text
    eid = created.json()["data"]["id"]
    key = created.json()["data"]["ingest"]["stream_key"]
    name = f"le-{eid}"
    cr = kube.read_liveevent(kube_namespace, name)
    spec = cr["spec"]
    assert spec["eventId"] == eid and spec["desiredState"] == "Auto" and spec["autoStart"]
    assert datetime.fromisoformat(spec["start"]) == start and spec["record"] is False
    assert spec["streamKey"] == {"name": f"{name}-stream-key", "key": "stream-key"}
    assert key not in str(cr)  # the key is in the Secret only
    secret = kube._call(kube._core.read_namespaced_secret, f"{name}-stream-key", kube_namespace)
    assert base64.b64decode(secret["data"]["stream-key"]).decode() == key
    assert secret["metadata"]["ownerReferences"][0]["uid"] == cr["metadata"]["uid"]

    # an overlapping event on the same ingest point: 409, and no resource for it
    def names() -> list[str]:
        listing = crd_installed.kubectl("get", "le", "-n", kube_namespace, "-o", "name")
        return listing.stdout.split()

    before = len(names())
    clash = http.post(
        "/api/v1/live/events",
        json={"title": "Clash", "start": (start + timedelta(minutes=30)).isoformat(),
              "end": (end + timedelta(hours=1)).isoformat(), "ingest": "amphi-k"},
    )  # fmt: skip
    assert clash.status_code == 409 and clash.json()["errors"][0]["code"] == "ingest_busy"
    assert len(names()) == before == 1

    # update and rotate-key reach the cluster
    new_end = end + timedelta(minutes=30)
    patched = http.patch(f"/api/v1/live/events/{eid}", json={"end": new_end.isoformat()})
    assert patched.status_code == 200, patched.text
    assert datetime.fromisoformat(kube.read_liveevent(kube_namespace, name)["spec"]["end"]) == (
        new_end
    )
    rotated = http.post(f"/api/v1/live/events/{eid}/rotate-key").json()["data"]
    new_key = rotated["ingest"]["stream_key"]
    secret = kube._call(kube._core.read_namespaced_secret, f"{name}-stream-key", kube_namespace)
    assert new_key != key and base64.b64decode(secret["data"]["stream-key"]).decode() == new_key

    # stopping a scheduled event ends it here and tells the operator
    assert http.post(f"/api/v1/live/events/{eid}/stop").json()["data"]["state"] == "ended"
    assert kube.read_liveevent(kube_namespace, name)["spec"]["desiredState"] == "Stopped"

    # delete: the resource goes (kopf is not running here: its finalizer holds it)
    assert http.delete(f"/api/v1/live/events/{eid}").status_code in (200, 204)
    gone = kube.read_liveevent(kube_namespace, name)
    assert gone is None or gone["metadata"].get("deletionTimestamp")


def test_unreachable_cluster_refuses_with_503_and_keeps_nothing(
    kube_live_api, crd_installed, user, settings
):
    settings.ENCODING_NAMESPACE = "no-such-namespace-x"  # the apiserver answers 404
    http = _api(kube_live_api, user)
    now = datetime.now(UTC)
    response = http.post(
        "/api/v1/live/events",
        json={"title": "Nowhere", "start": (now + timedelta(hours=1)).isoformat(),
              "end": (now + timedelta(hours=2)).isoformat()},
    )  # fmt: skip
    assert response.status_code == 503
    assert response.json()["errors"][0]["code"] == "backend_unavailable"
    assert not LiveEvent.objects.filter(title="Nowhere").exists()


def test_scheduled_event_runs_on_kubernetes_on_air_then_stopped(
    kube_live_api, crd_installed, pod_runner, run_operator, kube_namespace, user, settings
):
    plane = crd_installed
    kube = Kube(plane.api_client())
    operator_fixtures.callback_secret(plane, kube_namespace, settings.CALLBACK_SIGNING_SECRET)
    port = _free_port()
    run_operator(
        signing_secret=settings.CALLBACK_SIGNING_SECRET,
        live_timer_interval=1,
        live_ingest_port=port,
        live_health_port=_free_port(),
        live_termination_grace_seconds=20,
    )
    http = _api(kube_live_api, user)
    now = datetime.now(UTC)
    created = http.post(
        "/api/v1/live/events",
        json={"title": "Scheduled on k8s", "start": (now + timedelta(seconds=4)).isoformat(),
              "end": (now + timedelta(minutes=10)).isoformat(), "record": False},
    ).json()["data"]  # fmt: skip
    eid, key, name = created["id"], created["ingest"]["stream_key"], f"le-{created['id']}"
    assert _event(eid).state == "scheduled"
    # at the start the operator makes the Deployment; the worker reports: live
    try:
        wait_until(lambda: _event(eid).state == "live", 60, 0.2, "the event to be live")
    except AssertionError:
        logs = {p: pod_runner.log(kube_namespace, p.split("/")[1]) for p in pod_runner.processes()}
        raise AssertionError(f"not live; worker pods: {logs}") from None
    assert kube.read_deployment(kube_namespace, name) and kube.read_service(kube_namespace, name)

    pusher = push(f"rtmp://127.0.0.1:{port}/live/{key}", 6)
    wait_until(lambda: _event(eid).on_air, 20, 0.2, "on air")

    def column(value: str):
        out = plane.kubectl("get", "le", name, "-n", kube_namespace, "--no-headers").stdout
        return out.split()[1:3] == ["Live", value]

    wait_until(lambda: column("true"), 10, 0.2, "OnAir true in kubectl get le")
    assert pusher.wait(timeout=30) == 0, pusher.stderr.read()
    wait_until(lambda: not _event(eid).on_air, 15, 0.2, "off air")
    wait_until(lambda: column("false"), 10, 0.2, "OnAir false in kubectl get le")

    # stop: the operator tears the worker down, the worker ends the event itself
    assert http.post(f"/api/v1/live/events/{eid}/stop").status_code == 200
    wait_until(lambda: _event(eid).state == "ended", 40, 0.2, "the event to end")
    wait_until(lambda: kube.read_deployment(kube_namespace, name) is None, 30, 0.2, "teardown")
    assert (kube.read_liveevent(kube_namespace, name)["status"]["state"]) == "Ended"
    time.sleep(0.5)
    assert _event(eid).error_code == ""
