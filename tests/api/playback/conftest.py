"""Fixtures of the media tests against a live server: videos with fake encoded outputs on
disk (``tests.api.factories.OUTPUT_FILES``) and an httpx client of the server."""

from __future__ import annotations

import time

import httpx
import pytest

from api.playback.tokens import media_token
from tests.api.factories import MASTER, make_video, write_outputs


@pytest.fixture
def server(live_server, transactional_db):
    """An httpx client of a live server (Django's, in this process), following no redirect."""
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        yield client


@pytest.fixture
def public_video(user, _media_root):
    video = make_video(user)
    write_outputs(video, _media_root)
    return video


@pytest.fixture
def private_video(user, _media_root):
    video = make_video(user, visibility="private")
    write_outputs(video, _media_root)
    return video


def plain_url(video, name: str = MASTER) -> str:
    return f"/media/{video.output_prefix}{name}"


def tokened_url(video, name: str = MASTER, *, expires: int | None = None) -> str:
    """The tokened URL path of one of ``video``'s outputs (valid 10 minutes by default)."""
    expires = expires or int(time.time()) + 600
    token = media_token(scope=video.storage_prefix, expires=expires)
    return f"/media/t/{token}/{video.output_prefix}{name}"
