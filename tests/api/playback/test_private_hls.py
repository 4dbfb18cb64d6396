"""A private video end to end over HTTP: uploaded with tuspy, encoded by the real
worker (local backend), then played anonymously through its tokened URLs only: the
master playlist, every variant and alternate audio playlist, init segment and media
segment (their relative URIs inherit the token), the DASH MPD and the segments it names,
the poster and the storyboard."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import httpx
import m3u8
import pytest
from tusclient import client as tus_client

from tests.api.test_main_job import wait_for
from tests.conftest import bearer, make_clip


@pytest.mark.media
def test_private_hls_through_tokened_urls(live_api, user, tmp_path):
    clip = make_clip(tmp_path / "private.mp4", seconds=5, size="640x360")
    token = bearer(user)
    owner = httpx.Client(base_url=live_api.url, headers={"Authorization": token}, timeout=30)
    video = owner.post(
        "/api/v1/videos", json={"title": "Private", "visibility": "private", "is_draft": False}
    ).json()["data"]
    tus_client.TusClient(
        video["upload"]["url"].replace("http://testserver", live_api.url),
        headers={"Authorization": token},
    ).uploader(str(clip), chunk_size=1 << 20, metadata={"video": video["id"]}).upload()
    ready = wait_for(video["id"])
    assert ready.status == "ready", (ready.error_code, ready.error_message)

    anon = httpx.Client(base_url=live_api.url, timeout=30)
    assert anon.get(f"/api/v1/videos/{video['id']}/player").status_code == 404
    player = owner.get(f"/api/v1/videos/{video['id']}/player").json()["data"]
    master_url = player["hls"]["url"]
    assert urlparse(master_url).path.startswith("/media/t/")
    plain = master_url.replace(urlparse(master_url).path.split("/videos/")[0], "/media")
    assert anon.get(plain).status_code == 404

    fetched = 0
    master = m3u8.loads(anon.get(master_url).text, uri=master_url)
    assert master.is_variant and master.playlists
    assert [m.type for m in master.media] == ["AUDIO"]
    assert [a["default"] for a in player["audio"]] == [True]
    for playlist in [*master.playlists, *master.media]:
        assert "/media/t/" in playlist.absolute_uri
        variant = m3u8.loads(anon.get(playlist.absolute_uri).text, uri=playlist.absolute_uri)
        assert variant.segments and variant.is_endlist
        uris = {seg.init_section.absolute_uri for seg in variant.segments if seg.init_section}
        uris |= {seg.absolute_uri for seg in variant.segments}
        for uri in sorted(uris):
            response = anon.get(uri)
            assert response.status_code == 200, (uri, response.text)
            assert len(response.content) > 100
            fetched += 1
    assert fetched >= 6

    # DASH: the MPD beside the master, its URLs (the same segments) under the token too
    mpd = anon.get(player["dash"]["url"])
    assert mpd.status_code == 200
    assert mpd.headers["content-type"] == "application/dash+xml"
    names = re.findall(r'(?:initialization|media)="([^"]+)"', mpd.text)
    assert names
    for name in names:
        url = httpx.URL(player["dash"]["url"]).join(name.replace("$Number%05d$", "00000"))
        assert "/media/t/" in str(url)
        assert anon.get(url).status_code == 200, url
    assert anon.get(player["poster"]).headers["content-type"] == "image/jpeg"
    vtt = anon.get(player["storyboard"]["vtt"])
    assert vtt.status_code == 200
    sprite = vtt.text.split("\n\n")[1].splitlines()[-1].split("#")[0]  # first cue's image
    assert anon.get(httpx.URL(player["storyboard"]["vtt"]).join(sprite)).status_code == 200
