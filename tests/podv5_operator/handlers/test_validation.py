"""The real apiserver validates EncodingJobs with the CRD's schema and CEL rules: malformed
ones are refused with the messages the CRD declares (no operator involved)."""

from __future__ import annotations

import json

import pytest

from tests.podv5_operator.handlers.conftest import a_spec, encodingjob

pytestmark = pytest.mark.kube


def create(control_plane, body: dict, *, check: bool = False):
    return control_plane.kubectl("create", "-f", "-", input=json.dumps(body), check=check)


def test_bad_source_scheme_is_refused(crd_installed, kube_namespace, tmp_path):
    body = encodingjob("bad-source", kube_namespace, a_spec(tmp_path, source="http://x/y.mp4"))
    result = create(crd_installed, body)
    assert result.returncode != 0
    assert "spec.source: Invalid value" in result.stderr
    assert "source must be a file:// or s3:// URI" in result.stderr


def test_empty_ladder_is_refused(crd_installed, kube_namespace, tmp_path):
    body = encodingjob("empty-ladder", kube_namespace, a_spec(tmp_path, ladder=[]))
    result = create(crd_installed, body)
    assert result.returncode != 0
    assert "spec.ladder" in result.stderr and "should have at least 1 items" in result.stderr


def test_duplicate_heights_are_refused(crd_installed, kube_namespace, tmp_path):
    rung = {"name": "a", "height": 240, "videoKbps": 400, "audioKbps": 64}
    body = encodingjob(
        "dup", kube_namespace, a_spec(tmp_path, ladder=[rung, {**rung, "name": "b"}])
    )
    result = create(crd_installed, body)
    assert result.returncode != 0 and "ladder heights must be unique" in result.stderr


def test_spec_is_immutable_status_is_not(crd_installed, kube_namespace, tmp_path):
    body = encodingjob("immutable", kube_namespace, a_spec(tmp_path))
    create(crd_installed, body, check=True)
    patch = json.dumps({"spec": {"segmentDuration": 6}})
    result = crd_installed.kubectl(
        "patch", "ej", "immutable", "-n", kube_namespace, "--type=merge", "-p", patch,
        check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "spec is immutable: create a new EncodingJob" in result.stderr
    # metadata and the status subresource can still change
    crd_installed.kubectl("label", "ej", "immutable", "-n", kube_namespace, "team=media")
    crd_installed.kubectl(
        "patch", "ej", "immutable", "-n", kube_namespace, "--subresource=status",
        "--type=merge", "-p", json.dumps({"status": {"phase": "Pending"}}),
    )  # fmt: skip
    status = crd_installed.kubectl(
        "get", "ej", "immutable", "-n", kube_namespace, "-o", "jsonpath={.status.phase}"
    )
    assert status.stdout == "Pending"
