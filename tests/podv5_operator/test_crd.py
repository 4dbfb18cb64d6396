"""The committed CRD is the one generated from the pydantic models, and it documents every
field (so ``kubectl explain encodingjob.spec`` is useful)."""

from __future__ import annotations

from pathlib import Path

import yaml

from podv5_contract.spec import EncodingJobSpec, EncodingJobStatus
from podv5_operator.crd import encodingjob_crd, render

CHART_CRD = (
    Path(__file__).resolve().parents[2] / "charts/pod-v5/crds/encodingjobs.media.podv5.io.yaml"
)


def _schema() -> dict:
    return encodingjob_crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]


def test_committed_crd_is_the_generated_one():
    assert CHART_CRD.read_text() == render(), (
        "regenerate: python -m podv5_operator.crd > charts/pod-v5/crds/"
        "encodingjobs.media.podv5.io.yaml"
    )
    assert yaml.safe_load(CHART_CRD.read_text()) == encodingjob_crd()


def _undocumented(node: dict, path: str) -> list[str]:
    missing = []
    for name, prop in (node.get("properties") or {}).items():
        if not prop.get("description"):
            missing.append(f"{path}.{name}")
        missing += _undocumented(prop, f"{path}.{name}")
    if isinstance(node.get("items"), dict):
        missing += _undocumented(node["items"], f"{path}[]")
    return missing


def test_every_spec_and_status_field_has_a_description():
    schema = _schema()
    for stanza in ("spec", "status"):
        assert schema["properties"][stanza].get("description"), stanza
        assert _undocumented(schema["properties"][stanza], stanza) == []


def test_schema_properties_are_the_models_fields():
    props = _schema()["properties"]
    spec_fields = {f.alias or n for n, f in EncodingJobSpec.model_fields.items()}
    status_fields = {f.alias or n for n, f in EncodingJobStatus.model_fields.items()}
    # the alias generator gives camelCase on the wire
    assert set(props["spec"]["properties"]) == {_camel(n) for n in spec_fields}
    assert set(props["status"]["properties"]) == {_camel(n) for n in status_fields}
    assert set(props["spec"]["required"]) >= {"jobId", "videoId", "source", "output", "ladder"}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
