"""The EncodingJob and LiveEvent CustomResourceDefinitions, generated from the pydantic models.

``EncodingJobSpec``/``EncodingJobStatus`` (``spec.py``) and ``LiveEventSpec``/
``LiveEventStatus`` (``live_spec.py``) are the single source of truth: their JSON
schemas are turned into a structural OpenAPI v3 schema (refs inlined, titles dropped,
optional fields nullable) with each field's description, so ``kubectl explain`` is
useful; CEL rules (``x-kubernetes-validations``) say what a schema alone can't.

``python -m podv5_operator.crd > charts/pod-v5/crds/encodingjobs.media.podv5.io.yaml`` and
``python -m podv5_operator.crd liveevents > charts/pod-v5/crds/liveevents.media.podv5.io.yaml``
write the chart's copies (``make crds``); tests keep them in step.
"""

from __future__ import annotations

import copy
import sys

import yaml

from podv5_contract.live_spec import LiveEventSpec, LiveEventStatus
from podv5_contract.resources import (
    GROUP,
    KIND,
    LIVE_KIND,
    LIVE_PLURAL,
    LIVE_SHORT_NAMES,
    PLURAL,
    SHORT_NAMES,
    VERSION,
)
from podv5_contract.spec import EncodingJobSpec, EncodingJobStatus

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
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(node.get(bound), int | float) and not isinstance(node[bound], bool):
            # JSON Schema 2020-12 (pydantic `gt`/`lt`) → OpenAPI 3.0: a bound + a flag
            node = {**node, limit: node[bound], bound: True}
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
        {"name": "Chunks", "type": "integer", "jsonPath": ".status.chunksSucceeded", "priority": 1},
        {"name": "Message", "type": "string", "jsonPath": ".status.message", "priority": 1},
    ]
    return _crd(
        kind=KIND,
        plural=PLURAL,
        short_names=SHORT_NAMES,
        columns=columns,
        spec=spec,
        status=status,
        description=(
            "EncodingJob: one video encoding (an HLS ladder and extras) "
            "that the Pod V5 operator runs as a batch/v1 Job."
        ),
    )


LIVE_SPEC_RULES = [
    {
        "rule": "self.eventId == oldSelf.eventId",
        "message": "eventId is immutable",
        "fieldPath": ".eventId",
    },
    {
        "rule": (
            "!has(self.ladder) || self.ladder.all(r, self.ladder.exists_one(s, s.name == r.name))"
        ),
        "message": "ladder rendition names must be unique",
        "fieldPath": ".ladder",
    },
]


def liveevent_crd() -> dict:
    """The LiveEvent CRD (``liveevents.media.podv5.io``, short name ``le``)."""
    spec = _schema(LiveEventSpec)
    spec["x-kubernetes-validations"] = LIVE_SPEC_RULES
    spec["properties"]["ladder"]["x-kubernetes-list-type"] = "atomic"
    status = _schema(LiveEventStatus)
    conditions = status["properties"]["conditions"]
    conditions["x-kubernetes-list-type"] = "map"
    conditions["x-kubernetes-list-map-keys"] = ["type"]
    columns = [
        {"name": "State", "type": "string", "jsonPath": ".status.state"},
        {"name": "OnAir", "type": "boolean", "jsonPath": ".status.onAir"},
        # the schedule as RFC 3339 strings: kubectl renders a "date" column as an age,
        # and a start still ahead as "<invalid>"
        {"name": "Start", "type": "string", "jsonPath": ".spec.start"},
        {"name": "End", "type": "string", "jsonPath": ".spec.end"},
        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
        {"name": "Desired", "type": "string", "jsonPath": ".spec.desiredState", "priority": 1},
        {
            "name": "Deployment",
            "type": "string",
            "jsonPath": ".status.deploymentName",
            "priority": 1,
        },
        {"name": "Message", "type": "string", "jsonPath": ".status.message", "priority": 1},
    ]
    return _crd(
        kind=LIVE_KIND,
        plural=LIVE_PLURAL,
        short_names=LIVE_SHORT_NAMES,
        columns=columns,
        spec=spec,
        status=status,
        description=(
            "LiveEvent: one scheduled live broadcast that the Pod V5 operator runs as a "
            "Deployment (the media-live ingest worker) and a Service, from start to end."
        ),
    )


def _crd(*, kind, plural, short_names, columns, spec, status, description) -> dict:
    """The CustomResourceDefinition of ``kind`` (namespaced, one served version with a
    status subresource)."""
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": f"{plural}.{GROUP}",
            "labels": {"app.kubernetes.io/part-of": "pod-v5"},
        },
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
            "names": {
                "kind": kind,
                "listKind": f"{kind}List",
                "plural": plural,
                "singular": kind.lower(),
                "shortNames": short_names,
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
                            "description": description,
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


def render(which: str = PLURAL) -> str:
    """The chart's CRD file for ``which`` (``encodingjobs`` or ``liveevents``): a header
    naming the command and the models it comes from, then the CRD as YAML."""
    if which == LIVE_PLURAL:
        header = (
            "# Generated by `python -m podv5_operator.crd liveevents` (make crds) from "
            "podv5_contract/live_spec.py.\n"
            "# Do not edit by hand: change the pydantic models and regenerate.\n"
        )
        return header + yaml.safe_dump(liveevent_crd(), sort_keys=False, width=100)
    if which != PLURAL:
        raise ValueError(f"unknown CRD {which!r}: {PLURAL} or {LIVE_PLURAL}")
    header = (
        "# Generated by `python -m podv5_operator.crd` (make crds) from podv5_contract/spec.py.\n"
        "# Do not edit by hand: change the pydantic models and regenerate.\n"
    )
    return header + yaml.safe_dump(encodingjob_crd(), sort_keys=False, width=100)


if __name__ == "__main__":
    sys.stdout.write(render(*sys.argv[1:2]))
