"""The callback body is one discriminated union on ``type``; its 422 answers name the
same fields as before (the type, the envelope's fields, ``data``'s own fields)."""

import json

import pytest

from tests.api.callbacks.test_callbacks import ids, job, send  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def field_of(response) -> str:
    assert response.status_code == 422, response.content
    return response.json()["errors"][0]["field"]


def test_unknown_or_missing_type(anon):
    assert field_of(send(anon, "encoding.exploded", {}, msg_id="e1")) == "type"
    raw = json.dumps({"timestamp": "2026-01-01T00:00:00Z", "data": {}})
    assert field_of(send(anon, "x", {}, msg_id="e2", raw=raw)) == "type"


def test_data_fields_are_named_as_before(anon, job):  # noqa: F811
    bad = {**ids(job), "job_id": "not-a-uuid"}
    assert field_of(send(anon, "encoding.running", bad, msg_id="e3")) == "job_id"
    live = send(anon, "live.on_air", {"event_id": str(job.id), "seq": -1}, msg_id="e4")
    assert field_of(live) == "seq"
    # data of the other kind: an encoding event's data under a live type
    assert field_of(send(anon, "live.ended", ids(job), msg_id="e5")) == "event_id"


def test_envelope_fields(anon, job):  # noqa: F811
    raw = json.dumps({"type": "encoding.running", "data": ids(job)})
    assert field_of(send(anon, "encoding.running", {}, msg_id="e6", raw=raw)) == "timestamp"
