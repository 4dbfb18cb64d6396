"""Chapters CRUD and validation; chapters embedded in the source imported when the
encoding succeeds."""

from __future__ import annotations

import pytest

from api.captions.models import Chapter
from api.captions.services import chapters_import
from api.encoding.backends import get_backend
from api.encoding.models import JobPhase
from api.encoding.services import encoding_job_create
from api.videos.models import Video, VideoStatus
from tests.api.factories import attach_source, make_video
from tests.conftest import make_clip
from tests.podv5_media.test_probe_chapters import CHAPTERS, add_chapters


@pytest.fixture
def video(user):
    return make_video(user)  # ready, 4.0 s long


def chapters_of(client, video):
    response = client.get(f"/api/v1/videos/{video.id}/chapters")
    assert response.status_code == 200
    return [(c["title"], c["start"]) for c in response.json()["data"]]


@pytest.mark.django_db
def test_create_list_update_delete(alice, anon, video):
    path = f"/api/v1/videos/{video.id}/chapters"
    later = alice.post_json(path, {"title": "  Questions ", "start": 3.25})
    assert later.status_code == 201
    assert later.json()["data"]["title"] == "Questions"
    first = alice.post_json(path, {"title": "Intro", "start": 0}).json()["data"]
    assert chapters_of(anon, video) == [("Intro", 0.0), ("Questions", 3.25)]

    moved = alice.patch_json(f"{path}/{first['id']}", {"start": 3.5, "title": "Outro"})
    assert moved.status_code == 200
    assert chapters_of(anon, video) == [("Questions", 3.25), ("Outro", 3.5)]
    assert alice.delete(f"{path}/{first['id']}").status_code == 204
    assert chapters_of(anon, video) == [("Questions", 3.25)]
    assert alice.delete(f"{path}/{first['id']}").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"title": "Late", "start": 4.0}, 422, "chapter_out_of_range"),
        ({"title": "Later", "start": 60}, 422, "chapter_out_of_range"),
        ({"title": "Before", "start": -1}, 422, "validation_error"),
        ({"title": "", "start": 1}, 422, "validation_error"),
        ({"title": "Twice", "start": 1.5}, 409, "chapter_exists"),
    ],
)
def test_bad_chapters_are_refused(alice, video, payload, status, code):
    path = f"/api/v1/videos/{video.id}/chapters"
    assert alice.post_json(path, {"title": "There", "start": 1.5}).status_code == 201
    response = alice.post_json(path, payload)
    assert response.status_code == status
    assert response.json()["errors"][0]["code"] == code
    assert Chapter.objects.filter(video=video).count() == 1


@pytest.mark.django_db
def test_moving_onto_another_chapter_or_past_the_end(alice, video):
    path = f"/api/v1/videos/{video.id}/chapters"
    alice.post_json(path, {"title": "A", "start": 0})
    b = alice.post_json(path, {"title": "B", "start": 2}).json()["data"]
    assert alice.patch_json(f"{path}/{b['id']}", {"start": 0}).status_code == 409
    assert alice.patch_json(f"{path}/{b['id']}", {"start": 9}).status_code == 422
    assert Chapter.objects.get(pk=b["id"]).start == 2


@pytest.mark.django_db
def test_without_a_known_duration_any_start_goes(user, alice):
    video = make_video(user, status=VideoStatus.PROCESSING)
    path = f"/api/v1/videos/{video.id}/chapters"
    assert alice.post_json(path, {"title": "Far", "start": 7200}).status_code == 201


@pytest.mark.django_db
def test_only_editors_change_chapters(video, alice, other_user, staff_user, client_for, anon):
    path = f"/api/v1/videos/{video.id}/chapters"
    assert anon.post_json(path, {"title": "X", "start": 1}).status_code == 401
    assert client_for(other_user).post_json(path, {"title": "X", "start": 1}).status_code == 403
    assert client_for(staff_user).post_json(path, {"title": "X", "start": 1}).status_code == 201


@pytest.mark.django_db
def test_import_skips_videos_that_have_chapters(video):
    found = [{"title": "", "start": 0.0}, {"title": "B", "start": 1.0}, {"title": "C", "start": 9}]
    assert chapters_import(video=video, chapters=found) == 2  # 9 s is past the 4 s end
    assert list(Chapter.objects.values_list("title", "start")) == [("Chapter 1", 0.0), ("B", 1.0)]
    assert chapters_import(video=video, chapters=[{"title": "New", "start": 2}]) == 0


@pytest.mark.media
def test_chapters_of_the_uploaded_file_are_imported_at_encoding(live_api, user, tmp_path):
    """A real encode (local backend, real worker, signed callback) of a clip with
    chapters: the video gets them, in order, with their titles."""
    clip = make_clip(tmp_path / "plain.mp4", seconds=3, size="160x120")
    source = add_chapters(clip, tmp_path / "lecture.mp4")
    video = Video.objects.create(owner=user, title="t", status=VideoStatus.UPLOADING)
    video = attach_source(video, source, "lecture.mp4")
    job = encoding_job_create(video=video)
    get_backend().wait_idle(timeout=240)
    job.refresh_from_db()
    assert job.phase == JobPhase.SUCCEEDED, (job.reason, job.message)
    got = list(Chapter.objects.filter(video=video).values_list("title", "start"))
    assert got == [("Introduction", 0.0), ("Été : la suite", 1.0), ("Chapter 3", 2.5)]
    assert len(got) == len(CHAPTERS)
