"""Videos CRUD over HTTP, and who sees what."""

import pytest

from api.videos.models import Video, VideoStatus

pytestmark = pytest.mark.django_db


def create(client, title="Lecture 1", **extra):
    response = client.post_json("/api/v1/videos", {"title": title, **extra})
    assert response.status_code == 201, response.content
    return response.json()["data"]


def test_create_returns_draft_with_upload_instructions(alice, user):
    video = create(alice, description="Intro")
    assert video["status"] == "draft"
    assert video["owner"] == {"id": user.id, "username": "alice"}
    upload = video["upload"]
    assert upload["protocol"] == "tus" and upload["tus_version"] == "1.0.0"
    assert upload["url"] == "http://testserver/api/v1/uploads/"
    assert upload["metadata"]["video"] == video["id"]
    assert set(upload["checksum_algorithms"]) == {"sha1", "sha256"}
    assert video["encoding"] is None and video["renditions"] == []


def test_title_is_stripped_and_required(alice):
    assert alice.post_json("/api/v1/videos", {"title": "   "}).status_code == 422
    assert create(alice, title="  Padded  ")["title"] == "Padded"


def test_list_shows_own_videos_paginated(alice, client_for, other_user):
    for i in range(3):
        create(alice, title=f"v{i}")
    create(client_for(other_user), title="not mine")
    page = alice.get("/api/v1/videos?limit=2").json()["data"]
    assert page["count"] == 3
    assert [v["title"] for v in page["items"]] == ["v2", "v1"]
    rest = alice.get("/api/v1/videos?limit=2&offset=2").json()["data"]
    assert [v["title"] for v in rest["items"]] == ["v0"]


def test_non_ready_video_is_hidden_from_others(alice, anon, client_for, other_user, staff_user):
    video = create(alice)
    path = f"/api/v1/videos/{video['id']}"
    assert alice.get(path).status_code == 200
    assert client_for(staff_user).get(path).status_code == 200
    assert client_for(other_user).get(path).status_code == 404
    assert anon.get(path).status_code == 404
    assert anon.get(path + "/player").status_code == 404


def test_published_video_is_visible_without_upload_object(alice, anon, client_for, other_user):
    video = create(alice)
    Video.objects.filter(id=video["id"]).update(status=VideoStatus.READY, is_draft=False)
    assert anon.get(f"/api/v1/videos/{video['id']}").json()["data"]["upload"] is None
    data = client_for(other_user).get(f"/api/v1/videos/{video['id']}").json()["data"]
    assert data["status"] == "ready" and data["upload"] is None


def test_patch_by_owner_only(alice, client_for, other_user):
    video = create(alice)
    path = f"/api/v1/videos/{video['id']}"
    response = alice.patch_json(path, {"description": "new"})
    assert response.status_code == 200
    assert response.json()["data"]["description"] == "new"
    assert response.json()["data"]["title"] == "Lecture 1"
    Video.objects.filter(id=video["id"]).update(status=VideoStatus.READY, is_draft=False)
    response = client_for(other_user).patch_json(path, {"title": "mine now"})
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "permission_denied"
    assert Video.objects.get(id=video["id"]).title == "Lecture 1"


def test_delete_removes_video_and_files(
    alice, client_for, other_user, settings, django_capture_on_commit_callbacks
):
    video = create(alice)
    folder = settings.MEDIA_ROOT / "videos" / video["id"] / "source"
    folder.mkdir(parents=True)
    (folder / "a.mp4").write_bytes(b"x")
    assert client_for(other_user).delete(f"/api/v1/videos/{video['id']}").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = alice.delete(f"/api/v1/videos/{video['id']}")
    assert response.status_code == 204
    assert not Video.objects.filter(id=video["id"]).exists()
    assert not folder.exists()
    assert alice.get(f"/api/v1/videos/{video['id']}").status_code == 404


def test_malformed_id_is_404(alice):
    assert alice.get("/api/v1/videos/not-a-uuid").status_code == 404
