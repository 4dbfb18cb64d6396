"""``POST /api/v1/videos/import``: who may import, the URLs refused at once (stable
codes), the video and the job it makes (the worker's instructions), the quota and the
rate limit; and the job's final callback attaching the imported source and metadata."""

from __future__ import annotations

import pytest

from api.encoding.models import EncodingJob
from api.imports.models import VideoImport
from api.videos.models import Video
from tests.api.callbacks.test_callbacks import send

URL = "/api/v1/videos/import"
CLIP = "https://media.example.org/lectures/Intro%20lecture.mp4"
RECORD = "6e35e3b2778883f5db637d7a5dba0a427f692e91-1598261245372"


def codes(response) -> list[tuple[str, str | None]]:
    return [(e["code"], e.get("field")) for e in response.json()["errors"]]


def test_anonymous_and_viewers_may_not_import(anon, client_for, django_user_model):
    assert anon.post_json(URL, {"url": CLIP}).status_code == 401
    viewer = django_user_model.objects.create_user("viewer", "v@example.org", "pw-v-1")
    response = client_for(viewer).post_json(URL, {"url": CLIP})
    assert response.status_code == 403 and codes(response) == [("permission_denied", None)]
    assert not Video.objects.exists()


@pytest.mark.parametrize(
    "url, code",
    [
        ("ftp://media.example.org/v.mp4", "import_invalid_url"),
        ("file:///etc/passwd", "import_invalid_url"),
        ("https://user:secret@media.example.org/v.mp4", "import_invalid_url"),
        ("media.example.org/v.mp4", "import_invalid_url"),
        ("https://media.example.org:70000/v.mp4", "import_invalid_url"),
        ("https://media.example.org/" + "a" * 2100, "import_invalid_url"),
        # NUL or a control character: refused like in every text input (validation_error)
        ("https://media.example.org/a\u0000b", "validation_error"),
        ("http://127.0.0.1:8000/api/v1/users", "import_forbidden_address"),
        ("http://10.0.0.8/v.mp4", "import_forbidden_address"),
        ("http://169.254.169.254/latest/meta-data/", "import_forbidden_address"),
        ("http://[::1]/v.mp4", "import_forbidden_address"),
        ("http://[::ffff:10.0.0.8]/v.mp4", "import_forbidden_address"),
        ("http://2130706433/v.mp4", "import_forbidden_address"),
        ("http://0x7f.1/v.mp4", "import_forbidden_address"),
        ("http://localhost/v.mp4", "import_forbidden_address"),
        ("http://pod.localhost/v.mp4", "import_forbidden_address"),
    ],
)
def test_urls_refused_at_once(alice, url, code):
    response = alice.post_json(URL, {"url": url})
    assert response.status_code == 422 and codes(response) == [(code, "url")]
    assert not Video.objects.exists() and not EncodingJob.objects.exists()


def test_allowed_networks_open_internal_addresses(alice, settings):
    settings.IMPORT_ALLOWED_NETWORKS = ["10.20.0.0/16"]
    assert alice.post_json(URL, {"url": "http://10.20.1.2/v.mp4"}).status_code == 202
    response = alice.post_json(URL, {"url": "http://10.21.1.2/v.mp4"})
    assert codes(response) == [("import_forbidden_address", "url")]


@pytest.mark.parametrize("kind", ["peertube", "bbb"])
def test_a_kind_the_url_does_not_match(alice, kind):
    response = alice.post_json(URL, {"url": CLIP, "kind": kind})
    assert response.status_code == 422 and codes(response) == [("import_unsupported_source", "url")]


def test_an_import_makes_a_processing_video_and_its_job(alice, user, settings):
    settings.IMPORT_MAX_SIZE = 123_456_789
    settings.IMPORT_TIMEOUT_SECONDS = 600
    settings.IMPORT_MAX_REDIRECTS = 3
    response = alice.post_json(URL, {"url": CLIP, "visibility": "unlisted", "is_draft": False})
    assert response.status_code == 202, response.json()
    data = response.json()["data"]
    assert (data["status"], data["title"], data["visibility"]) == (
        "processing", "Intro lecture.mp4", "unlisted"
    )  # fmt: skip
    assert data["upload"] is None and data["encoding"]["phase"] == "Pending"
    video = Video.objects.get(pk=data["id"])
    assert video.owner == user and video.source_name == ""  # until the worker stores it
    job = EncodingJob.objects.get(video=video)
    assert job.spec["source"].endswith(f"videos/{video.id}/source/imported")
    assert job.spec["sourceImport"] == {
        "url": CLIP,
        "kind": "direct",
        "maxBytes": 123_456_789,
        "timeoutSeconds": 600.0,
        "maxRedirects": 3,
        "allowedNetworks": [],
    }
    record = VideoImport.objects.get(video=video)
    assert (record.url, record.kind, record.job_id, record.kept_fields) == (
        CLIP,
        "direct",
        job.id,
        [],
    )


