"""CORS of /media/ as a player embedded on another site meets it, over real HTTP: the
preflights browsers send (a suffix range, a range with another header), then every kind
of media response read cross-origin (200, 206, 304, 403, 404, 416), each with
``Access-Control-Allow-Origin`` and the range headers exposed. The API itself still
answers CORS to the listed origins only."""

from __future__ import annotations

import time

import pytest

from tests.api.factories import MASTER
from tests.api.playback.conftest import plain_url, tokened_url

EMBED = "https://lms.univ.example"  # a site embedding the player, listed nowhere
FRONT = "https://pod.univ.example"  # the front end, in CORS_ALLOWED_ORIGINS
SEGMENT = "hls/v0/seg_00000.m4s"


@pytest.fixture(autouse=True)
def _front_end_origin(settings):
    settings.CORS_ALLOWED_ORIGINS = [FRONT]


def assert_cors_readable(response) -> None:
    """What a browser checks before it lets the page's script read the response."""
    assert response.headers["access-control-allow-origin"] == "*", response.headers
    exposed = {
        h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")
    }
    assert {"content-range", "accept-ranges", "content-length"} <= exposed


def preflight(server, url: str, origin: str, request_headers: str):
    return server.options(
        url,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": request_headers,
        },
    )


@pytest.mark.parametrize("origin", [EMBED, FRONT])
@pytest.mark.parametrize("request_headers", ["range", "range,x-request-id", "Range, Cache-Control"])
def test_preflight_of_a_range_request_is_allowed(server, private_video, origin, request_headers):
    response = preflight(server, tokened_url(private_video, SEGMENT), origin, request_headers)
    assert response.status_code in (200, 204), response.text
    assert response.headers["access-control-allow-origin"] == "*"
    allowed = {h.strip() for h in response.headers["access-control-allow-headers"].split(",")}
    assert {h.strip().lower() for h in request_headers.split(",")} <= allowed
    assert "GET" in response.headers["access-control-allow-methods"]


def test_preflight_of_a_plain_url_and_of_a_bad_token(server, public_video, private_video):
    for url in (
        plain_url(public_video, SEGMENT),
        tokened_url(private_video, SEGMENT, expires=int(time.time()) - 5),
    ):
        response = preflight(server, url, EMBED, "range")
        assert response.status_code in (200, 204)
        assert response.headers["access-control-allow-origin"] == "*"
        assert "range" in response.headers["access-control-allow-headers"]


@pytest.mark.parametrize("origin", [EMBED, FRONT])
def test_a_suffix_range_is_readable_cross_origin(server, private_video, origin):
    response = server.get(
        tokened_url(private_video, SEGMENT), headers={"Origin": origin, "Range": "bytes=-100"}
    )
    assert response.status_code == 206
    assert response.headers["content-range"] == "bytes 3900-3999/4000"
    assert len(response.content) == 100
    assert_cors_readable(response)


def test_every_media_answer_is_readable_cross_origin(server, public_video, private_video):
    origin = {"Origin": EMBED}
    whole = server.get(plain_url(public_video, SEGMENT), headers=origin)
    assert whole.status_code == 200
    assert_cors_readable(whole)
    cached = server.get(
        plain_url(public_video, SEGMENT), headers={**origin, "If-None-Match": whole.headers["etag"]}
    )
    assert cached.status_code == 304 and cached.content == b""
    assert_cors_readable(cached)
    expired = server.get(
        tokened_url(private_video, expires=int(time.time()) - 5), headers=origin
    )  # the player sees a 403 it can act on, not a network error
    assert expired.status_code == 403
    assert expired.json()["errors"][0]["code"] == "invalid_media_token"
    assert_cors_readable(expired)
    for missing in (
        plain_url(private_video),  # a non-public video under a plain URL
        tokened_url(private_video, "hls/v9/nothing.m4s"),
    ):
        response = server.get(missing, headers=origin)
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "not_found"
        assert_cors_readable(response)
    past_end = server.get(
        tokened_url(private_video, SEGMENT), headers={**origin, "Range": "bytes=5000-"}
    )
    assert past_end.status_code == 416
    assert past_end.headers["content-range"] == "bytes */4000"
    assert_cors_readable(past_end)
    refused = server.post(tokened_url(private_video), headers=origin)
    assert refused.status_code == 405
    assert_cors_readable(refused)


def test_the_api_still_answers_only_its_listed_origins(server, public_video):
    listed = server.get("/api/v1/catalog/videos", headers={"Origin": FRONT})
    assert listed.headers["access-control-allow-origin"] == FRONT
    other = server.get("/api/v1/catalog/videos", headers={"Origin": EMBED})
    assert "access-control-allow-origin" not in other.headers
    # and the player config (the API) of a public video still works from the front end
    player = server.get(f"/api/v1/videos/{public_video.id}/player", headers={"Origin": FRONT})
    assert player.json()["data"]["hls"]["url"].endswith(MASTER)


def test_x_accel_redirect_answers_carry_cors_too(server, private_video, settings):
    settings.MEDIA_ACCEL_REDIRECT = "/protected-media/"
    response = server.get(tokened_url(private_video, SEGMENT), headers={"Origin": EMBED})
    assert response.status_code == 200 and response.headers["x-accel-redirect"].endswith(SEGMENT)
    assert_cors_readable(response)
