"""The Helm chart ``charts/pod-v5``: ``helm lint --strict``, what ``helm template`` renders
for the default values and for a production-like values file, and a server-side dry-run
apply of those manifests (CRDs included) so a real kube-apiserver validates every object.

helm and kubectl are the binaries of the test control plane (``tests/kube``)."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from podv5_operator.config import LiveConfig, OperatorConfig

pytestmark = pytest.mark.kube

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "charts/pod-v5"
PRODUCTION = Path(__file__).with_name("values-production.yaml")
OPERATOR_RBAC = CHART / "rbac/operator-rbac.yaml"
VALUES = {"default": None, "production": PRODUCTION}
WORKLOADS = {"Deployment", "Job"}
PROBES = ("startupProbe", "livenessProbe", "readinessProbe")


def render(control_plane, values: Path | None, namespace: str = "pod-v5", *extra: str) -> str:
    args = ["template", "pod-v5", str(CHART), "--namespace", namespace, *extra]
    if values is not None:
        args += ["--values", str(values)]
    return control_plane.helm(*args).stdout


def objects(text: str) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(text) if doc]


def by_kind(docs: list[dict], kind: str) -> list[dict]:
    return [doc for doc in docs if doc["kind"] == kind]


def one(docs: list[dict], kind: str, name: str) -> dict:
    (found,) = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    return found


def env_of(container: dict) -> dict[str, dict | str]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


@pytest.fixture(scope="module", params=sorted(VALUES))
def rendered(request, control_plane) -> tuple[str, list[dict]]:
    return request.param, objects(render(control_plane, VALUES[request.param]))


@pytest.mark.parametrize("values", sorted(VALUES))
def test_helm_lint_strict(control_plane, values):
    args = ["lint", "--strict", str(CHART)]
    if VALUES[values] is not None:
        args += ["--values", str(VALUES[values])]
    result = control_plane.helm(*args)
    assert "0 chart(s) failed" in result.stdout, result.stdout


def test_schema_is_strict(control_plane):
    for bad in (
        "bogus=1",
        "api.bogus=1",
        "api.resources.requests.gpu=1",
        "operator.config.x=1",
        "operator.config.live.x=1",
    ):
        result = control_plane.helm("template", "pod-v5", str(CHART), "--set", bad, check=False)
        assert result.returncode != 0 and "not allowed" in result.stderr, (bad, result.stderr)


def test_kinds(rendered):
    name, docs = rendered
    kinds = {doc["kind"] for doc in docs}
    expected = {
        "ServiceAccount", "ConfigMap", "ClusterRole", "ClusterRoleBinding", "Role",
        "RoleBinding", "Service", "Deployment", "Job", "PodDisruptionBudget",
    }  # fmt: skip
    assert expected <= kinds
    if name == "production":
        assert {"Ingress", "HorizontalPodAutoscaler"} <= kinds and "Secret" not in kinds
    else:
        assert "Ingress" not in kinds and "HorizontalPodAutoscaler" not in kinds
        assert {s["metadata"]["name"] for s in by_kind(docs, "Secret")} == {
            "pod-v5-django",
            "pod-v5-callback",
        }
    assert {d["metadata"]["name"] for d in by_kind(docs, "Deployment")} == {
        "pod-v5-api",
        "pod-v5-operator",
    }
    for doc in docs:  # namespaced objects go to the release namespace
        if doc["kind"] not in {"ClusterRole", "ClusterRoleBinding"}:
            assert doc["metadata"]["namespace"] == "pod-v5", doc["metadata"]
        assert doc["metadata"]["labels"]["app.kubernetes.io/part-of"] == "pod-v5"


def test_pods_non_root_read_only_with_resources_and_probes(rendered):
    _, docs = rendered
    workloads = [doc for doc in docs if doc["kind"] in WORKLOADS]
    assert len(workloads) == 3
    for workload in workloads:
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] > 0
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert "emptyDir" in volumes["tmp"]
        for container in pod["containers"]:
            where = (workload["metadata"]["name"], container["name"])
            context = container["securityContext"]
            assert context["runAsNonRoot"] is True, where
            assert context["readOnlyRootFilesystem"] is True, where
            assert context["allowPrivilegeEscalation"] is False, where
            assert context["capabilities"]["drop"] == ["ALL"], where
            assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"], where
            assert container["resources"]["requests"]["cpu"], where
            assert container["resources"]["requests"]["memory"], where
            assert container["resources"]["limits"]["memory"], where
            if workload["kind"] == "Deployment":
                assert container["livenessProbe"] and container["readinessProbe"], where


def test_migration_hook(rendered):
    _, docs = rendered
    (job,) = by_kind(docs, "Job")
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert "before-hook-creation" in annotations["helm.sh/hook-delete-policy"]
    pod = job["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["command"] == ["python", "-m", "django", "migrate", "--noinput"]
    assert pod["restartPolicy"] == "Never" and pod["automountServiceAccountToken"] is False
    env = env_of(container)
    assert env["ENCODING_BACKEND"] == "kubernetes" and "DATABASE_URL" in env
    for secret in by_kind(docs, "Secret"):  # the hook's secrets exist before it runs
        secret_annotations = secret["metadata"]["annotations"]
        assert secret_annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
        assert int(secret_annotations["helm.sh/hook-weight"]) < int(
            annotations["helm.sh/hook-weight"]
        )


def test_rbac(rendered):
    _, docs = rendered
    rbac_file = {d["kind"]: d for d in objects(OPERATOR_RBAC.read_text())}
    role = one(docs, "ClusterRole", "pod-v5-operator")
    assert role["rules"] == rbac_file["ClusterRole"]["rules"]  # exactly the file's verbs
    binding = one(docs, "ClusterRoleBinding", "pod-v5-operator")
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "pod-v5-operator", "namespace": "pod-v5"}
    ]
    api_role = one(docs, "Role", "pod-v5-api")
    assert api_role["rules"] == [
        {
            "apiGroups": ["media.podv5.io"],
            "resources": ["encodingjobs"],
            "verbs": ["create", "get", "delete"],
        },
        {
            "apiGroups": ["media.podv5.io"],
            "resources": ["liveevents"],
            "verbs": ["create", "get", "patch", "delete"],
        },
        {"apiGroups": ["media.podv5.io"], "resources": ["liveevents/status"], "verbs": ["patch"]},
        {"apiGroups": [""], "resources": ["secrets"], "verbs": ["create", "patch"]},
    ]
    assert one(docs, "RoleBinding", "pod-v5-api")["subjects"][0]["name"] == "pod-v5-api"
    encoder = one(docs, "ServiceAccount", "pod-v5-encoder")
    assert encoder["automountServiceAccountToken"] is False
    bound = {s["name"] for d in docs if d["kind"].endswith("Binding") for s in d["subjects"]}
    assert "pod-v5-encoder" not in bound  # no permissions at all


def test_operator_settings(rendered, monkeypatch):
    name, docs = rendered
    operator = one(docs, "Deployment", "pod-v5-operator")
    (container,) = operator["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["media-operator"]
    assert "--liveness=http://0.0.0.0:8080/healthz" in container["args"]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}
    env = env_of(container)
    callback_secret = "pod-v5-callback-prod" if name == "production" else "pod-v5-callback"
    assert env["CALLBACK_SIGNING_SECRET"]["secretKeyRef"]["name"] == callback_secret
    settings = {k: v for k, v in env.items() if k.startswith("MEDIA_OPERATOR_")}
    for key in settings:  # every variable is a real field (the config ignores unknown ones)
        field = key.removeprefix("MEDIA_OPERATOR_").lower()
        live = field.startswith("live_") and field.removeprefix("live_") in LiveConfig.model_fields
        assert field in OperatorConfig.model_fields or live, key
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    config = OperatorConfig()
    assert config.namespaces == ["pod-v5"]
    assert config.service_account_name == "pod-v5-encoder"
    assert config.callback_secret_name == callback_secret
    assert config.callback_secret_key == "callback-signing-secret"
    if name == "production":
        assert config.media_volume_claim == "pod-v5-media"
        assert config.tolerations == [
            {"key": "encode", "operator": "Exists", "effect": "NoSchedule"}
        ]
        assert config.node_selector == {"pool": "encode"}
        assert config.image_pull_secrets == ["registry-credentials"]
        assert (config.memory_limit, config.worker_limit) == ("8Gi", 50)
    else:  # the operator's own defaults otherwise
        assert config.media_volume_claim is None and config.tolerations == []
        assert config.encoder_image == OperatorConfig.model_fields["encoder_image"].default


# A value, different from the operator's default, for every field of the operator's config
# (``live``: its LiveConfig's): set through operator.config.<camelCase> (.live.<camelCase>).
OPERATOR_SAMPLES = {
    "namespaces": ["media-a", "media-b"],
    "encoder_image": "registry.example.org/pod-v5/worker:2.0",
    "image_pull_policy": "Always",
    "image_pull_secrets": ["registry-a", "registry-b"],
    "active_deadline_seconds": 2592000,  # 30 days: no 2.592e+06 in the env
    "backoff_limit": 5,
    "ttl_seconds_after_finished": 600,
    "cpu_request": "500m",
    "cpu_limit": "3",
    "memory_request": "512Mi",
    "memory_limit": "6Gi",
    "scratch_size_limit": "40Gi",
    "scratch_mount_path": "/work",
    "run_as_user": 20001,
    "run_as_group": 20002,
    "fs_group": 20003,
    "worker_env_secret": "worker-env",
    "node_selector": {"pool": "encode"},
    "tolerations": [{"key": "encode", "operator": "Exists", "effect": "NoSchedule"}],
    "termination_grace_seconds": 45,
    "api_callback_url": "https://pod.example.org/api/v1/callbacks/operator",
    "callback_timeout": 5.5,
    "callback_retry_delay": 1.5,
    "callback_retry_max_delay": 120.0,
    "cancel_timeout": 900.0,
    "worker_limit": 20,
    "handler_threads": 8,
    "posting_level": "WARNING",
    "watch_server_timeout": 600,
    "watch_client_timeout": 630.5,
    "api_request_timeout": 15.0,
    "peering_name": "pod-v5",
}
LIVE_SAMPLES = {
    "ingest_port": 1936,
    "health_port": 8082,
    "service_type": "LoadBalancer",
    "termination_grace_seconds": 300,
    "progress_deadline_seconds": 600,
    "cpu_request": "500m",
    "cpu_limit": "4",
    "memory_request": "512Mi",
    "memory_limit": "2Gi",
    "timer_interval": 0.5,
}
# the fields the chart sets from its other values: (values path, value)
FROM_CHART_VALUES = {
    "service_account_name": ("encoder.serviceAccount.name", "media-encoder"),
    "callback_secret_name": ("callback.secretName", "media-callback"),
    "callback_secret_key": ("callback.secretKey", "signing-key"),
    "callback_signing_secret": ("callback.signingSecret", "whsec_c2VjcmV0LXNlY3JldA=="),
    "media_volume_claim": ("media.existingClaim", "media-claim"),
    "media_mount_path": ("media.mountPath", "/srv/media"),
    "worker_log_format": ("observability.logFormat", "text"),
    "metrics_port": ("observability.metrics.operatorPort", 9200),
}


def camel(field: str) -> str:
    first, *rest = field.split("_")
    return first + "".join(part.capitalize() for part in rest)


def plain(value):
    """A config value as the chart's values give it (URLs and secrets as text)."""
    if hasattr(value, "get_secret_value"):
        return value.get_secret_value()
    if hasattr(value, "unicode_string"):
        return value.unicode_string()
    return value


