"""The committed LiveEvent CRD is the one generated from the pydantic models
(``podv5_contract.live_spec``), documents every field, and has the printer columns
``kubectl get le`` shows."""

from __future__ import annotations

from pathlib import Path

import yaml

from podv5_contract.live_spec import LiveEventSpec, LiveEventStatus
from podv5_operator.crd import liveevent_crd, render
from tests.podv5_operator.test_crd import _camel, _undocumented

CHART_CRD = (
    Path(__file__).resolve().parents[2] / "charts/pod-v5/crds/liveevents.media.podv5.io.yaml"
)


def _version() -> dict:
    return liveevent_crd()["spec"]["versions"][0]


def test_committed_crd_is_the_generated_one():
    assert CHART_CRD.read_text() == render("liveevents"), (
        "regenerate: make crds (python -m podv5_operator.crd liveevents > "
        "charts/pod-v5/crds/liveevents.media.podv5.io.yaml)"
    )
    assert yaml.safe_load(CHART_CRD.read_text()) == liveevent_crd()


def test_names_columns_and_status_subresource():
    crd = liveevent_crd()
    assert crd["metadata"]["name"] == "liveevents.media.podv5.io"
    names = crd["spec"]["names"]
    assert (names["kind"], names["plural"], names["shortNames"]) == (
        "LiveEvent",
        "liveevents",
        ["le"],
    )
    version = _version()
    assert version["name"] == "v1alpha1" and version["subresources"] == {"status": {}}
    default = [c["name"] for c in version["additionalPrinterColumns"] if not c.get("priority")]
    assert default == ["State", "OnAir", "Start", "End", "Age"]


def test_schema_is_the_models_and_documented():
    schema = _version()["schema"]["openAPIV3Schema"]
    props = schema["properties"]
    for stanza, model in (("spec", LiveEventSpec), ("status", LiveEventStatus)):
        fields = {_camel(f.alias or n) for n, f in model.model_fields.items()}
        assert set(props[stanza]["properties"]) == fields
        assert _undocumented(props[stanza], stanza) == []
    assert "streamKey" in props["spec"]["required"]
    # a reference to a Secret, never the key itself
    assert set(props["spec"]["properties"]["streamKey"]["properties"]) == {"name", "key"}
    conditions = props["status"]["properties"]["conditions"]
    assert conditions["x-kubernetes-list-map-keys"] == ["type"]


def test_the_encodingjob_crd_is_unchanged_by_default():
    assert render() == render("encodingjobs")
    assert "kind: EncodingJob\n" in render()
