"""Delivery to a real receiver on loopback: Standard Webhooks signatures checked with
``standardwebhooks``, retries with backoff and their log, a receiver that times out, a
redirect not followed, the subscription disabled after failures in a row, manual
redelivery, secret rotation, who receives which events, senders side by side."""

from __future__ import annotations

import base64
import contextlib
import threading
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from standardwebhooks.webhooks import WebhookVerificationError

from api.events.payloads import publish_video
from api.videos.models import Video, VideoStatus, Visibility
from api.webhooks import sender
from api.webhooks.models import WebhookDelivery, WebhookSubscription

HOOKS = "/api/v1/webhooks"

# the sender's threads use their own database connections: they must see committed rows
pytestmark = pytest.mark.django_db(transaction=True)


def subscribe(client, receiver, events=("video.ready",), **extra) -> dict:
    created = client.post_json(HOOKS, {"url": receiver.url, "events": list(events), **extra})
    assert created.status_code == 201, created.content
    return created.json()["data"]


def ready(owner, capture, **fields) -> Video:
    """A video of ``owner`` that just became ready (the pipeline's publisher)."""
    video = Video.objects.create(owner=owner, title="t", status=VideoStatus.READY, **fields)
    with capture(execute=True):
        publish_video("video.ready", video)
    return video


def deliveries_of(client, hook) -> list[dict]:
    return client.get(f"{HOOKS}/{hook['id']}/deliveries").json()["data"]["items"]


def test_upload_created_is_delivered_signed(
    alice, user, receiver, django_capture_on_commit_callbacks
):
    hook = subscribe(alice, receiver, events=["upload.created"])
    video = alice.post_json("/api/v1/videos", {"title": "v"}).json()["data"]
    metadata = "video " + base64.b64encode(video["id"].encode()).decode()
    with django_capture_on_commit_callbacks(execute=True):
        created = alice.post(
            "/api/v1/uploads/",
            HTTP_TUS_RESUMABLE="1.0.0", HTTP_UPLOAD_LENGTH="1000", HTTP_UPLOAD_METADATA=metadata,
        )  # fmt: skip
    assert created.status_code == 201
    assert sender.send_due() == 1
    (got,) = receiver.received
    payload = got.verify(hook["secret"])  # raises unless the signature is right
    assert payload["type"] == "upload.created"
    assert payload["data"]["video_id"] == video["id"] and payload["data"]["length"] == 1000
    assert payload["timestamp"].endswith("Z")
    assert got.headers["content-type"] == "application/json"
    with pytest.raises(WebhookVerificationError):
        got.verify("whsec_" + base64.b64encode(b"x" * 32).decode())  # another secret
    (logged,) = deliveries_of(alice, hook)
    assert logged["status"] == "succeeded" and logged["response_status"] == 200
    assert logged["webhook_id"] == got.headers["webhook-id"]


def test_500s_are_retried_until_a_success_and_logged(
    alice, user, receiver, settings, django_capture_on_commit_callbacks
):
    hook = subscribe(alice, receiver)
    receiver.plan = [500, 503]
    ready(user, django_capture_on_commit_callbacks)
    for _ in range(3):  # WEBHOOK_RETRY_BASE_SECONDS=0: each retry is due at once
        sender.send_due()
    assert len(receiver.received) == 3
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1  # one message
    for got in receiver.received:
        assert got.verify(hook["secret"])["type"] == "video.ready"
    (logged,) = deliveries_of(alice, hook)
    assert logged["status"] == "succeeded" and logged["attempts"] == 3
    assert [a["status_code"] for a in logged["history"]] == [500, 503, 200]
    assert logged["history"][0]["error"] == "HTTP 500"
    assert logged["history"][0]["response"] == "receiver says no"
    assert logged["next_attempt_at"] is None and logged["latency_ms"] is not None
    assert WebhookSubscription.objects.get(id=hook["id"]).consecutive_failures == 0