def test_every_operator_setting_can_be_set_through_the_chart(control_plane, tmp_path, monkeypatch):
    """Each field of OperatorConfig (and of its live LiveConfig) set in the chart's values
    reaches the operator's env under its MEDIA_OPERATOR_* name and parses back to it."""
    fields = set(OperatorConfig.model_fields) - {"live"}
    missing = fields - set(OPERATOR_SAMPLES) - set(FROM_CHART_VALUES)
    assert not missing, f"settings with no chart value: {sorted(missing)}"
    assert not set(LiveConfig.model_fields) - set(LIVE_SAMPLES)
    values: dict = {"operator": {"config": {camel(f): v for f, v in OPERATOR_SAMPLES.items()}}}
    values["operator"]["config"]["live"] = {camel(f): v for f, v in LIVE_SAMPLES.items()}
    for path, value in FROM_CHART_VALUES.values():
        *parents, leaf = path.split(".")
        node = values
        for parent in parents:
            node = node.setdefault(parent, {})
        node[leaf] = value
    values_file = tmp_path / "values.yaml"
    values_file.write_text(yaml.safe_dump(values))
    docs = objects(render(control_plane, values_file))
    (container,) = one(docs, "Deployment", "pod-v5-operator")["spec"]["template"]["spec"][
        "containers"
    ]
    secrets = {d["metadata"]["name"]: d["data"] for d in by_kind(docs, "Secret")}
    env = {}
    for name, value in env_of(container).items():
        if isinstance(value, dict):  # a secretKeyRef to a Secret of the chart
            ref = value["secretKeyRef"]
            value = base64.b64decode(secrets[ref["name"]][ref["key"]]).decode()
        env[name] = value
    for name in list(os.environ):
        if name.startswith("MEDIA_OPERATOR_") or name == "CALLBACK_SIGNING_SECRET":
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config = OperatorConfig()

    for field, info in OperatorConfig.model_fields.items():
        if field == "live":
            continue
        if field in FROM_CHART_VALUES:
            expected = FROM_CHART_VALUES[field][1]
        else:
            expected = OPERATOR_SAMPLES[field]
        assert expected != plain(info.get_default(call_default_factory=True)), field
        names = [f"MEDIA_OPERATOR_{field.upper()}"]
        if info.validation_alias is not None:
            names = list(info.validation_alias.choices)
        assert any(name in env for name in names), (field, names)
        assert plain(getattr(config, field)) == expected, field
    for field, info in LiveConfig.model_fields.items():
        assert LIVE_SAMPLES[field] != info.default, field
        assert f"MEDIA_OPERATOR_LIVE_{field.upper()}" in env, field
        assert getattr(config.live, field) == LIVE_SAMPLES[field], field
    assert env["MEDIA_OPERATOR_LIVE_SERVICE_TYPE"] == "LoadBalancer"
    assert env["MEDIA_OPERATOR_ACTIVE_DEADLINE_SECONDS"] == "2592000"


