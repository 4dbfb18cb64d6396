"""Live media tokens and file names with odd characters: the expiry of a token is
ASCII digits (``api.core.parsing.parse_uint``), so Unicode digits (``²``, ``٣``) are a
403 ``invalid_media_token``, never a 500; file names with non-ASCII digits or a trailing
line feed are not live files (404)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.api.live.test_live_access import go_live, path_of
from tests.api.live.test_live_api import create

pytestmark = pytest.mark.django_db


def test_odd_live_tokens_and_names_are_4xx(alice, anon, settings):
    event = create(alice, visibility="private")
    eid = event["id"]
    go_live(anon, eid, settings.MEDIA_ROOT)
    hls = path_of(alice.get(f"/api/v1/live/events/{eid}/player").json()["data"]["hls"])
    prefix = f"/api/v1/live/events/{eid}/hls/t/"
    token = hls[len(prefix) :].split("/")[0]
    signature = token.partition(".")[2]
    for expires in ("²²²²²²²²²²", "٣٣٣٣٣٣٣٣٣٣", "+1700000000", "9" * 40, "", "1_700_000_000"):
        response = anon.get(f"{prefix}{quote(expires)}.{signature}/index.m3u8")
        assert response.status_code == 403, (expires, response.content)
        assert response.json()["errors"][0]["code"] == "invalid_media_token"
    for name in ("s٠٠١_٠٠٠٠٠.ts", "index.m3u8\n", "poster.jpg%00"):
        response = anon.get(f"{prefix}{token}/{quote(name)}")
        assert response.status_code == 404, (name, response.content)
        assert response.json()["status"] == "error"
    assert anon.get(hls).status_code == 200
