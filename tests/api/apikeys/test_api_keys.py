"""API keys through the API: created shown once and stored hashed, accepted wherever a
JWT is (tus uploads included) within their scope, listable and revocable by their owner;
revoked, expired and forged keys answer 401 with their own codes."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone
from tusclient import client as tus_client
from tusclient.exceptions import TusCommunicationError

from api.apikeys.models import ApiKey
from api.encoding.backends import get_backend
from tests.api.core.test_envelope import assert_error
from tests.conftest import ApiClient, make_clip

KEYS, ME, VIDEOS = "/api/v1/users/me/api-keys", "/api/v1/users/me", "/api/v1/videos"


def create_key(client, scope="read", **extra) -> dict:
    response = client.post_json(KEYS, {"name": f"{scope} key", "scope": scope, **extra})
    assert response.status_code == 201, response.content
    return response.json()["data"]


def as_key(key: str) -> ApiClient:
    client = ApiClient()
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return client


@pytest.mark.django_db
def test_a_key_is_shown_once_and_stored_as_a_digest(alice, user):
    created = create_key(alice, "read")
    key = created["key"]
    assert key.startswith(f"pod_{created['prefix']}_") and len(key) == 4 + 12 + 1 + 43
    row = ApiKey.objects.get(pk=created["id"])
    assert row.digest == hashlib.sha256(key.encode()).hexdigest()
    assert key.rsplit("_", 1)[1] not in str(list(ApiKey.objects.values_list()))
    listed = alice.get(KEYS).json()["data"]["items"]
    assert [k["prefix"] for k in listed] == [created["prefix"]]
    assert "key" not in listed[0] and listed[0]["scope"] == "read"


@pytest.mark.django_db
def test_a_read_key_reads_and_is_refused_on_a_post(alice, user):
    key = create_key(alice, "read")["key"]
    client = as_key(key)
    me = client.get(ME)
    assert me.status_code == 200 and me.json()["data"]["username"] == "alice"
    assert client.get(VIDEOS).status_code == 200
    assert_error(client.post_json(VIDEOS, {"title": "No"}), 403, "api_key_scope")
    assert_error(client.patch_json(ME, {"first_name": "No"}), 403, "api_key_scope")
    user.refresh_from_db()
    assert user.first_name == "" and not user.videos.exists()


@pytest.mark.django_db
def test_an_upload_key_creates_videos_but_changes_nothing_else(alice, user):
    client = as_key(create_key(alice, "upload")["key"])
    created = client.post_json(VIDEOS, {"title": "Lecture 1"})
    assert created.status_code == 201 and created.json()["data"]["owner"]["username"] == "alice"
    video_id = created.json()["data"]["id"]
    assert_error(client.patch_json(f"{VIDEOS}/{video_id}", {"title": "x"}), 403, "api_key_scope")
    assert_error(client.delete(f"{VIDEOS}/{video_id}"), 403, "api_key_scope")
    assert_error(client.patch_json(ME, {"first_name": "x"}), 403, "api_key_scope")


@pytest.mark.django_db
def test_a_manage_key_does_what_its_owner_may_but_no_more(alice, user, other_user, client_for):
    client = as_key(create_key(alice, "manage")["key"])
    assert client.patch_json(ME, {"first_name": "Alice"}).json()["data"]["first_name"] == "Alice"
    bobs = client_for(other_user).post_json(VIDEOS, {"title": "Bob's"}).json()["data"]
    own = client.post_json(VIDEOS, {"title": "Mine"}).json()["data"]
    renamed = client.patch_json(f"{VIDEOS}/{own['id']}", {"title": "Still mine"})
    assert renamed.json()["data"]["title"] == "Still mine"
    assert client.delete(f"{VIDEOS}/{own['id']}").status_code == 204
    # the owner's rights still apply: bob's draft is hidden from alice, key or not
    assert_error(client.patch_json(f"{VIDEOS}/{bobs['id']}", {"title": "x"}), 404, "not_found")


@pytest.mark.django_db
def test_a_staff_key_has_staff_rights_only_from_the_allowed_networks(
    staff_user, client_for, settings
):
    key = create_key(client_for(staff_user), "manage")["key"]
    assert as_key(key).get(ME).json()["data"]["role"] == "manager"
    settings.STAFF_ALLOWED_CIDRS = ["10.1.0.0/16"]  # the test client is 127.0.0.1
    assert as_key(key).get(ME).json()["data"]["role"] == "viewer"


@pytest.mark.django_db
def test_a_viewer_upload_key_still_cannot_create_videos(client_for, django_user_model):
    viewer = django_user_model.objects.create_user("vic", "v@example.org", "pw-vic-123")
    client = as_key(create_key(client_for(viewer), "upload")["key"])
    assert_error(client.post_json(VIDEOS, {"title": "x"}), 403, "permission_denied")


@pytest.mark.django_db
def test_keys_cannot_manage_keys_or_change_the_password(alice, user):
    client = as_key(create_key(alice, "manage")["key"])
    assert_error(client.get(KEYS), 403, "api_key_scope")
    assert_error(client.post_json(KEYS, {"name": "x", "scope": "manage"}), 403, "api_key_scope")
    changed = client.post_json(f"{ME}/password", {"old": "pw-alice-1", "new": "a long new pass"})
    assert_error(changed, 403, "api_key_scope")
    assert ApiKey.objects.count() == 1


@pytest.mark.django_db
def test_a_revoked_key_answers_401_and_stays_listed(alice, user):
    created = create_key(alice, "manage")
    client = as_key(created["key"])
    assert client.get(ME).status_code == 200
    assert alice.delete(f"{KEYS}/{created['id']}").status_code == 204
    assert_error(client.get(ME), 401, "api_key_revoked")
    assert alice.delete(f"{KEYS}/{created['id']}").status_code == 204  # idempotent
    [listed] = alice.get(KEYS).json()["data"]["items"]
    assert listed["revoked_at"] is not None


@pytest.mark.django_db
def test_an_expired_key_answers_401(alice, user):
    soon = (timezone.now() + timedelta(hours=1)).isoformat()
    created = create_key(alice, "read", expires_at=soon)
    client = as_key(created["key"])
    assert client.get(ME).status_code == 200
    # an hour passes
    ApiKey.objects.filter(pk=created["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_error(client.get(ME), 401, "api_key_expired")
    past = (timezone.now() - timedelta(minutes=1)).isoformat()
    refused = alice.post_json(KEYS, {"name": "x", "scope": "read", "expires_at": past})
    assert assert_error(refused, 422, "validation_error")["errors"][0]["field"] == "expires_at"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "mangle",
    [
        lambda k: k[:-1] + ("A" if k[-1] != "A" else "B"),  # right prefix, wrong secret
        lambda k: "pod_" + "0" * 12 + k[16:],  # unknown prefix
        lambda k: k[:20],  # cut short
        lambda k: "pod_" + "x" * 5000,  # oversized
    ],
    ids=["wrong-secret", "unknown-prefix", "truncated", "oversized"],
)
def test_forged_keys_answer_401_and_the_jwt_still_works(alice, user, mangle):
    key = create_key(alice, "manage")["key"]
    assert_error(as_key(mangle(key)).get(ME), 401, "api_key_invalid")
    assert alice.get(ME).status_code == 200


@pytest.mark.django_db
def test_an_inactive_owners_key_answers_401(alice, user):
    client = as_key(create_key(alice, "read")["key"])
    user.is_active = False
    user.save()
    assert_error(client.get(ME), 401, "api_key_invalid")


@pytest.mark.django_db
def test_only_the_owner_lists_and_revokes_a_key(alice, user, other_user, client_for):
    created = create_key(alice, "read")
    bob = client_for(other_user)
    assert bob.get(KEYS).json()["data"]["items"] == []
    assert_error(bob.delete(f"{KEYS}/{created['id']}"), 404, "not_found")
    assert_error(bob.delete(f"{KEYS}/{2**63}"), 404, "not_found")
    assert as_key(created["key"]).get(ME).status_code == 200


@pytest.mark.django_db
def test_unrevoked_keys_are_capped(alice, user, settings):
    settings.API_KEYS_MAX_PER_USER = 2
    first, _ = create_key(alice), create_key(alice)
    assert_error(alice.post_json(KEYS, {"name": "3rd", "scope": "read"}), 409, "api_key_limit")
    alice.delete(f"{KEYS}/{first['id']}")
    create_key(alice)


@pytest.mark.django_db
def test_last_used_at_is_written_at_most_once_a_minute(alice, user):
    created = create_key(alice, "read")
    client = as_key(created["key"])
    assert ApiKey.objects.get(pk=created["id"]).last_used_at is None
    client.get(ME)
    first = ApiKey.objects.get(pk=created["id"]).last_used_at
    assert first is not None
    client.get(ME)
    assert ApiKey.objects.get(pk=created["id"]).last_used_at == first
    # two minutes later
    ApiKey.objects.filter(pk=created["id"]).update(last_used_at=first - timedelta(minutes=2))
    client.get(ME)
    assert ApiKey.objects.get(pk=created["id"]).last_used_at > first - timedelta(seconds=1)


@pytest.mark.django_db
def test_bad_key_creation_input_is_refused(alice, user):
    for body in ({"name": "", "scope": "read"}, {"name": "x", "scope": "admin"}, {"name": "x"}):
        assert_error(alice.post_json(KEYS, body), 422, "validation_error")
    assert_error(ApiClient().get(KEYS), 401, "not_authenticated")


# --- tus uploads, over real HTTP with tuspy ------------------------------------------


def test_a_tus_upload_with_an_upload_key(live_api, user, tmp_path):
    alice = ApiClient(user)
    key = create_key(alice, "upload")["key"]
    client = as_key(key)
    video = client.post_json(VIDEOS, {"title": "From the LMS"}).json()["data"]
    clip = make_clip(tmp_path / "lms.mp4", seconds=1, size="160x120")
    uploader = tus_client.TusClient(
        f"{live_api.url}/api/v1/uploads/", headers={"Authorization": f"Bearer {key}"}
    ).uploader(str(clip), metadata={"video": video["id"], "filename": "lms.mp4"}, chunk_size=4096)
    uploader.upload()
    assert uploader.offset == clip.stat().st_size
    get_backend().wait_idle(timeout=300)
    assert client.get(f"{VIDEOS}/{video['id']}").json()["data"]["status"] == "ready"


def test_a_read_key_cannot_upload_with_tus(live_api, user, tmp_path):
    alice = ApiClient(user)
    video = alice.post_json(VIDEOS, {"title": "Not this way"}).json()["data"]
    key = create_key(alice, "read")["key"]
    clip = make_clip(tmp_path / "no.mp4", seconds=1, size="160x120")
    uploader = tus_client.TusClient(
        f"{live_api.url}/api/v1/uploads/", headers={"Authorization": f"Bearer {key}"}
    ).uploader(str(clip), metadata={"video": video["id"], "filename": "no.mp4"})
    with pytest.raises(TusCommunicationError) as refused:
        uploader.upload()
    assert refused.value.status_code == 403
    assert b"api_key_scope" in refused.value.response_content
    assert alice.get(f"{VIDEOS}/{video['id']}").json()["data"]["status"] == "draft"
