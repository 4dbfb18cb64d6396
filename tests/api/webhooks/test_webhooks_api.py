"""The subscription endpoints: who may do what, the secret shown once, URL checks
(http(s) only, no credentials, no private/loopback/link-local destinations unless
WEBHOOK_ALLOWED_NETWORKS allows them), event types, the per-user limit."""

from __future__ import annotations

import pytest

from api.webhooks.models import WebhookSubscription

HOOKS = "/api/v1/webhooks"


def create(client, url, events=("video.ready",), **extra):
    return client.post_json(HOOKS, {"url": url, "events": list(events), **extra})


@pytest.fixture
def viewer(django_user_model):
    return django_user_model.objects.create_user("val", "v@example.org", "pw-v-1")


def test_permission_matrix(alice, anon, client_for, other_user, staff_user, viewer, receiver):
    # anonymous: nothing
    assert anon.get(HOOKS).status_code == 401
    assert create(anon, receiver.url).status_code == 401
    # a viewer (no upload right) has no videos to watch
    refused = create(client_for(viewer), receiver.url)
    assert refused.status_code == 403 and refused.json()["errors"][0]["code"] == "permission_denied"
    # the owner
    created = create(alice, receiver.url, description="LMS")
    assert created.status_code == 201, created.content
    hook = created.json()["data"]
    assert hook["secret"].startswith("whsec_") and hook["owner"] == "alice"
    path = f"{HOOKS}/{hook['id']}"
    assert "secret" not in alice.get(path).json()["data"]  # shown once
    assert [h["id"] for h in alice.get(HOOKS).json()["data"]["items"]] == [hook["id"]]
    # another user: not theirs to see or touch (404, as for what does not exist)
    bob = client_for(other_user)
    assert bob.get(HOOKS).json()["data"]["items"] == []
    for response in (
        bob.get(path),
        bob.patch_json(path, {"active": False}),
        bob.post_json(f"{path}/rotate-secret"),
        bob.get(f"{path}/deliveries"),
        bob.delete(path),
    ):
        assert response.status_code == 404, response.content
    # only staff subscribe to everything
    all_refused = create(alice, receiver.url, scope="all")
    assert all_refused.status_code == 403
    staff = client_for(staff_user)
    assert create(staff, receiver.url, scope="all").status_code == 201
    # staff see and manage everyone's
    assert len(staff.get(HOOKS).json()["data"]["items"]) == 2
    assert staff.patch_json(path, {"events": ["video.failed"]}).json()["data"]["events"] == [
        "video.failed"
    ]
    assert alice.patch_json(path, {"scope": "all"}).status_code == 403
    assert alice.delete(path).status_code == 204
    assert not WebhookSubscription.objects.filter(id=hook["id"]).exists()


def test_rotate_secret_shows_the_new_one_once(alice, receiver):
    hook = create(alice, receiver.url).json()["data"]
    rotated = alice.post_json(f"{HOOKS}/{hook['id']}/rotate-secret")
    assert rotated.status_code == 200
    data = rotated.json()["data"]
    assert data["secret"].startswith("whsec_") and data["secret"] != hook["secret"]
    assert data["previous_secret_expires_at"] is not None  # the old one signs a while
    assert WebhookSubscription.objects.get(id=hook["id"]).secret == data["secret"]


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://example.org/hook", "webhook_url_invalid"),
        ("https://user:pw@example.org/hook", "webhook_url_invalid"),
        ("not a url", "webhook_url_invalid"),
        ("https:///nohost", "webhook_url_invalid"),
        ("http://10.1.2.3/hook", "webhook_url_forbidden"),
        ("http://192.168.1.1/hook", "webhook_url_forbidden"),
        ("http://169.254.169.254/latest/meta-data", "webhook_url_forbidden"),
        ("http://[::1]:8000/hook", "webhook_url_forbidden"),
        ("http://[::ffff:10.0.0.1]/hook", "webhook_url_forbidden"),
        ("http://localhost:8000/hook", "webhook_url_forbidden"),
        ("http://127.0.0.1:9/hook", "webhook_url_forbidden"),
        ("http://0.0.0.0/hook", "webhook_url_forbidden"),
    ],
)
def test_urls_webhooks_may_not_reach(alice, settings, url, code):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    refused = create(alice, url)
    assert refused.status_code == 422, refused.content
    (error,) = refused.json()["errors"]
    assert (error["code"], error["field"]) == (code, "url")
    assert not WebhookSubscription.objects.exists()


def test_allowed_networks_open_a_private_range(alice, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["10.1.0.0/16"]
    assert create(alice, "http://10.1.2.3/hook").status_code == 201
    assert create(alice, "http://10.2.0.1/hook").status_code == 422


def test_event_types_and_limit(alice, receiver, settings):
    unknown = create(alice, receiver.url, events=["video.ready", "video.exploded"])
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "events"
    assert create(alice, receiver.url, events=[]).status_code == 422
    settings.WEBHOOKS_MAX_PER_USER = 2
    assert create(alice, receiver.url).status_code == 201
    assert create(alice, receiver.url).status_code == 201
    over = create(alice, receiver.url)
    assert over.status_code == 409 and over.json()["errors"][0]["code"] == "webhook_limit"


def test_a_read_api_key_lists_but_does_not_subscribe(alice, anon, receiver):
    key = alice.post_json("/api/v1/users/me/api-keys", {"name": "ro", "scope": "read"})
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key.json()['data']['key']}"}
    assert anon.get(HOOKS, **headers).status_code == 200
    refused = anon.post(
        HOOKS, {"url": receiver.url, "events": ["video.ready"]},
        content_type="application/json", **headers,
    )  # fmt: skip
    assert refused.status_code == 403 and refused.json()["errors"][0]["code"] == "api_key_scope"
