"""An HDR source end to end with ``ENCODING_KEEP_HDR``: the local backend runs the real
``media-encode`` on a PQ clip, and the video's renditions, its player config and the
master playlist it serves offer the HDR rendition beside the SDR ones; an SDR source
gets none and its player config says so."""

from __future__ import annotations

import httpx
import m3u8
import pytest

from api.encoding.services import encoding_job_create
from api.videos.models import Video
from tests.api.factories import attach_source
from tests.api.test_main_job import wait_for
from tests.conftest import FFMPEG, bearer, make_clip
from tests.hdr import make_hdr_clip

pytestmark = pytest.mark.media


def _encode(live_api, user, path, name):
    video = Video.objects.create(owner=user, title=name)
    video = attach_source(video, path, name)
    encoding_job_create(video=video)  # what a finished upload starts
    ready = wait_for(video.id)
    assert ready.status == "ready", (ready.error_code, ready.error_message)
    http = httpx.Client(base_url=live_api.url, headers={"Authorization": bearer(user)}, timeout=30)
    body = http.get(f"/api/v1/videos/{video.id}").json()["data"]
    player = http.get(f"/api/v1/videos/{video.id}/player").json()["data"]
    master = http.get(player["hls"]["url"])
    assert master.status_code == 200
    return body, player, m3u8.loads(master.text)


def test_hdr_source_offers_its_hdr_rendition(live_api, user, tmp_path, settings):
    settings.ENCODING_KEEP_HDR = True
    clip = make_hdr_clip(FFMPEG, tmp_path / "pq.mp4", "smpte2084", seconds=1, hdr10=True,
                         audio=True)  # fmt: skip
    body, player, master = _encode(live_api, user, clip, "pq.mp4")

    ranges = [(r["name"], r["video_range"]) for r in body["renditions"]]
    assert ranges == [("240p", "SDR"), ("240p-pq", "PQ")]
    assert body["renditions"][1]["codecs"].startswith("hvc1.2.")
    assert player["hdr"] == "PQ"
    assert player["dash"] is not None
    assert [m["name"] for m in player["mp4"]] == ["240p"]  # the fallback stays SDR H.264
    variants = {p.uri.split("/")[0]: p.stream_info.video_range for p in master.playlists}
    assert variants == {"240p": "SDR", "240p-pq": "PQ"}


def test_sdr_source_with_the_setting_has_no_hdr_rendition(live_api, user, tmp_path, settings):
    settings.ENCODING_KEEP_HDR = True
    body, player, master = _encode(live_api, user, make_clip(tmp_path / "c.mp4", seconds=1), "c")
    assert [r["video_range"] for r in body["renditions"]] == ["SDR"]
    assert player["hdr"] is None
    assert [p.stream_info.video_range for p in master.playlists] == ["SDR"]
