"""callbacks 0001 moves the receipts out of encoding's CallbackReceipt (subject: the
job, or a live event's id from its old faked answer); encoding 0002 drops the old model."""

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from api.encoding.models import EncodingJob
from api.videos.models import Video

BEFORE = [("encoding", "0001_initial"), ("callbacks", None)]


def _executor() -> MigrationExecutor:
    return MigrationExecutor(connection)


@pytest.mark.django_db(transaction=True)
def test_receipts_move_to_callbacks(user):
    executor = _executor()
    executor.migrate(BEFORE)
    old_apps = executor.loader.project_state([("encoding", "0001_initial")]).apps
    Receipt = old_apps.get_model("encoding", "CallbackReceipt")
    # videos and jobs: tables these migrations leave alone (today's models will do)
    video = Video.objects.create(owner=user, title="t")
    job = EncodingJob.objects.create(video=video, backend="local", spec={})
    event_id = uuid.uuid4()
    Receipt.objects.create(
        webhook_id="w-enc", event_type="encoding.running", job_id=job.id, status_code=200,
        response={"job_id": str(job.id), "phase": "Running", "progress": 0, "applied": True},
    )  # fmt: skip
    Receipt.objects.create(
        webhook_id="w-live", event_type="live.ended", job=None, status_code=200,
        response={"job_id": str(event_id), "phase": "ended", "progress": 0.0, "applied": True},
    )  # fmt: skip

    executor = _executor()
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    from api.callbacks.models import CallbackReceipt

    moved = {r.webhook_id: r for r in CallbackReceipt.objects.all()}
    assert moved["w-enc"].subject_id == job.id and moved["w-enc"].event_type == "encoding.running"
    assert moved["w-live"].subject_id == event_id
    assert moved["w-live"].response["phase"] == "ended"
    assert "encoding_callbackreceipt" not in connection.introspection.table_names()
