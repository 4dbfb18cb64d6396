"""The ``sourceImport`` part of the EncodingJob spec and the ``imported`` report."""

from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError

from podv5_contract.events import EncodingEventData
from podv5_contract.spec import EncodingJobSpec

BASE = {
    "jobId": str(uuid.uuid4()),
    "videoId": str(uuid.uuid4()),
    "source": "file:///srv/media/videos/v/source/imported",
    "output": "file:///srv/media/videos/v/encodes/j/",
    "ladder": [{"name": "360p", "height": 360, "videoKbps": 800, "audioKbps": 96}],
}
IMPORT = {"url": "https://media.example.org/v.mp4", "maxBytes": 1000}


def test_a_source_import_round_trips_on_the_wire():
    spec = EncodingJobSpec.model_validate({**BASE, "sourceImport": IMPORT})
    assert spec.source_import.kind == "direct" and spec.source_import.max_redirects == 5
    wire = spec.to_wire()["sourceImport"]
    assert wire == {**IMPORT, "kind": "direct", "timeoutSeconds": 3600.0, "maxRedirects": 5,
                    "allowedNetworks": []}  # fmt: skip


@pytest.mark.parametrize(
    "change",
    [
        {"sourceImport": {**IMPORT, "allowedNetworks": ["not-a-network"]}},
        {"sourceImport": {**IMPORT, "kind": "youtube"}},
        {"sourceImport": {**IMPORT, "maxRedirects": 50}},
        {"sourceImport": {**IMPORT, "maxBytes": 0}},
        {"sourceImport": {**IMPORT, "unknown": 1}},
        {"sourceImport": IMPORT, "chunks": 4},  # chunks need a probed source: one pass
    ],
)
def test_bad_source_imports_are_refused(change):
    with pytest.raises(ValidationError):
        EncodingJobSpec.model_validate({**BASE, **change})


def test_the_imported_report_is_bounded():
    data = {"job_id": str(uuid.uuid4()), "video_id": str(uuid.uuid4())}
    imported = {"source": "file:///a", "size": 1, "filename": "a.mp4", "media_url": "https://x/a"}
    assert EncodingEventData(**data, imported=imported).imported.size == 1
    for bad in ({"size": -1}, {"metadata": {"tags": ["x"] * 40}}, {"extra": True}):
        with pytest.raises(ValidationError):
            EncodingEventData(**data, imported={**imported, **bad})
