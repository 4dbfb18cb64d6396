"""End to end with the real worker (local backend): a video imported over HTTP from a
real server on loopback (allowed by IMPORT_ALLOWED_NETWORKS here) becomes ready with its
HLS ladder, its source kept for re-encodes; a PeerTube video brings its metadata; an
import past the size limit fails the video and keeps nothing."""

from __future__ import annotations

import httpx
import pytest

from api.imports.models import VideoImport
from api.videos.models import Video
from tests.api.editing.test_reencode_e2e import wait_job
from tests.api.test_main_job import wait_for
from tests.conftest import bearer, fetch_hls_start, make_clip
from tests.origin import Origin, Route
from tests.podv5_media.imports.conftest import SHORT_UUID, peertube_video

pytestmark = pytest.mark.media


@pytest.fixture
def origin(settings):
    settings.IMPORT_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    with Origin("127.0.0.1") as server:
        yield server


@pytest.fixture
def http(live_api, user):
    with httpx.Client(
        base_url=live_api.url, headers={"Authorization": bearer(user)}, timeout=30
    ) as client:
        yield client


def test_import_a_media_file_then_play_and_reencode(origin, http, tmp_path, settings):
    clip = make_clip(tmp_path / "lecture.mp4", seconds=3, size="320x240")
    origin.routes["/media/lecture.mp4"] = Route.file(clip)
    response = http.post("/api/v1/videos/import", json={"url": origin.url("/media/lecture.mp4")})
    assert response.status_code == 202, response.text
    video = wait_for(response.json()["data"]["id"])
    assert video.status == "ready", (video.error_code, video.error_message)
    assert video.title == "lecture.mp4" and abs(video.duration - 3) < 0.2

    player = http.get(f"/api/v1/videos/{video.id}/player").json()["data"]
    fetch_hls_start(http, player["hls"]["url"])
    kept = settings.MEDIA_ROOT / video.source_name
    assert kept.read_bytes() == clip.read_bytes() and video.source_size == clip.stat().st_size
    assert origin.paths() == ["/media/lecture.mp4"]  # downloaded once, by the worker

    job = http.post(f"/api/v1/videos/{video.id}/encode")  # from the kept source
    assert job.status_code == 202
    done = wait_job(job.json()["data"]["id"])
    assert done.phase == "Succeeded", (done.reason, done.message)
    assert origin.paths() == ["/media/lecture.mp4"]  # not fetched again


def test_import_a_peertube_video_with_its_metadata(origin, http, tmp_path):
    clip = make_clip(tmp_path / "a-480.mp4", seconds=2, size="320x240")
    origin.routes[f"/api/v1/videos/{SHORT_UUID}"] = Route.json(
        peertube_video(origin, files=[(480, "/static/web-videos/a-480.mp4")], hls=[])
    )
    origin.routes["/download/static/web-videos/a-480.mp4"] = Route.file(clip)
    response = http.post(
        "/api/v1/videos/import", json={"url": origin.url(f"/w/{SHORT_UUID}"), "tags": ["mine"]}
    )
    assert response.status_code == 202, response.text
    video = wait_for(response.json()["data"]["id"])
    assert video.status == "ready", (video.error_code, video.error_message)
    assert video.title == "Signal processing, lesson 1"
    assert video.description == "Fourier series and the discrete Fourier transform."
    assert video.licence == "cc-by-sa"
    assert [t.slug for t in video.tags.all()] == ["mine"]  # given: not replaced
    record = VideoImport.objects.get(video=video)
    assert record.metadata["language"] == "fr" and record.kind == "peertube"
    assert record.media_url == origin.url("/download/static/web-videos/a-480.mp4")
    assert origin.paths() == [
        f"/api/v1/videos/{SHORT_UUID}",
        "/download/static/web-videos/a-480.mp4",
    ]


def test_an_import_past_the_size_limit_fails_and_keeps_nothing(origin, http, settings):
    settings.IMPORT_MAX_SIZE = 50_000
    origin.routes["/big.mp4"] = Route(endless=True)
    response = http.post("/api/v1/videos/import", json={"url": origin.url("/big.mp4")})
    video = wait_for(response.json()["data"]["id"])
    assert (video.status, video.error_code) == ("failed", "import_too_large")
    assert video.source_name == ""
    assert not (settings.MEDIA_ROOT / f"videos/{video.id}/source").exists()
    shown = http.get(f"/api/v1/videos/{video.id}").json()["data"]
    assert shown["error"]["code"] == "import_too_large"


def test_a_redirect_to_a_forbidden_address_fails_the_video(origin, http):
    # the API cannot see it coming (the URL is fine): the worker refuses the redirect
    origin.routes["/v.mp4"] = Route(redirect="http://169.254.169.254/latest/meta-data/")
    response = http.post("/api/v1/videos/import", json={"url": origin.url("/v.mp4")})
    video = wait_for(response.json()["data"]["id"])
    assert (video.status, video.error_code) == ("failed", "import_forbidden_address")
    assert Video.objects.get(pk=video.id).source_name == ""
