"""Caption/subtitle tracks over HTTP: upload (WebVTT checked, SRT converted), replace,
serve (plain or tokened URL), delete; and the player config listing them."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from api.captions.models import Track
from tests.api.captions.test_webvtt import GOOD_VTT, SRT
from tests.api.factories import make_video

pytestmark = pytest.mark.django_db


def upload(client, video, data: bytes, *, lang="fr", kind="captions", label="Français"):
    fields = {"file": SimpleUploadedFile("track.txt", data), "lang": lang, "kind": kind}
    if label is not None:
        fields["label"] = label
    return client.post(f"/api/v1/videos/{video.id}/tracks", fields)


def fetch(client, url: str):
    response = client.get(urlsplit(url).path)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


@pytest.fixture
def video(user):
    return make_video(user)


def test_upload_webvtt_then_fetch_it_under_a_plain_url(alice, anon, video):
    response = upload(alice, video, GOOD_VTT.encode())
    assert response.status_code == 201, response.json()
    track = response.json()["data"]
    assert (track["lang"], track["kind"], track["label"]) == ("fr", "captions", "Français")
    assert track["source_format"] == "vtt" and track["size"] == len(GOOD_VTT.encode())
    assert urlsplit(track["url"]).path.startswith(f"/media/videos/{video.id}/captions/")
    served, body = fetch(anon, track["url"])  # a public video: anyone, cacheable
    assert served.status_code == 200 and served["Content-Type"].startswith("text/vtt")
    assert body.decode() == GOOD_VTT
    listed = anon.get(f"/api/v1/videos/{video.id}/tracks").json()["data"]
    assert [t["id"] for t in listed] == [track["id"]]


def test_srt_is_stored_as_webvtt(alice, anon, video):
    response = upload(alice, video, SRT.encode(), lang="en", kind="subtitles", label=None)
    assert response.status_code == 201, response.json()
    track = response.json()["data"]
    assert track["source_format"] == "srt" and track["label"] == "en"
    _, body = fetch(anon, track["url"])
    assert body.decode().startswith("WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nBonjour à <i>")


def test_uploading_again_replaces_the_track_and_its_file(
    alice, anon, video, settings, django_capture_on_commit_callbacks
):
    first = upload(alice, video, GOOD_VTT.encode()).json()["data"]
    with django_capture_on_commit_callbacks(execute=True):
        again = upload(alice, video, SRT.encode(), label="FR (v2)")
    assert again.status_code == 200
    second = again.json()["data"]
    assert second["id"] == first["id"] and second["url"] != first["url"]
    assert Track.objects.filter(video=video).count() == 1
    old_file = Path(settings.MEDIA_ROOT) / urlsplit(first["url"]).path.removeprefix("/media/")
    assert not old_file.exists()
    assert fetch(anon, first["url"])[0].status_code == 404
    assert fetch(anon, second["url"])[1].startswith(b"WEBVTT")


def test_a_private_video_gets_tokened_track_urls(user, alice, anon):
    video = make_video(user, visibility="private")
    track = upload(alice, video, GOOD_VTT.encode()).json()["data"]
    path = urlsplit(track["url"]).path
    assert path.startswith("/media/t/") and f"/videos/{video.id}/captions/" in path
    served, body = fetch(anon, track["url"])  # the token is the key
    assert served.status_code == 200 and body.decode() == GOOD_VTT
    plain = "/media/" + path.split("/", 4)[4]
    assert anon.get(plain).status_code == 404


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (
            b"WEBVTT\n\n00:00.000 --> 00:00.500\nok\n\n00:02.000 --> 00:01.000\nbad\n",
            "invalid_webvtt",
        ),
        (b"WEBVTT\n\n00:00.000 --> 00:01.000\ntext\n00:01.000 --> 00:02.000\n", "invalid_webvtt"),
        (b"1\n00:00:01 --> 00:00:02\nno millis\n", "invalid_srt"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "invalid_srt"),
    ],
)
def test_malformed_files_get_422_with_a_stable_code(alice, video, data, code):
    response = upload(alice, video, data)
    assert response.status_code == 422
    body = response.json()
    assert body["status"] == "error" and body["errors"][0]["code"] == code
    assert body["errors"][0]["field"] == "file"
    assert not Track.objects.exists()


def test_oversized_file_gets_413(alice, video, settings):
    settings.CAPTION_MAX_SIZE = 100
    response = upload(alice, video, GOOD_VTT.encode() + b"\n" * 100)
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "payload_too_large"
    assert not Track.objects.exists()


def test_bad_lang_or_kind_is_a_validation_error(alice, video):
    assert upload(alice, video, GOOD_VTT.encode(), lang="not a lang").status_code == 422
    assert upload(alice, video, GOOD_VTT.encode(), kind="chapters").status_code == 422


def test_label_change_and_delete(
    alice, other_user, client_for, video, settings, django_capture_on_commit_callbacks
):
    track = upload(alice, video, GOOD_VTT.encode()).json()["data"]
    path = f"/api/v1/videos/{video.id}/tracks/{track['id']}"
    renamed = alice.patch_json(path, {"label": "Français (auto)"})
    assert renamed.status_code == 200 and renamed.json()["data"]["label"] == "Français (auto)"
    assert client_for(other_user).delete(path).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        assert alice.delete(path).status_code == 204
    assert not Track.objects.exists()
    stored = Path(settings.MEDIA_ROOT) / urlsplit(track["url"]).path.removeprefix("/media/")
    assert not stored.exists()
    assert alice.delete(path).status_code == 404


def test_player_config_lists_tracks_and_chapters(user, alice, anon):
    video = make_video(user, visibility="unlisted")
    upload(alice, video, GOOD_VTT.encode())
    upload(alice, video, SRT.encode(), lang="en", kind="subtitles", label="English")
    alice.post_json(f"/api/v1/videos/{video.id}/chapters", {"title": "Part 2", "start": 2.5})
    alice.post_json(f"/api/v1/videos/{video.id}/chapters", {"title": "Part 1", "start": 0})
    config = anon.get(f"/api/v1/videos/{video.id}/player").json()["data"]
    assert [(t["lang"], t["kind"], t["label"]) for t in config["tracks"]] == [
        ("en", "subtitles", "English"),
        ("fr", "captions", "Français"),
    ]
    assert [(c["title"], c["start"]) for c in config["chapters"]] == [
        ("Part 1", 0.0),
        ("Part 2", 2.5),
    ]
    # unlisted is not public: tokened URLs that work for anyone holding them
    for track in config["tracks"]:
        assert urlsplit(track["url"]).path.startswith("/media/t/")
        assert fetch(anon, track["url"])[1].startswith(b"WEBVTT")
