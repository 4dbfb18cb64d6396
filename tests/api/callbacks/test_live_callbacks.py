"""live.* callbacks get the live handler's own answer, and their receipts name the event."""

import pytest

from api.callbacks.models import CallbackReceipt
from tests.api.live.test_live_api import deliver
from tests.api.pipeline.test_services import make_event

pytestmark = pytest.mark.django_db


def test_live_answer_and_receipt(user, anon):
    event = make_event(user)
    answer = deliver(anon, "live.starting", "live-m1", event_id=str(event.id), listening=True)
    assert answer.status_code == 200, answer.content
    data = answer.json()["data"]
    assert data == {"event_id": str(event.id), "phase": "live", "on_air": False, "applied": True}
    receipt = CallbackReceipt.objects.get(webhook_id="live-m1")
    assert (receipt.event_type, receipt.subject_id) == ("live.starting", event.id)
    # a replay gets the stored answer
    again = deliver(anon, "live.starting", "live-m1", event_id=str(event.id), listening=True)
    assert again.json()["data"] == data
