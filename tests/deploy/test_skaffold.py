"""skaffold.yaml: valid against skaffold's published JSON schema for its apiVersion
(``scripts/skaffold-schema.sh`` fetches it from the skaffold Go module; cached), each
artifact's ``target`` a stage of the Dockerfile, and every chart value it sets a value of
the chart that its schema accepts (``helm template`` with skaffold's values)."""

from __future__ import annotations

import copy
import re
import subprocess
from pathlib import Path

import jsonschema_rs
import pytest
import yaml

from tests.deploy.dockerfile import stages

REPO = Path(__file__).resolve().parents[2]
SKAFFOLD = yaml.safe_load((REPO / "skaffold.yaml").read_text())
VALUES = yaml.safe_load((REPO / "charts/pod-v5/values.yaml").read_text())
RELEASES = SKAFFOLD["deploy"]["helm"]["releases"]


@pytest.fixture(scope="module")
def schema() -> dict:
    import json

    result = subprocess.run(
        [str(REPO / "scripts/skaffold-schema.sh")], capture_output=True, text=True,
        timeout=600, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        pytest.skip(f"skaffold's schema unavailable: {result.stderr.strip()[-500:]}")
    path = Path(result.stdout.strip().splitlines()[-1])
    assert SKAFFOLD["apiVersion"] == f"skaffold/{path.stem}"
    return json.loads(path.read_text())


def test_valid_against_skaffolds_schema(schema):
    validator = jsonschema_rs.Draft7Validator(schema)
    errors = [f"{e.instance_path}: {e.message}" for e in validator.iter_errors(SKAFFOLD)]
    assert errors == []


def test_schema_rejects_what_skaffold_would(schema):
    """The same validation fails on a misspelt field (the schema is strict)."""
    validator = jsonschema_rs.Draft7Validator(schema)
    for path, key in ((["build", "artifacts", 0, "docker"], "targets"),
                      (["deploy", "helm", "releases", 0], "setValueTemplate")):  # fmt: skip
        bad = copy.deepcopy(SKAFFOLD)
        node = bad
        for part in path:
            node = node[part]
        node[key] = "x"
        assert not validator.is_valid(bad), key


def test_artifacts_are_dockerfile_targets():
    targets = set(stages())
    images = set()
    for artifact in SKAFFOLD["build"]["artifacts"]:
        docker = artifact["docker"]
        assert (REPO / artifact.get("context", ".") / docker["dockerfile"]).is_file()
        assert docker["target"] in targets, docker
        images.add(artifact["image"])
    assert {a["docker"]["target"] for a in SKAFFOLD["build"]["artifacts"]} == {
        "api", "operator", "worker",
    }  # fmt: skip
    # every built image reaches the chart through a setValueTemplates template
    templates = " ".join(RELEASES[0]["setValueTemplates"].values())
    for image in images:
        assert f".IMAGE_REPO_{re.sub(r'[^A-Za-z0-9]', '_', image)}" in templates, image


def dev_set_values() -> dict:
    (dev,) = [p for p in SKAFFOLD["profiles"] if p["name"] == "dev"]
    (patch,) = [p for p in dev["patches"] if p["path"].endswith("/setValues")]
    return patch["value"]


def test_value_keys_exist_in_the_chart():
    keys = [*RELEASES[0]["setValueTemplates"], *dev_set_values()]
    for key in keys:
        node = VALUES
        for part in key.split("."):
            assert isinstance(node, dict) and part in node, f"{key}: no {part!r} in values.yaml"
            node = node[part]
    assert RELEASES[0]["chartPath"] == "charts/pod-v5"
    assert (REPO / RELEASES[0]["chartPath"] / "Chart.yaml").is_file()


@pytest.mark.kube
def test_chart_accepts_skaffolds_values(control_plane):
    """``helm template`` with what skaffold would pass (templates filled in as skaffold
    would, then the dev profile's setValues), and the images land in the pods."""
    filled = {
        key: re.sub(r"\{\{\.IMAGE_(REPO|TAG)_(\w+)\}\}",
                    lambda m: f"registry.test/{m.group(2)}" if m.group(1) == "REPO" else "abc123",
                    template)
        for key, template in RELEASES[0]["setValueTemplates"].items()
    }  # fmt: skip
    args = ["template", "pod-v5", str(REPO / RELEASES[0]["chartPath"]), "-n", "pod-v5"]
    for key, value in {**filled, **dev_set_values()}.items():
        args += ["--set", f"{key}={value}"]
    docs = [d for d in yaml.safe_load_all(control_plane.helm(*args).stdout) if d]
    images = {
        d["metadata"]["name"]: d["spec"]["template"]["spec"]["containers"][0]["image"]
        for d in docs
        if d["kind"] == "Deployment"
    }
    assert images == {
        "pod-v5-api": "registry.test/pod_v5_api:abc123",
        "pod-v5-operator": "registry.test/pod_v5_operator:abc123",
    }
    (operator,) = [
        d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "pod-v5-operator"
    ]
    (container,) = operator["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["MEDIA_OPERATOR_ENCODER_IMAGE"] == "registry.test/pod_v5_worker:abc123"
    assert env["MEDIA_OPERATOR_IMAGE_PULL_POLICY"] == "Never"
    assert "--verbose" in container["args"]
    assert not [d for d in docs if d["kind"] == "PodDisruptionBudget"]
