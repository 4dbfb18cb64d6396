"""Access settings of videos: validation, who may change them, passwords and grants."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password
from django.core import signing

from api.accounts.models import AccessGroup
from api.videos.models import Video
from tests.api.factories import make_video

pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    return AccessGroup.objects.create(code_name="l3-physics", display_name="L3 Physics")


def error_of(response, status):
    assert response.status_code == status, response.content
    return response.json()["errors"][0]


def test_create_with_access_settings(alice, user, other_user, course):
    response = alice.post_json(
        "/api/v1/videos",
        {
            "title": "Exam",
            "visibility": "restricted",
            "is_draft": False,
            "access_groups": ["l3-physics"],
            "additional_owners": ["bob", "alice"],
        },
    )
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["visibility"] == "restricted" and data["is_draft"] is False
    assert data["access_groups"] == [{"code_name": "l3-physics", "display_name": "L3 Physics"}]
    assert data["additional_owners"] == [{"id": other_user.id, "username": "bob"}]
    assert data["upload"] is not None


def test_new_videos_are_public_drafts(alice):
    data = alice.post_json("/api/v1/videos", {"title": "Lecture"}).json()["data"]
    assert (data["visibility"], data["is_draft"]) == ("public", True)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"visibility": "restricted"}, "access_groups"),
        ({"visibility": "restricted", "access_groups": ["nope"]}, "access_groups"),
        ({"visibility": "password"}, "password"),
        ({"visibility": "private", "password": "letmein"}, "password"),
        ({"additional_owners": ["ghost"]}, "additional_owners"),
        ({"visibility": "secret"}, "visibility"),
        ({"visibility": "password", "password": "abc"}, "password"),
    ],
)
def test_inconsistent_access_settings_are_422(alice, payload, field):
    error = error_of(alice.post_json("/api/v1/videos", {"title": "T", **payload}), 422)
    assert (error["code"], error["field"]) == ("validation_error", field)
    assert not Video.objects.exists()


def test_viewer_may_not_create(client_for, django_user_model):
    viewer = django_user_model.objects.create_user("carol", password="pw-carol-1")
    error = error_of(client_for(viewer).post_json("/api/v1/videos", {"title": "T"}), 403)
    assert error["code"] == "permission_denied"


def test_coowner_edits_but_may_not_change_coowners(client_for, user, other_user, staff_user):
    video = make_video(user, visibility="private", co_owners=[other_user])
    path = f"/api/v1/videos/{video.id}"
    bob = client_for(other_user)
    response = bob.patch_json(path, {"title": "Better", "visibility": "unlisted"})
    assert response.status_code == 200
    assert response.json()["data"]["visibility"] == "unlisted"
    error = error_of(bob.patch_json(path, {"additional_owners": []}), 403)
    assert (error["code"], error["field"]) == ("permission_denied", "additional_owners")
    response = client_for(staff_user).patch_json(path, {"additional_owners": []})
    assert response.status_code == 200 and response.json()["data"]["additional_owners"] == []
    # no longer a co-owner: bob still sees the unlisted video, but may not change it
    assert bob.get(path).status_code == 200
    assert error_of(bob.patch_json(path, {"title": "Mine"}), 403)["code"] == "permission_denied"


def test_restricted_video_follows_group_membership(client_for, user, other_user, course):
    video = make_video(user, visibility="restricted", groups=[course])
    path = f"/api/v1/videos/{video.id}"
    bob = client_for(other_user)
    assert bob.get(path).status_code == 404
    course.members.add(other_user)
    assert bob.get(path).status_code == 200
    assert bob.get("/api/v1/users/me").json()["data"]["access_groups"] == [
        {"code_name": "l3-physics", "display_name": "L3 Physics"}
    ]


def unlock(client, video, password="letmein"):
    return client.post_json(f"/api/v1/videos/{video.id}/unlock", {"password": password})


def test_unlock_gives_a_grant_for_that_video_only(anon, user):
    video = make_video(user, visibility="password", password="letmein")
    other = make_video(user, visibility="password", password="letmein")
    error = error_of(unlock(anon, video, "wrong"), 403)
    assert error["code"] == "wrong_password"
    response = unlock(anon, video)
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["header"] == "X-Video-Grant" and data["expires_at"]
    grant = {"HTTP_X_VIDEO_GRANT": data["grant"]}
    assert anon.get(f"/api/v1/videos/{video.id}", **grant).status_code == 200
    player = anon.get(f"/api/v1/videos/{video.id}/player", **grant).json()["data"]
    assert "/media/t/" in player["hls"]["url"]
    assert anon.get(f"/api/v1/videos/{other.id}", **grant).status_code == 404
    assert anon.get(f"/api/v1/videos/{video.id}").status_code == 404


def test_bad_or_expired_grant_is_403(anon, user, settings):
    video = make_video(user, visibility="password", password="letmein")
    grant = unlock(anon, video).json()["data"]["grant"]
    path = f"/api/v1/videos/{video.id}"
    for bad in (grant[:-2] + "xx", "garbage", signing.dumps({"v": "x"}, salt="other")):
        assert error_of(anon.get(path, HTTP_X_VIDEO_GRANT=bad), 403)["code"] == "invalid_grant"
    settings.VIDEO_GRANT_SECONDS = -1
    assert error_of(anon.get(path, HTTP_X_VIDEO_GRANT=grant), 403)["code"] == "invalid_grant"


def test_new_password_revokes_grants_and_leaving_password_forgets_it(alice, anon, user):
    video = make_video(user, visibility="password", password="letmein")
    path = f"/api/v1/videos/{video.id}"
    grant = {"HTTP_X_VIDEO_GRANT": unlock(anon, video).json()["data"]["grant"]}
    assert anon.get(path, **grant).status_code == 200
    assert alice.patch_json(path, {"password": "another"}).status_code == 200
    assert anon.get(path, **grant).status_code == 404
    assert unlock(anon, video, "another").status_code == 200
    body = alice.patch_json(path, {"visibility": "private"}).json()["data"]
    assert "password" not in body
    video.refresh_from_db()
    assert video.password == ""
    assert error_of(alice.patch_json(path, {"visibility": "password"}), 422)["field"] == "password"


def test_password_is_stored_hashed(alice):
    data = alice.post_json(
        "/api/v1/videos",
        {"title": "T", "visibility": "password", "password": "letmein", "is_draft": False},
    ).json()["data"]
    stored = Video.objects.get(id=data["id"]).password
    # the preferred password hasher's format (Argon2id), never the password itself
    assert stored.startswith("argon2$argon2id$") and "letmein" not in stored
    assert check_password("letmein", stored)
    assert "password" not in data


def test_unlisted_is_not_in_the_catalog_but_public_is(anon, user):
    public = make_video(user)
    make_video(user, visibility="unlisted")
    items = anon.get("/api/v1/catalog/videos").json()["data"]["items"]
    assert [item["id"] for item in items] == [str(public.id)]
    assert items[0]["poster"].startswith(f"http://testserver/media/{public.output_prefix}")
    assert set(items[0]) == {
        "id",
        "slug",
        "title",
        "description",
        "duration",
        "owner",
        "poster",
        "created_at",
    }
