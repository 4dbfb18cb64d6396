"""Access rules on live playback, the same as videos': password-protected events
unlocked by a short-lived grant, and tokened live HLS URLs for every non-public event
(the token a path segment, so the playlist's relative segment URIs keep working).

The live files here are written by the test (a playlist naming one segment): the real
stream through these URLs is in ``test_live_stream.py``."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.api.live.test_live_api import create, deliver, event_payload

pytestmark = pytest.mark.django_db

PLAYLIST = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\ns001_00000.ts\n"


def go_live(client, event_id: str, media_root) -> Path:
    """The worker's ``live.starting`` (signed callback) and a playlist with a segment."""
    assert deliver(client, "live.starting", f"go-{event_id}", event_id=event_id, listening=True)
    hls = Path(media_root) / "live" / event_id / "hls"
    hls.mkdir(parents=True)
    (hls / "index.m3u8").write_text(PLAYLIST)
    (hls / "s001_00000.ts").write_bytes(b"\x47" + bytes(187))
    return hls


def path_of(url: str) -> str:
    return urlparse(url).path


def test_password_event_needs_a_grant(alice, anon, settings):
    event = create(alice, visibility="password", password="open sesame")
    eid = event["id"]
    assert event["visibility"] == "password" and "password" not in event
    assert anon.get(f"/api/v1/live/events/{eid}").status_code == 404
    assert anon.get(f"/api/v1/live/events/{eid}/player").status_code == 404
    assert anon.get("/api/v1/live/events").json()["data"]["items"] == []

    wrong = anon.post_json(f"/api/v1/live/events/{eid}/unlock", {"password": "guess"})
    assert wrong.status_code == 403 and wrong.json()["errors"][0]["code"] == "wrong_password"
    unlocked = anon.post_json(f"/api/v1/live/events/{eid}/unlock", {"password": "open sesame"})
    assert unlocked.status_code == 200, unlocked.content
    grant = unlocked.json()["data"]
    assert grant["header"] == "X-Video-Grant"
    headers = {"HTTP_X_VIDEO_GRANT": grant["grant"]}
    seen = anon.get(f"/api/v1/live/events/{eid}", **headers)
    assert seen.status_code == 200 and seen.json()["data"]["ingest"] is None
    assert anon.get(f"/api/v1/live/events/{eid}/player", **headers).status_code == 200
    bad = anon.get(f"/api/v1/live/events/{eid}", HTTP_X_VIDEO_GRANT=grant["grant"] + "x")
    assert bad.status_code == 403 and bad.json()["errors"][0]["code"] == "invalid_grant"

    # a new password revokes the grants of the old one
    changed = alice.patch_json(f"/api/v1/live/events/{eid}", {"password": "another one"})
    assert changed.status_code == 200, changed.content
    assert anon.get(f"/api/v1/live/events/{eid}", **headers).status_code == 404
    # a public event cannot be unlocked; a password without its visibility is refused
    public = create(alice, ingest="other")
    not_locked = anon.post_json(f"/api/v1/live/events/{public['id']}/unlock", {"password": "x"})
    assert not_locked.status_code == 409
    refused = alice.post_json(
        "/api/v1/live/events", event_payload(ingest="third", password="lonely password")
    )
    assert refused.status_code == 422


def test_private_live_hls_only_through_its_token(alice, anon, settings):
    private = create(alice, visibility="private")
    other = create(alice, visibility="unlisted", ingest="other")
    eid = private["id"]
    go_live(anon, eid, settings.MEDIA_ROOT)
    go_live(anon, other["id"], settings.MEDIA_ROOT)

    player = alice.get(f"/api/v1/live/events/{eid}/player").json()["data"]
    hls = path_of(player["hls"])
    prefix = f"/api/v1/live/events/{eid}/hls/t/"
    assert hls.startswith(prefix) and hls.endswith("/index.m3u8")
    expires = datetime.fromisoformat(player["expires_at"])
    assert expires > datetime.now(UTC) + timedelta(days=1)  # past the event's end

    # anonymous: the event is hidden, and the plain URLs serve nothing
    assert anon.get(f"/api/v1/live/events/{eid}/player").status_code == 404
    assert anon.get(f"/api/v1/live/events/{eid}/hls/index.m3u8").status_code == 404
    # the tokened URL works for anyone holding it, the relative segment URI included
    playlist = anon.get(hls)
    assert playlist.status_code == 200 and playlist["Cache-Control"] == "no-cache"
    assert b"".join(playlist.streaming_content).decode() == PLAYLIST
    segment = anon.get(hls.replace("index.m3u8", "s001_00000.ts"))
    assert segment.status_code == 200 and segment["Content-Type"] == "video/mp2t"
    # another event's token, a tampered token, an expired one: 403
    token = hls[len(prefix) :].split("/")[0]
    foreign = anon.get(f"/api/v1/live/events/{other['id']}/hls/t/{token}/index.m3u8")
    assert foreign.status_code == 403
    assert foreign.json()["errors"][0]["code"] == "invalid_media_token"
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert anon.get(f"{prefix}{tampered}/index.m3u8").status_code == 403
    from api.playback.tokens import media_token

    past = int(time.time()) - 1
    stale = media_token(scope=f"live/{eid}/", expires=past)
    assert anon.get(f"{prefix}{stale}/index.m3u8").status_code == 403
    # only live file names are served
    assert anon.get(f"{prefix}{token}/..%2Frec%2Frecording.ts").status_code == 404


def test_public_event_keeps_plain_urls(alice, anon, settings):
    event = create(alice)
    go_live(anon, event["id"], settings.MEDIA_ROOT)
    player = anon.get(f"/api/v1/live/events/{event['id']}/player").json()["data"]
    assert player["expires_at"] is None
    assert path_of(player["hls"]) == f"/api/v1/live/events/{event['id']}/hls/index.m3u8"
    assert anon.get(path_of(player["hls"])).status_code == 200
