"""Embed tokens (create, use, revoke, expire) and the embed page: a private video played
on another site through its token, its media through the usual tokened URLs."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from api.embed.models import EmbedToken
from tests.api.factories import make_video, write_outputs
from tests.conftest import ApiClient

CONFIG = re.compile(r'<script id="pod-player-config" type="application/json">(.*?)</script>', re.S)


@pytest.fixture
def private(user, _media_root):
    video = make_video(user, visibility="private", title="Board meeting")
    write_outputs(video, _media_root)
    return video


def _create(client, video, **body):
    return client.post_json(f"/api/v1/videos/{video.id}/embed-tokens", body)


@pytest.mark.django_db
def test_a_token_opens_a_private_video_and_its_media(alice, anon, private):
    created = _create(alice, private, label="Intranet page")
    assert created.status_code == 201
    data = created.json()["data"]
    assert data["active"] and data["created_by"] == "alice" and data["label"] == "Intranet page"
    secret = data["token"]
    assert data["embed_url"].endswith(f"/embed/{private.id}?token={secret}")
    assert data["html"].startswith(f'<iframe src="{data["embed_url"]}"')
    assert not EmbedToken.objects.filter(token_hash=secret).exists()  # only its hash is kept

    assert anon.get(f"/api/v1/videos/{private.id}/embed").status_code == 404
    for how in ({"HTTP_X_EMBED_TOKEN": secret}, {"data": {"token": secret}}):
        response = anon.get(f"/api/v1/videos/{private.id}/embed", **how)
        assert response.status_code == 200
        embed = response.json()["data"]
        assert embed["title"] == "Board meeting"
    hls = embed["player"]["hls"]["url"]
    assert "/media/t/" in hls and embed["player"]["expires_at"]
    assert anon.get(urlsplit(hls).path).status_code == 200  # the media token opens the files


@pytest.mark.django_db
def test_embed_page_plays_with_the_token(anon, alice, private):
    secret = _create(alice, private).json()["data"]["token"]
    page = anon.get(f"/embed/{private.id}", {"token": secret})
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert "X-Frame-Options" not in page  # other sites may frame it
    [config] = json.loads(CONFIG.search(page.content.decode())[1])
    assert f'src="{config["hls"]["url"]}"' in page.content.decode()
    assert private.output_prefix in config["hls"]["url"]
    missing = anon.get(f"/embed/{private.id}")
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "not_found"


@pytest.mark.django_db
def test_public_video_needs_no_token(anon, user):
    video = make_video(user)
    assert anon.get(f"/embed/{video.id}").status_code == 200
    assert anon.get(f"/api/v1/videos/{video.id}/embed").json()["data"]["player"]["hls"]


@pytest.mark.django_db
def test_revoked_token_stops_working(alice, anon, private):
    data = _create(alice, private).json()["data"]
    path = f"/api/v1/videos/{private.id}/embed-tokens/{data['id']}"
    assert alice.delete(path).status_code == 204
    assert alice.delete(path).status_code == 204  # revoking twice changes nothing
    for response in (
        anon.get(f"/api/v1/videos/{private.id}/embed", HTTP_X_EMBED_TOKEN=data["token"]),
        anon.get(f"/embed/{private.id}", {"token": data["token"]}),
    ):
        assert response.status_code == 403
        assert response.json()["errors"][0]["code"] == "invalid_embed_token"
    [listed] = alice.get(f"/api/v1/videos/{private.id}/embed-tokens").json()["data"]
    assert listed["id"] == data["id"] and listed["revoked_at"] and not listed["active"]
    assert "token" not in listed


@pytest.mark.django_db
def test_expired_token(alice, anon, private):
    data = _create(alice, private, lifetime_seconds=60).json()["data"]
    EmbedToken.objects.filter(pk=data["id"]).update(expires_at=timezone.now() - timedelta(1))
    response = anon.get(f"/api/v1/videos/{private.id}/embed", HTTP_X_EMBED_TOKEN=data["token"])
    assert response.status_code == 403


@pytest.mark.django_db
def test_a_token_opens_its_video_only(alice, anon, private, user):
    other = make_video(user, visibility="private")
    secret = _create(alice, private).json()["data"]["token"]
    response = anon.get(f"/api/v1/videos/{other.id}/embed", HTTP_X_EMBED_TOKEN=secret)
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "invalid_embed_token"
    forged = anon.get(f"/api/v1/videos/{private.id}/embed", HTTP_X_EMBED_TOKEN="x" * 43)
    assert forged.status_code == 403
    huge = anon.get(f"/api/v1/videos/{private.id}/embed", HTTP_X_EMBED_TOKEN="x" * 5000)
    assert huge.status_code == 422  # longer than any token: refused before any query
    page = anon.get(f"/embed/{private.id}", {"token": "x" * 5000})
    assert page.status_code == 403


@pytest.mark.django_db
def test_lifetime_is_bounded(alice, private, settings):
    settings.EMBED_TOKEN_MAX_SECONDS = 3600
    too_long = _create(alice, private, lifetime_seconds=3601)
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["field"] == "lifetime_seconds"
    assert _create(alice, private, lifetime_seconds=59).status_code == 422
    data = _create(alice, private, lifetime_seconds=3600).json()["data"]
    token = EmbedToken.objects.get(pk=data["id"])
    assert timedelta(seconds=3590) < token.expires_at - token.created_at <= timedelta(seconds=3600)
    default = EmbedToken.objects.get(pk=_create(alice, private).json()["data"]["id"])
    assert default.expires_at - default.created_at <= timedelta(seconds=3600)


@pytest.mark.django_db
def test_tokens_of_another_video_cannot_be_revoked_through_this_one(alice, private, user):
    other = make_video(user, visibility="private")
    data = _create(alice, other).json()["data"]
    path = f"/api/v1/videos/{private.id}/embed-tokens/{data['id']}"
    assert alice.delete(path).status_code == 404
    assert EmbedToken.objects.get(pk=data["id"]).revoked_at is None


@pytest.mark.django_db
def test_deleting_the_video_drops_its_tokens(alice, private, client_for, staff_user):
    _create(alice, private)
    assert ApiClient(staff_user).delete(f"/api/v1/videos/{private.id}").status_code == 204
    assert not EmbedToken.objects.exists()
