"""``spec.transcribe``: what the contract accepts, and that it reaches the worker's
command line in the operator's Job unchanged (the CRD schema: tests/podv5_operator)."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from podv5_contract.spec import EncodingJobSpec
from podv5_contract.transcribe import engine_supports
from podv5_operator.k8s.encode import build_job
from tests.podv5_operator.k8s.test_encode import CR_NAME, UID, golden_config, golden_spec


def with_transcribe(**transcribe) -> EncodingJobSpec:
    wire = golden_spec().to_wire()
    return EncodingJobSpec.model_validate({**wire, "transcribe": transcribe})


def test_the_option_travels_in_camel_case_to_the_worker_command():
    spec = with_transcribe(engine="whisper", language="fr", modelPath="/models/small", only=True)
    job = build_job(spec=spec, config=golden_config(), name=CR_NAME, namespace="media", uid=UID)
    args = job["spec"]["template"]["spec"]["containers"][0]["args"]
    sent = json.loads(args[args.index("--spec") + 1])["transcribe"]
    assert sent == {
        "engine": "whisper",
        "language": "fr",
        "modelPath": "/models/small",
        "only": True,
    }
    assert EncodingJobSpec.model_validate(json.loads(args[1])) == spec
    # absent: no key at all (a null would break the CRD's immutability rule)
    assert "transcribe" not in golden_spec().to_wire()


@pytest.mark.parametrize(
    "bad",
    [
        {"engine": "vosk"},
        {"language": "english"},
        {"modelPath": "models/small"},  # relative: not a path in the worker
        {"model": "small"},  # unknown field
    ],
)
def test_bad_options_are_refused(bad):
    with pytest.raises(ValidationError):
        with_transcribe(**bad)


def test_which_engine_knows_which_language():
    assert engine_supports("pocketsphinx", "en-GB") is True
    assert engine_supports("pocketsphinx", "fr") is False
    assert engine_supports("whisper", "fr") is None  # the model decides, in the worker


def test_a_chunked_job_may_transcribe_but_a_transcription_alone_is_not_chunked():
    wire = {**golden_spec().to_wire(), "chunks": 4}
    spec = EncodingJobSpec.model_validate({**wire, "transcribe": {"language": "en"}})
    assert spec.chunks == 4 and spec.transcribe is not None  # the audio step transcribes
    with pytest.raises(ValidationError, match="transcription-only job encodes nothing"):
        EncodingJobSpec.model_validate({**wire, "transcribe": {"only": True}})
