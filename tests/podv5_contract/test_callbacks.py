"""Signed callbacks against a real HTTP receiver verifying Standard Webhooks signatures."""

from __future__ import annotations

import socket

import pytest

from podv5_contract.callbacks import (
    CallbackClient,
    CallbackRejected,
    CallbackUndelivered,
    RetryPolicy,
)
from podv5_contract.events import webhook_id

FAST = RetryPolicy(max_attempts=6, initial_delay=0.05, max_delay=0.2, timeout=5)
JOB = "6f1d2c3b-0000-4000-8000-000000000001"


def test_signed_event_is_verified_and_shaped(callback_receiver, webhook_secret):
    with CallbackClient(callback_receiver.url, webhook_secret, policy=FAST) as client:
        msg_id = webhook_id(JOB, "encoding.running")
        delivery = client.send("encoding.running", {"job_id": JOB}, msg_id)
    assert delivery.status_code == 200 and delivery.attempts == 1
    [received] = callback_receiver.requests
    assert received.verified and received.msg_id == msg_id
    assert received.body["type"] == "encoding.running"
    assert received.body["data"] == {"job_id": JOB}
    assert received.body["timestamp"].endswith("Z")


def test_retries_on_503_keep_the_same_webhook_id(callback_receiver, webhook_secret):
    callback_receiver.statuses = [503, 503]
    with CallbackClient(callback_receiver.url, webhook_secret, policy=FAST) as client:
        msg_id = webhook_id(JOB, "encoding.succeeded")
        delivery = client.send("encoding.succeeded", {"job_id": JOB}, msg_id)
    assert delivery.attempts == 3
    assert [r.status for r in callback_receiver.requests] == [503, 503, 200]
    assert {r.msg_id for r in callback_receiver.requests} == {msg_id}
    assert all(r.verified for r in callback_receiver.requests)
    assert len({r.body["timestamp"] for r in callback_receiver.requests}) == 1  # same body


def test_429_is_retried_but_other_4xx_are_final(callback_receiver, webhook_secret):
    callback_receiver.statuses = [429, 409]
    with (
        CallbackClient(callback_receiver.url, webhook_secret, policy=FAST) as client,
        pytest.raises(CallbackRejected) as error,
    ):
        client.send("encoding.failed", {}, "msg_x")
    assert error.value.status_code == 409 and error.value.attempts == 2
    assert len(callback_receiver.requests) == 2


def test_a_wrong_secret_is_rejected_by_the_receiver(callback_receiver):
    other = "whsec_" + "b3RoZXItc2VjcmV0LW90aGVyLXNlY3JldA=="
    with (
        CallbackClient(callback_receiver.url, other, policy=FAST) as client,
        pytest.raises(CallbackRejected) as error,
    ):
        client.send("encoding.running", {}, "msg_y")
    assert error.value.status_code == 401
    assert [r.verified for r in callback_receiver.requests] == [False]


def test_unreachable_receiver_gives_up_after_the_policy(webhook_secret):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed when the block ends: nobody listens
    sleeps = []
    policy = RetryPolicy(max_attempts=4, initial_delay=1, max_delay=3, timeout=1)
    client = CallbackClient(
        f"http://127.0.0.1:{port}/cb", webhook_secret, policy=policy, sleep=sleeps.append
    )
    with client, pytest.raises(CallbackUndelivered) as error:
        client.send("encoding.progress", {}, "msg_z")
    assert error.value.attempts == 4 and sleeps == [1, 2, 3]


def test_default_policy_is_bounded():
    policy = RetryPolicy()
    waits = [policy.delay(n) for n in range(1, policy.max_attempts)]
    assert policy.max_attempts == 6 and 45 <= sum(waits) <= 90
