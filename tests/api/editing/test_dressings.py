"""Dressings over HTTP: create, upload a watermark (PNG only, decoded to check it) and
credits (a video, probed), credits taken from a platform video, a video using a
dressing, and the EncodingJob ``edit`` they make; bad files refused, nothing stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from api.core import storage
from api.editing.models import Dressing
from api.editing.selectors import edit_spec_for
from tests.api.factories import make_video
from tests.conftest import make_clip

pytestmark = pytest.mark.django_db


def create(client, **fields) -> dict:
    response = client.post_json("/api/v1/dressings", {"title": "Université", **fields})
    assert response.status_code == 201, response.json()
    return response.json()["data"]


def upload(client, dressing_id, what: str, name: str, data: bytes):
    return client.post(
        f"/api/v1/dressings/{dressing_id}/{what}", {"file": SimpleUploadedFile(name, data)}
    )


def stored_files(media_root: Path, dressing_id) -> list[str]:
    folder = media_root / "dressings" / str(dressing_id)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_dressing_with_watermark_and_uploaded_credits_goes_into_the_spec(
    alice, user, png, tmp_path, settings, django_capture_on_commit_callbacks
):
    dressing = create(alice, watermark_position="bottom-left", watermark_opacity=0.6)
    assert dressing["has_watermark"] is False and dressing["opening"] is None

    marked = upload(alice, dressing["id"], "watermark", "logo.png", png)
    assert marked.status_code == 200 and marked.json()["data"]["has_watermark"] is True
    clip = make_clip(tmp_path / "intro.mp4", seconds=1)
    opened = upload(alice, dressing["id"], "opening", "intro.mp4", clip.read_bytes())
    assert opened.status_code == 200, opened.json()
    assert opened.json()["data"]["opening"] == {"video": None, "uploaded": True}
    assert len(stored_files(settings.MEDIA_ROOT, dressing["id"])) == 2

    video = make_video(user)
    video.source_name = f"{video.storage_prefix}source/a.mp4"
    video.save()
    answer = alice.put(
        f"/api/v1/videos/{video.id}/dressing",
        {"dressing": dressing["id"]},
        content_type="application/json",
    )
    assert answer.status_code == 200 and answer.json()["data"]["dressing"]["id"] == dressing["id"]
    spec = edit_spec_for(video=video)
    assert spec.watermark.position == "bottom-left" and spec.watermark.opacity == 0.6
    assert storage.storage_name(spec.watermark.image).startswith(f"dressings/{dressing['id']}/")
    assert storage.storage_name(spec.opening).endswith(".mp4") and spec.closing is None
    assert spec.trim is None and spec.remove == []

    # a new watermark replaces the old file; deleting the dressing removes its files
    with django_capture_on_commit_callbacks(execute=True):
        upload(alice, dressing["id"], "watermark", "logo2.png", png)
    files = stored_files(settings.MEDIA_ROOT, dressing["id"])
    assert len(files) == 2 and storage.storage_name(edit_spec_for(video=video).watermark.image)
    with django_capture_on_commit_callbacks(execute=True):
        assert alice.delete(f"/api/v1/dressings/{dressing['id']}").status_code == 204
    assert stored_files(settings.MEDIA_ROOT, dressing["id"]) == []
    assert edit_spec_for(video=video) is None


def test_credits_from_a_platform_video_use_its_source(alice, user, other_user):
    credits = make_video(user, title="Générique")
    credits.source_name = f"{credits.storage_prefix}source/generique.mp4"
    credits.save()
    dressing = create(alice, closing_video=str(credits.id))
    assert dressing["closing"] == {"video": str(credits.id), "uploaded": False}
    video = make_video(user)
    alice.put(
        f"/api/v1/videos/{video.id}/dressing",
        {"dressing": dressing["id"]},
        content_type="application/json",
    )
    assert storage.storage_name(edit_spec_for(video=video).closing) == credits.source_name
    # a video of someone else you may not see, or one not ready: refused with its field
    hidden = make_video(
        make_video(user).owner.__class__.objects.create(username="eve"), visibility="private"
    )
    refused = alice.patch_json(
        f"/api/v1/dressings/{dressing['id']}", {"opening_video": str(hidden.id)}
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "opening_video"
    cleared = alice.patch_json(f"/api/v1/dressings/{dressing['id']}", {"closing_video": None})
    assert cleared.json()["data"]["closing"] is None


@pytest.mark.parametrize(
    ("what", "name", "fixture", "status", "code"),
    [
        ("watermark", "logo.jpg", "jpeg", 415, "unsupported_image"),  # PNG only
        ("watermark", "logo.png", "text", 415, "unsupported_image"),
        ("watermark", "logo.png", "empty", 415, "unsupported_image"),
        ("opening", "intro.mp4", "text", 415, "unsupported_media"),
        ("closing", "outro.png", "png", 415, "unsupported_media"),  # a still image
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(
    alice, request, settings, what, name, fixture, status, code
):
    data = {"text": b"not an image at all\n" * 20, "empty": b""}.get(fixture)
    if data is None:
        data = request.getfixturevalue(fixture)
    dressing = create(alice)
    response = upload(alice, dressing["id"], what, name, data)
    assert response.status_code == status, response.json()
    assert response.json()["errors"][0]["code"] == code
    assert stored_files(settings.MEDIA_ROOT, dressing["id"]) == []
    row = Dressing.objects.get(pk=dressing["id"])
    assert not (row.watermark_name or row.opening_name or row.closing_name)


def test_files_over_the_limits_are_413(alice, png, settings):
    settings.DRESSING_WATERMARK_MAX_SIZE = len(png) - 1
    settings.DRESSING_CREDITS_MAX_SIZE = 10
    dressing = create(alice)
    for what, name in (("watermark", "a.png"), ("opening", "a.mp4")):
        response = upload(alice, dressing["id"], what, name, png)
        assert response.status_code == 413
        assert response.json()["errors"][0] == {
            "code": "payload_too_large",
            "message": response.json()["errors"][0]["message"],
            "field": "file",
        }
    assert stored_files(settings.MEDIA_ROOT, dressing["id"]) == []


def test_someone_elses_dressing_cannot_be_used(alice, user, other_user, client_for):
    theirs = create(client_for(other_user))
    video = make_video(user)
    response = alice.put(
        f"/api/v1/videos/{video.id}/dressing",
        {"dressing": theirs["id"]},
        content_type="application/json",
    )
    assert response.status_code == 404 and response.json()["errors"][0]["field"] == "dressing"
    assert alice.get("/api/v1/dressings").json()["data"] == []
