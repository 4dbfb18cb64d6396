"""The EncodingJob CustomResourceDefinition, generated from the pydantic models.

``EncodingJobSpec`` and ``EncodingJobStatus`` are the single source of truth: their JSON
schemas are turned into a structural OpenAPI v3 schema (refs inlined, titles dropped,
optional fields nullable) with each field's description, so ``kubectl explain`` is
useful; CEL rules (``x-kubernetes-validations``) say what a schema alone can't.

``python -m media_operator.crd > charts/pod-v5/crds/encodingjobs.media.podv5.io.yaml``
writes the chart's copy; a test keeps the two in step.
"""

from __future__ import annotations

import copy
import sys

import yaml

from media_operator.spec import EncodingJobSpec, EncodingJobStatus

GROUP = "media.podv5.io"
VERSION = "v1alpha1"
KIND = "EncodingJob"
PLURAL = "encodingjobs"
SHORT_NAMES = ["ej"]

#: schema keywords apiextensions.k8s.io/v1 does not take (or that we drop)
_DROP = {"title", "additionalProperties", "$defs", "examples"}

SPEC_RULES = [
    {"rule": "self == oldSelf", "message": "spec is immutable: create a new EncodingJob"},
    {
        "rule": "self.source.startsWith('file://') || self.source.startsWith('s3://')",
        "message": "source must be a file:// or s3:// URI",
        "fieldPath": ".source",
    },
    {
        "rule": "self.output.startsWith('file://') || self.output.startsWith('s3://')",
        "message": "output must be a file:// or s3:// URI",
        "fieldPath": ".output",
    },
    {
        "rule": "self.ladder.all(r, self.ladder.exists_one(s, s.name == r.name))",
        "message": "ladder rendition names must be unique",
        "fieldPath": ".ladder",
    },
    {
        "rule": "self.ladder.all(r, self.ladder.exists_one(s, s.height == r.height))",
        "message": "ladder heights must be unique",
        "fieldPath": ".ladder",
    },
]


def _structural(node, defs: dict):
    """JSON Schema (pydantic) → structural OpenAPI v3 schema (Kubernetes)."""
    if isinstance(node, list):
        return [_structural(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = copy.deepcopy(defs[node["$ref"].rsplit("/", 1)[1]])
        target.update({k: v for k, v in node.items() if k != "$ref"})
        return _structural(target, defs)
    if "anyOf" in node:  # Optional[X] → X, nullable
        options = [o for o in node["anyOf"] if o.get("type") != "null"]
        if len(options) == 1 and len(options) < len(node["anyOf"]):
            merged = {**options[0], **{k: v for k, v in node.items() if k != "anyOf"}}
            merged["nullable"] = True
            if merged.get("default", "") is None:
                del merged["default"]
            return _structural(merged, defs)
    if "const" in node:
        node = {**node, "enum": [node["const"]]}
        del node["const"]
    out = {}
    for key, value in node.items():
        if key in _DROP:
            continue
        if key == "format" and value == "uri":
            continue  # AnyUrl: kept as a plain string, checked by the API and the worker
        if key == "properties":
            out[key] = {name: _structural(prop, defs) for name, prop in value.items()}
        elif key == "description":
            out[key] = " ".join(value.replace("``", "`").split())
        else:
            out[key] = _structural(value, defs)
    if out.get("format") == "uuid":
        out["maxLength"] = 36  # bounds the cost estimate of CEL rules
    return out


def _schema(model) -> dict:
    raw = model.model_json_schema(by_alias=True)
    return _structural(raw, raw.get("$defs", {}))


def encodingjob_crd() -> dict:
    spec = _schema(EncodingJobSpec)
    spec["x-kubernetes-validations"] = SPEC_RULES
    spec["properties"]["ladder"]["x-kubernetes-list-type"] = "atomic"
    status = _schema(EncodingJobStatus)
    conditions = status["properties"]["conditions"]
    conditions["x-kubernetes-list-type"] = "map"
    conditions["x-kubernetes-list-map-keys"] = ["type"]
    columns = [
        {"name": "Phase", "type": "string", "jsonPath": ".status.phase"},
        {"name": "Progress", "type": "number", "jsonPath": ".status.progress"},
        {"name": "Video", "type": "string", "jsonPath": ".spec.videoId"},
        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
        {"name": "Job", "type": "string", "jsonPath": ".status.jobName", "priority": 1},
        {"name": "Message", "type": "string", "jsonPath": ".status.message", "priority": 1},
    ]
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": f"{PLURAL}.{GROUP}",
            "labels": {"app.kubernetes.io/part-of": "pod-v5"},
        },
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
            "names": {
                "kind": KIND,
                "listKind": f"{KIND}List",
                "plural": PLURAL,
                "singular": KIND.lower(),
                "shortNames": SHORT_NAMES,
                "categories": ["podv5"],
            },
            "versions": [
                {
                    "name": VERSION,
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": columns,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "description": (
                                "EncodingJob: one video encoding (an HLS ladder and extras) "
                                "that the Pod V5 operator runs as a batch/v1 Job."
                            ),
                            "required": ["spec"],
                            "properties": {
                                "apiVersion": {"type": "string"},
                                "kind": {"type": "string"},
                                "metadata": {"type": "object"},
                                "spec": spec,
                                "status": status,
                            },
                        }
                    },
                }
            ],
        },
    }


def render() -> str:
    header = (
        "# Generated by `python -m media_operator.crd` from media_operator/spec.py.\n"
        "# Do not edit by hand: change the pydantic models and regenerate.\n"
    )
    return header + yaml.safe_dump(encodingjob_crd(), sort_keys=False, width=100)


if __name__ == "__main__":
    sys.stdout.write(render())