def test_api_settings(rendered):
    name, docs = rendered
    data = one(docs, "ConfigMap", "pod-v5-api")["data"]
    assert data["ENCODING_BACKEND"] == "kubernetes" and data["ENCODING_NAMESPACE"] == "pod-v5"
    assert data["LIVE_BACKEND"] == "kubernetes"
    assert data["DEBUG"] == "0"
    hosts = data["ALLOWED_HOSTS"].split(",")
    assert "pod-v5-api.pod-v5.svc" in hosts
    assert data["DJANGO_SETTINGS_MODULE"] == "api.settings"
    api = one(docs, "Deployment", "pod-v5-api")
    (container,) = api["spec"]["template"]["spec"]["containers"]
    probes = {kind: container[kind]["httpGet"] for kind in PROBES}
    assert probes == {
        "startupProbe": {"path": "/healthz", "port": "http"},
        "livenessProbe": {"path": "/healthz", "port": "http"},
        "readinessProbe": {"path": "/readyz", "port": "http"},
    }
    if name == "production":
        assert "pod.univ.example" in hosts
        assert data["MEDIA_ACCEL_REDIRECT"] == "/_protected_media/"
        assert data["MEDIA_SERVE"] == "0" and data["JWT_ACCESS_MINUTES"] == "10"
        assert "replicas" not in api["spec"]  # the HPA owns it
        ingress = one(docs, "Ingress", "pod-v5-api")
        snippet = ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/server-snippet"]
        assert "location /_protected_media/ {" in snippet and "internal;" in snippet
        assert ingress["spec"]["tls"] == [
            {"hosts": ["pod.univ.example"], "secretName": "pod-v5-tls"}
        ]
        hpa = one(docs, "HorizontalPodAutoscaler", "pod-v5-api")
        assert hpa["spec"]["scaleTargetRef"]["name"] == "pod-v5-api"
        volumes = {v["name"]: v for v in api["spec"]["template"]["spec"]["volumes"]}
        assert volumes["media"]["persistentVolumeClaim"]["claimName"] == "pod-v5-media"
    else:
        assert "MEDIA_ACCEL_REDIRECT" not in data and api["spec"]["replicas"] == 1


