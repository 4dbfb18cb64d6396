"""What the chart renders for observability: the metrics ports (never the public port),
the multiprocess folder of the API's gunicorn workers on an emptyDir, the scrape
annotations, JSON logs for the API, the operator and the encoder pods."""

from __future__ import annotations

import subprocess

import pytest

from podv5_operator.config import OperatorConfig
from tests.charts.test_chart import PRODUCTION, env_of, objects, one, render

pytestmark = pytest.mark.kube


def workloads(docs: list[dict]) -> tuple[dict, dict, dict]:
    api = one(docs, "Deployment", "pod-v5-api")
    operator = one(docs, "Deployment", "pod-v5-operator")
    return api, operator, one(docs, "Service", "pod-v5-api")


@pytest.mark.parametrize("values", [None, PRODUCTION], ids=["default", "production"])
def test_metrics_ports_and_json_logs(control_plane, values, monkeypatch):
    api, operator, service = workloads(objects(render(control_plane, values)))
    pod = api["spec"]["template"]
    (container,) = pod["spec"]["containers"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports["metrics"] == 9100 and ports["http"] != 9100
    assert "--config=python:api.gunicorn_conf" in container["args"]
    env = env_of(container)
    assert env["LOG_FORMAT"] == "json" and env["METRICS_PORT"] == "9100"
    mount = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volume = {v["name"]: v for v in pod["spec"]["volumes"]}[mount[env["PROMETHEUS_MULTIPROC_DIR"]]]
    assert "sizeLimit" in volume["emptyDir"]
    annotations = pod["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == "9100"
    assert [p["name"] for p in service["spec"]["ports"]] == ["http"]  # metrics: not by default

    (op,) = operator["spec"]["template"]["spec"]["containers"]
    assert {p["name"]: p["containerPort"] for p in op["ports"]}["metrics"] == 9100
    assert "--log-format=json" in op["args"]
    assert operator["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"] == "9100"
    for key, value in env_of(op).items():
        if key.startswith("MEDIA_OPERATOR_"):
            monkeypatch.setenv(key, value)
    config = OperatorConfig()
    assert config.metrics_port == 9100 and config.worker_log_format == "json"


def test_metrics_on_the_service_or_off(control_plane):
    _, _, service = workloads(
        objects(render(control_plane, None, "pod-v5", "--set",
                       "observability.metrics.servicePort=true"))
    )  # fmt: skip
    ports = {p["name"]: p for p in service["spec"]["ports"]}
    assert ports["metrics"]["targetPort"] == "metrics" and ports["metrics"]["port"] == 9100

    off = ["--set", "observability.metrics.enabled=false", "--set", "observability.logFormat=text"]
    api, operator, _ = workloads(objects(render(control_plane, None, "pod-v5", *off)))
    (container,) = api["spec"]["template"]["spec"]["containers"]
    assert [p["name"] for p in container["ports"]] == ["http"]
    assert "METRICS_PORT" not in env_of(container) and env_of(container)["LOG_FORMAT"] == "text"
    (op,) = operator["spec"]["template"]["spec"]["containers"]
    assert "MEDIA_OPERATOR_METRICS_PORT" not in env_of(op)
    assert "--log-format=plain" in op["args"]


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("observability.metrics.apiPort=8000", "must differ from api.port"),
        ("observability.metrics.operatorPort=8080", "must differ from operator.healthPort"),
        ("observability.logFormat=xml", "logFormat"),
        ("observability.metrics.apiPort=0", "apiPort"),
    ],
)
def test_bad_observability_values_are_refused(control_plane, setting, message):
    with pytest.raises(subprocess.CalledProcessError) as failed:
        render(control_plane, None, "pod-v5", "--set", setting)
    assert message in (failed.value.stderr or "")
