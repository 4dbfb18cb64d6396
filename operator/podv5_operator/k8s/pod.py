"""What the worker pods of encode Jobs (``encode``) and live Deployments (``live``) share:
names and labels that fit, the controller ownerReference to the custom resource, the
container's resources, the callback Secret and worker env, the media volume, the
container's securityContext, the pod spec, and ``metav1.Condition`` lists.

Pure: plain wire dicts in and out.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from podv5_contract.resources import API_VERSION
from podv5_operator.config import OperatorConfig

_LABEL_MAX = 63


def _hashed(value: str, keep: str) -> str:
    """``keep`` cut so that ``<keep>-<8 hex of sha256(value)>`` fits in 63 chars."""
    digest = hashlib.sha256(value.encode()).hexdigest()[:8]
    return f"{keep[: _LABEL_MAX - 9].rstrip('-.')}-{digest}"


def label_value(value: str) -> str:
    """``value`` as a valid label value (≤ 63 chars), hashed like ``job_name`` if longer."""
    return value if len(value) <= _LABEL_MAX else _hashed(value, value)


def owner_reference(*, kind: str, name: str, uid: str) -> dict:
    """The ownerReference making the custom resource ``kind``/``name`` the controller of
    what it owns: the garbage collector deletes those when it goes."""
    return {
        "apiVersion": API_VERSION,
        "kind": kind,
        "name": name,
        "uid": uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }


def is_owned_by(obj: Mapping, uid: str) -> bool:
    """Whether ``obj`` has an ownerReference to the object with ``uid`` as its controller."""
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    return any(r.get("uid") == uid and r.get("controller") for r in refs)


def resources(
    *, cpu_request: str, memory_request: str, cpu_limit: str | None, memory_limit: str | None
) -> dict:
    """A container's ``resources``: the requests, and the limits that are set (if any)."""
    limits = {"cpu": cpu_limit, "memory": memory_limit}
    return {
        "requests": {"cpu": cpu_request, "memory": memory_request},
        **({"limits": {k: v for k, v in limits.items() if v}} if any(limits.values()) else {}),
    }


def callback_secret_env(config: OperatorConfig) -> dict:
    """``CALLBACK_SIGNING_SECRET`` from the configured Secret (secretKeyRef)."""
    return {
        "name": "CALLBACK_SIGNING_SECRET",
        "valueFrom": {
            "secretKeyRef": {
                "name": config.callback_secret_name,
                "key": config.callback_secret_key,
            }
        },
    }


def worker_env_from(config: OperatorConfig) -> dict:
    """``{"envFrom": [...]}`` of the configured worker env Secret (S3 keys...), or ``{}``."""
    if not config.worker_env_secret:
        return {}
    return {"envFrom": [{"secretRef": {"name": config.worker_env_secret}}]}


def add_media_volume(config: OperatorConfig, mounts: list[dict], volumes: list[dict]) -> None:
    """The media PersistentVolumeClaim (file:// sources and outputs, shared with the API)
    appended to ``mounts`` and ``volumes``, when one is configured."""
    if config.media_volume_claim:
        mounts.append({"name": "media", "mountPath": config.media_mount_path})
        volumes.append(
            {"name": "media", "persistentVolumeClaim": {"claimName": config.media_volume_claim}}
        )


def container_security_context() -> dict:
    """Non-root, no privilege escalation, read-only root filesystem, no capabilities."""
    return {
        "runAsNonRoot": True,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }


def worker_pod_spec(
    config: OperatorConfig, *, containers: list[dict], volumes: list[dict], grace_seconds: int
) -> dict:
    """The pod spec shared by encode Jobs and live Deployments: the encoder
    ServiceAccount without a token, no service links, non-root with the configured ids
    and RuntimeDefault seccomp, then the node selector, tolerations and pull secrets of
    ``config``. ``grace_seconds``: terminationGracePeriodSeconds."""
    pod_spec = {
        "serviceAccountName": config.service_account_name,
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "terminationGracePeriodSeconds": grace_seconds,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": config.run_as_user,
            "runAsGroup": config.run_as_group,
            "fsGroup": config.fs_group,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": containers,
        "volumes": volumes,
    }
    if config.node_selector:
        pod_spec["nodeSelector"] = dict(config.node_selector)
    if config.tolerations:
        pod_spec["tolerations"] = [dict(t) for t in config.tolerations]
    if config.image_pull_secrets:
        pod_spec["imagePullSecrets"] = [{"name": s} for s in config.image_pull_secrets]
    return pod_spec


# --- conditions ------------------------------------------------------------------------------


def rfc3339(when: datetime) -> str:
    """``metav1.Time`` form: UTC, seconds, ``Z``."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def safe_reason(reason: str) -> str:
    """``reason`` made to match metav1.Condition's reason pattern (CamelCase word)."""
    cleaned = re.sub(r"[^A-Za-z0-9_,:]", "", reason)
    cleaned = re.sub(r"^[^A-Za-z]+|[,:]+$", "", cleaned)
    return cleaned[:1024] or "Unknown"


def conditions(
    previous: Sequence[Mapping],
    wanted: Mapping[str, bool],
    *,
    reason: str,
    message: str,
    generation: int | None,
    now: datetime,
) -> list[dict]:
    """``metav1.Condition`` dicts: one per ``wanted`` type (True/False), each with
    ``reason``/``message``/``observedGeneration``; ``lastTransitionTime`` is kept from
    ``previous`` unless the condition's ``status`` changes (then ``now``). Conditions of
    other types in ``previous`` are kept as they are, after."""
    before = {c.get("type"): c for c in previous}
    out = []
    for type_, true in wanted.items():
        status = "True" if true else "False"
        old = before.get(type_) or {}
        cond = {
            "type": type_,
            "status": status,
            "reason": safe_reason(reason),
            "message": message[:32768],
            "lastTransitionTime": old.get("lastTransitionTime")
            if old.get("status") == status
            else rfc3339(now),
        }
        if generation is not None:
            cond["observedGeneration"] = generation
        out.append(cond)
    return out + [dict(c) for c in previous if c.get("type") not in wanted]