def test_event_streams_behind_the_ingress(rendered):
    """SSE: the heartbeat the API sends and the read timeout the Ingress waits, set
    together (the heartbeat below the timeout), and the per-pod stream cap."""
    name, docs = rendered
    data = one(docs, "ConfigMap", "pod-v5-api")["data"]
    assert data["SSE_HEARTBEAT_SECONDS"] == "15" and data["SSE_MAX_STREAMS"] == "500"
    if name == "production":
        annotations = one(docs, "Ingress", "pod-v5-api")["metadata"]["annotations"]
        assert annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"] == "60"


PROXY_TLS = (
    "TRUSTED_PROXY_CIDRS",
    "TRUSTED_PROXY_HOPS",
    "PUBLIC_BASE_URL",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
)


def test_behind_the_ingress_client_addresses_and_https_work(rendered, tmp_path):
    """With the Ingress (TLS), the API trusts it as its one proxy, gives https URLs of the
    ingress host and secure cookies; the rendered values are valid Django settings."""
    name, docs = rendered
    data = one(docs, "ConfigMap", "pod-v5-api")["data"]
    if name != "production":  # no Ingress: trust nobody, no TLS settings
        assert not set(PROXY_TLS) & set(data)
        return
    assert {key: data[key] for key in PROXY_TLS} == {
        "TRUSTED_PROXY_CIDRS": "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7",
        "TRUSTED_PROXY_HOPS": "1",
        "PUBLIC_BASE_URL": "https://pod.univ.example",
        "SESSION_COOKIE_SECURE": "1",
        "CSRF_COOKIE_SECURE": "1",
        "SECURE_HSTS_SECONDS": "31536000",
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update({key: data[key] for key in PROXY_TLS}, DEBUG="1", POD_VAR_DIR=str(tmp_path))
    env.update(DJANGO_SETTINGS_MODULE="api.settings")
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_PROXY_SSL_HEADER, s.TRUSTED_PROXY_HOPS, s.SESSION_COOKIE_SECURE)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https') 1 True"


