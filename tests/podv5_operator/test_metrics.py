"""The operator's Prometheus metrics, scraped over HTTP from its metrics server while the
real handler code runs: the notify handler against a real signed-callback receiver (that
refuses, or is unreachable), the create handler on a finished EncodingJob, and the
EncodingJob event handler that keeps the jobs-by-phase gauge."""

from __future__ import annotations

import logging
import socket

import httpx
import kopf
import pytest
from prometheus_client.parser import text_string_to_metric_families

from podv5_operator import metrics
from podv5_operator.config import OperatorConfig
from podv5_operator.handlers.encodingjobs import count_phase, reconcile
from podv5_operator.handlers.notify import phase_changed

SPEC = {
    "jobId": "6f1d2c3b-0000-4000-8000-000000000001",
    "videoId": "6f1d2c3b-0000-4000-8000-000000000002",
}
LOG = logging.getLogger("test")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def metrics_url():
    port = free_port()
    metrics.start_metrics_server(port, addr="127.0.0.1")
    # the operator's startup handler calls it too: a second call keeps the first server
    server, _ = metrics.start_metrics_server(free_port(), addr="127.0.0.1")
    assert server.server_address[1] == port
    return f"http://127.0.0.1:{port}/metrics"


def scrape(url: str) -> dict:
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def memo_for(url: str, secret: str) -> kopf.Memo:
    return kopf.Memo(config=OperatorConfig(api_callback_url=url, callback_signing_secret=secret))


def test_refused_and_undelivered_callbacks_are_counted(
    metrics_url, callback_receiver, webhook_secret
):
    before = scrape(metrics_url)
    callback_receiver.statuses = [404]  # the API refuses: final
    with pytest.raises(kopf.PermanentError):
        phase_changed(
            new="Running", spec=SPEC, status={}, retry=0,
            memo=memo_for(callback_receiver.url, webhook_secret), logger=LOG,
        )  # fmt: skip
    closed = f"http://127.0.0.1:{free_port()}/api/v1/internal/callbacks"  # nobody listens
    with pytest.raises(kopf.TemporaryError):
        phase_changed(
            new="Failed", spec=SPEC, status={"message": "OOMKilled"}, retry=0,
            memo=memo_for(closed, webhook_secret), logger=LOG,
        )  # fmt: skip
    callback_receiver.statuses = [200]
    phase_changed(
        new="Running", spec=SPEC, status={}, retry=0,
        memo=memo_for(callback_receiver.url, webhook_secret), logger=LOG,
    )  # fmt: skip
    after = scrape(metrics_url)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    failures = "podv5_operator_callback_failures_total"
    assert delta(failures, type="encoding.running", reason="rejected") == 1
    assert delta(failures, type="encoding.failed", reason="undelivered") == 1
    assert delta(failures, type="encoding.running", reason="undelivered") == 0
    runs = "podv5_operator_reconciles_total"
    handler = {"kind": "EncodingJob", "handler": "phase_changed"}
    assert delta(runs, **handler, outcome="failed") == 1
    assert delta(runs, **handler, outcome="retry") == 1
    assert delta(runs, **handler, outcome="ok") == 1
    assert len(callback_receiver.requests) == 2 and callback_receiver.requests[1].verified


def test_a_reconcile_of_a_finished_job_counts_ok(metrics_url):
    before = scrape(metrics_url)
    reconcile(
        body={"metadata": {"name": "ej", "namespace": "media"}, "spec": SPEC},
        status={"phase": "Succeeded"}, uid="u-1", patch=kopf.Patch(),
        memo=kopf.Memo(), logger=LOG,
    )  # fmt: skip
    after = scrape(metrics_url)
    labels = {"kind": "EncodingJob", "handler": "reconcile", "outcome": "ok"}
    name = "podv5_operator_reconciles_total"
    assert value(after, name, **labels) - value(before, name, **labels) == 1


def test_encodingjobs_by_phase(metrics_url):
    def phases() -> dict[str, float]:
        samples = scrape(metrics_url)
        return {
            phase: value(samples, "podv5_operator_encodingjobs", phase=phase)
            for phase in metrics.PHASES
        }

    start = phases()
    count_phase(type=None, uid="a", status={})  # seen in the listing, no status yet
    count_phase(type="ADDED", uid="b", status={"phase": "Running"})
    count_phase(type="MODIFIED", uid="c", status={"phase": "Running"})
    count_phase(type="MODIFIED", uid="c", status={"phase": "Succeeded"})  # moves on
    now = phases()
    assert now["Pending"] - start["Pending"] == 1
    assert now["Running"] - start["Running"] == 1
    assert now["Succeeded"] - start["Succeeded"] == 1
    assert now["Failed"] == start["Failed"]
    for uid in "abc":
        count_phase(type="DELETED", uid=uid, status={})
    assert phases() == start


def test_the_port_comes_from_the_typed_config(monkeypatch):
    monkeypatch.setenv("MEDIA_OPERATOR_METRICS_PORT", "9100")
    assert OperatorConfig().metrics_port == 9100
    monkeypatch.setenv("MEDIA_OPERATOR_METRICS_PORT", "70000")
    with pytest.raises(ValueError, match="metrics_port"):
        OperatorConfig()
    monkeypatch.delenv("MEDIA_OPERATOR_METRICS_PORT")
    assert OperatorConfig().metrics_port is None