@pytest.mark.parametrize(
    "url, kind, title",
    [
        ("https://tube.example.org/w/kkGMgK9ZtnKfYAgnEtQxbv", "peertube",
         "PeerTube video from tube.example.org"),
        (f"https://bbb.example.org/playback/presentation/2.3/{RECORD}", "bbb",
         "BigBlueButton recording from bbb.example.org"),
        ("https://tube.example.org/w/kkGMgK9ZtnKfYAgnEtQxbv?start=10", "peertube", None),
    ],
)  # fmt: skip
def test_the_kind_comes_from_the_url(alice, url, kind, title):
    response = alice.post_json(URL, {"url": url})
    assert response.status_code == 202
    job = EncodingJob.objects.get(video_id=response.json()["data"]["id"])
    assert job.spec["sourceImport"]["kind"] == kind
    assert title is None or response.json()["data"]["title"] == title


def test_a_direct_kind_wins_over_the_url_form(alice):
    response = alice.post_json(
        URL, {"url": "https://tube.example.org/w/kkGMgK9ZtnKfYAgnEtQxbv", "kind": "direct"}
    )
    job = EncodingJob.objects.get(video_id=response.json()["data"]["id"])
    assert job.spec["sourceImport"]["kind"] == "direct"


def test_the_quota(alice, user):
    user.quota_bytes = 10_000
    user.save()
    Video.objects.create(owner=user, title="old", source_size=4_000, output_size=1_000)
    response = alice.post_json(URL, {"url": CLIP})
    assert response.status_code == 202
    job = EncodingJob.objects.get(video_id=response.json()["data"]["id"])
    assert job.spec["sourceImport"]["quotaBytes"] == 5_000  # the worker stops past it
    Video.objects.create(owner=user, title="more", source_size=5_000)
    response = alice.post_json(URL, {"url": CLIP})
    assert response.status_code == 413 and codes(response) == [("quota_exceeded", None)]
    assert Video.objects.count() == 3


def test_imports_count_with_upload_creations(alice, settings):
    settings.RATE_LIMITS = {"upload_create": "2/m"}
    assert [alice.post_json(URL, {"url": CLIP}).status_code for _ in range(3)] == [202, 202, 429]


def test_the_final_callback_attaches_the_source_and_fills_the_metadata(alice, anon, settings):
    response = alice.post_json(
        URL,
        {"url": "https://tube.example.org/w/kkGMgK9ZtnKfYAgnEtQxbv", "description": "Mine."},
    )
    video = Video.objects.get(pk=response.json()["data"]["id"])
    job = EncodingJob.objects.get(video=video)
    imported = {
        "source": job.spec["source"],
        "size": 2048,
        "filename": "a-720-fragmented.mp4",
        "media_url": "https://tube.example.org/download/a-720.mp4",
        "metadata": {
            "title": "Signal processing, lesson 1",
            "description": "Fourier series.",
            "licence": "cc-by-sa",
            "tags": ["Fourier", "signal"],
            "language": "fr",
        },
    }
    ids = {"job_id": str(job.id), "video_id": str(video.id)}
    send(anon, "encoding.running", ids)
    answer = send(
        anon,
        "encoding.failed",
        {**ids, "reason": "ffmpeg_failed", "message": "x", "imported": imported},
    )
    assert answer.status_code == 200, answer.json()
    video.refresh_from_db()
    assert (video.status, video.error_code) == ("failed", "ffmpeg_failed")
    # the source is kept even though the encode failed: a re-encode starts from it
    assert video.source_name == f"videos/{video.id}/source/imported"
    assert (video.source_filename, video.source_size) == ("a-720-fragmented.mp4", 2048)
    assert video.title == "Signal processing, lesson 1" and video.licence == "cc-by-sa"
    assert video.description == "Mine."  # given with the request: kept
    assert sorted(t.slug for t in video.tags.all()) == ["fourier", "signal"]
    record = VideoImport.objects.get(video=video)
    assert record.metadata["language"] == "fr" and record.size == 2048
    assert record.media_url == imported["media_url"] and record.completed_at is not None


def test_an_imported_source_elsewhere_than_the_spec_is_ignored(alice, anon):
    response = alice.post_json(URL, {"url": CLIP})
    video = Video.objects.get(pk=response.json()["data"]["id"])
    job = EncodingJob.objects.get(video=video)
    ids = {"job_id": str(job.id), "video_id": str(video.id)}
    imported = {"source": "file:///etc/passwd", "size": 1, "filename": "x", "media_url": CLIP}
    send(anon, "encoding.failed", {**ids, "reason": "import_failed", "imported": imported})
    video.refresh_from_db()
    assert (video.status, video.error_code, video.source_name) == ("failed", "import_failed", "")