def test_proxy_values_are_checked(control_plane):
    for bad in (
        "ingress.trustedProxy.cidrs={ingress-nginx}",
        "ingress.trustedProxy.hops=-1",
        "api.config.publicBaseUrl=https://pod.example.org/path",
        # a heartbeat nginx would not wait for: idle event streams cut
        "ingress.eventStreams.heartbeatSeconds=60",
        "ingress.eventStreams.proxyReadTimeout=0",
    ):
        result = control_plane.helm("template", "pod-v5", str(CHART), "--set", bad, check=False)
        assert result.returncode != 0, (bad, result.stdout[-200:])


@pytest.mark.parametrize("values", sorted(VALUES))
def test_server_side_dry_run(control_plane, kube_namespace, values):
    """A real apiserver validates every rendered object (CRDs first, then the rest)."""
    text = render(control_plane, VALUES[values], kube_namespace, "--include-crds")
    docs = objects(text)
    assert docs[0]["kind"] == "CustomResourceDefinition"
    result = control_plane.kubectl(
        "apply", "--dry-run=server", "--server-side", "--field-manager=pod-v5-chart-tests",
        "--force-conflicts", "-n", kube_namespace, "-f", "-", input=text,
    )  # fmt: skip
    applied = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(applied) == len(docs), result.stdout
    assert all("(server dry run)" in line for line in applied), result.stdout