def test_backoff_grows_with_jitter_and_gives_up(
    alice, user, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 10
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    subscribe(alice, receiver)
    receiver.plan = [500, 500]
    ready(user, django_capture_on_commit_callbacks)
    before = timezone.now()
    sender.send_due()
    delivery = WebhookDelivery.objects.get()
    wait = (delivery.next_attempt_at - before).total_seconds()
    assert 5 <= wait <= 11  # 10 s, 50-100 % of it
    assert sender.send_due() == 0  # not due yet
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    sender.send_due()
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == 2  # WEBHOOK_MAX_ATTEMPTS
    assert sender.send_due() == 0 and len(receiver.received) == 2


def test_a_receiver_that_times_out_fails_the_attempt_in_bounded_time(
    alice, user, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    settings.WEBHOOK_RETRY_BASE_SECONDS = 60
    hook = subscribe(alice, receiver)
    receiver.plan = [("sleep", 3)]
    ready(user, django_capture_on_commit_callbacks)
    started = time.monotonic()
    sender.send_due()
    assert time.monotonic() - started < 2.5
    (logged,) = deliveries_of(alice, hook)
    assert logged["status"] == "pending" and logged["attempts"] == 1
    assert logged["response_status"] is None and "timed out" in logged["error"]
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())  # due again now
    sender.send_due()  # the receiver answers at once this time
    assert deliveries_of(alice, hook)[0]["status"] == "succeeded"


def test_redirects_are_not_followed(
    alice, user, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 60
    hook = subscribe(alice, receiver)
    receiver.plan = [("redirect", receiver.url + "/elsewhere")]
    ready(user, django_capture_on_commit_callbacks)
    sender.send_due()
    assert [r.path for r in receiver.received] == ["/hook"]
    (logged,) = deliveries_of(alice, hook)
    assert logged["response_status"] == 302 and logged["status"] == "pending"
    assert logged["error"].startswith("redirect not followed")


def test_failures_in_a_row_disable_the_subscription(
    alice, user, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 3
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    settings.WEBHOOK_SENDER_CONCURRENCY = 1  # (attempts already under way would still end)
    hook = subscribe(alice, receiver)
    receiver.plan = [500] * 10
    for _ in range(4):
        ready(user, django_capture_on_commit_callbacks)
    sender.send_due()
    shown = alice.get(f"{HOOKS}/{hook['id']}").json()["data"]
    assert shown["active"] is False and shown["consecutive_failures"] == 3
    assert "3 failed attempts in a row" in shown["disabled_reason"]
    assert len(receiver.received) == 3  # the fourth waits: its subscription is off
    failed = next(d for d in deliveries_of(alice, hook) if d["status"] == "failed")
    retry = alice.post_json(f"{HOOKS}/{hook['id']}/deliveries/{failed['id']}/retry")
    assert retry.status_code == 409 and retry.json()["errors"][0]["code"] == "webhook_disabled"
    # turned on again: counters reset, the waiting delivery goes, a failed one on demand
    receiver.plan = []
    on = alice.patch_json(f"{HOOKS}/{hook['id']}", {"active": True}).json()["data"]
    assert on["active"] and on["consecutive_failures"] == 0 and on["disabled_reason"] == ""
    assert sender.send_due() == 1
    retry = alice.post_json(f"{HOOKS}/{hook['id']}/deliveries/{failed['id']}/retry")
    assert retry.status_code == 202 and retry.json()["data"]["status"] == "pending"
    call_command("webhooks_send")  # the command sends what is due
    detail = alice.get(f"{HOOKS}/{hook['id']}/deliveries/{failed['id']}").json()["data"]
    assert detail["status"] == "succeeded" and detail["attempts"] == 2
    assert '"type":"video.ready"' in detail["body"]
    assert len(receiver.received) == 5


def test_secret_rotation_signs_with_both_during_the_grace(
    alice, user, receiver, settings, django_capture_on_commit_callbacks
):
    hook = subscribe(alice, receiver)
    new = alice.post_json(f"{HOOKS}/{hook['id']}/rotate-secret").json()["data"]["secret"]
    ready(user, django_capture_on_commit_callbacks)
    sender.send_due()
    (got,) = receiver.received
    assert got.verify(new) and got.verify(hook["secret"])  # either verifies meanwhile
    settings.WEBHOOK_SECRET_GRACE_SECONDS = 0
    newest = alice.post_json(f"{HOOKS}/{hook['id']}/rotate-secret").json()["data"]["secret"]
    ready(user, django_capture_on_commit_callbacks)
    sender.send_due()
    latest = receiver.received[-1]
    assert latest.verify(newest)["type"] == "video.ready"
    for old in (new, hook["secret"]):
        with pytest.raises(WebhookVerificationError):
            latest.verify(old)


def test_a_subscription_gets_only_its_owners_events(
    alice, user, other_user, staff_user, client_for, receiver, django_capture_on_commit_callbacks
):
    mine = subscribe(alice, receiver)
    everything = subscribe(client_for(staff_user), receiver, scope="all")
    bobs = ready(other_user, django_capture_on_commit_callbacks, visibility=Visibility.PRIVATE)
    co_owned = ready(other_user, django_capture_on_commit_callbacks)
    co_owned.additional_owners.add(user)
    with django_capture_on_commit_callbacks(execute=True):
        publish_video("video.ready", co_owned)
    own = ready(user, django_capture_on_commit_callbacks)
    sender.send_due()
    by_secret = {mine["secret"]: [], everything["secret"]: []}
    for got in receiver.received:
        for secret, seen in by_secret.items():
            with contextlib.suppress(WebhookVerificationError):
                seen.append(got.verify(secret)["data"]["id"])
    assert sorted(by_secret[mine["secret"]]) == sorted([str(co_owned.id), str(own.id)])
    assert str(bobs.id) not in by_secret[mine["secret"]]
    assert str(bobs.id) in by_secret[everything["secret"]]
    assert len(by_secret[everything["secret"]]) == 4


def test_a_destination_no_longer_allowed_is_not_contacted(
    alice, user, receiver, settings, django_capture_on_commit_callbacks
):
    hook = subscribe(alice, receiver)
    settings.WEBHOOK_ALLOWED_NETWORKS = []  # loopback is private again
    ready(user, django_capture_on_commit_callbacks)
    sender.send_due()
    assert receiver.received == []
    (logged,) = deliveries_of(alice, hook)
    assert "loopback" in logged["error"] and logged["response_status"] is None


def test_senders_side_by_side_send_each_delivery_once(user, receiver, settings):
    from api.webhooks.services import subscription_create

    settings.WEBHOOK_SENDER_CONCURRENCY = 2
    subscription_create(user=user, url=receiver.url, events=["video.ready"])
    for _ in range(12):
        publish_video("video.ready", Video.objects.create(owner=user, title="t", status="ready"))
    assert WebhookDelivery.objects.count() == 12
    threads = [threading.Thread(target=sender.send_due) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert len(ids) == 12 and len(set(ids)) == 12
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"succeeded"}
    later = timezone.now() + timedelta(hours=1)  # WEBHOOK_MAX_AGE_SECONDS: a day
    assert WebhookDelivery.objects.filter(expires_at__gt=later).count() == 12