S3_SET = (
    "storage.backend=s3,storage.s3.bucket=pod-media,storage.s3.endpointUrl=http://minio:9000,"
    "storage.s3.region=us-east-1,storage.s3.accessKeyId=AKIA1,storage.s3.secretAccessKey=sk1"
)


def test_s3_storage(control_plane, monkeypatch):
    """storage.backend=s3: the API's settings, and one Secret of env-named keys that the
    API (envFrom) and the encode pods (the operator's workerEnvSecret) both get."""
    docs = objects(render(control_plane, None, "pod-v5", "--set", S3_SET))
    data = one(docs, "ConfigMap", "pod-v5-api")["data"]
    assert data["STORAGE_BACKEND"] == "s3" and data["S3_BUCKET"] == "pod-media"
    assert data["S3_ENDPOINT_URL"] == "http://minio:9000" and data["S3_REGION"] == "us-east-1"
    secret = one(docs, "Secret", "pod-v5-s3")
    assert secret["stringData"] == {
        "S3_BUCKET": "pod-media", "S3_ENDPOINT_URL": "http://minio:9000",
        "S3_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKIA1", "AWS_SECRET_ACCESS_KEY": "sk1",
    }  # fmt: skip
    (api,) = one(docs, "Deployment", "pod-v5-api")["spec"]["template"]["spec"]["containers"]
    assert {"secretRef": {"name": "pod-v5-s3"}} in api["envFrom"]
    (operator,) = one(docs, "Deployment", "pod-v5-operator")["spec"]["template"]["spec"][
        "containers"
    ]
    for key, value in env_of(operator).items():
        if key.startswith("MEDIA_OPERATOR_"):
            monkeypatch.setenv(key, value)
    assert OperatorConfig().worker_env_secret == "pod-v5-s3"

    # an existing Secret: named everywhere, none created
    docs = objects(render(control_plane, None, "pod-v5", "--set", S3_SET,
                          "--set", "storage.s3.existingSecret=media-keys"))  # fmt: skip
    assert not [d for d in by_kind(docs, "Secret") if d["metadata"]["name"] == "pod-v5-s3"]
    (api,) = one(docs, "Deployment", "pod-v5-api")["spec"]["template"]["spec"]["containers"]
    assert {"secretRef": {"name": "media-keys"}} in api["envFrom"]

    # local storage (the default): no S3 at all
    docs = objects(render(control_plane, None))
    assert one(docs, "ConfigMap", "pod-v5-api")["data"]["STORAGE_BACKEND"] == "local"
    assert "MEDIA_OPERATOR_WORKER_ENV_SECRET" not in env_of(
        one(docs, "Deployment", "pod-v5-operator")["spec"]["template"]["spec"]["containers"][0]
    )
    result = control_plane.helm(
        "template", "pod-v5", str(CHART), "--set", "storage.backend=s3", check=False
    )
    assert result.returncode != 0 and "storage.s3.bucket is required" in result.stderr


def test_s3_server_side_dry_run(control_plane, kube_namespace):
    text = render(control_plane, None, kube_namespace, "--set", S3_SET)
    result = control_plane.kubectl(
        "apply", "--dry-run=server", "--server-side", "--field-manager=pod-v5-chart-tests",
        "--force-conflicts", "-n", kube_namespace, "-f", "-", input=text,
    )  # fmt: skip
    assert "secret/pod-v5-s3 serverside-applied (server dry run)" in result.stdout
