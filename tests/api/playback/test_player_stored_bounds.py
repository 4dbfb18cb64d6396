"""A duration stored before the callback bounds existed (a worker once sent ``1e300``)
must not break the player config of that video: it is served within the contract's
bounds, and the token lifetime derived from it stays a valid expiry."""

from __future__ import annotations

import pytest

from podv5_contract.bounds import MAX_SECONDS
from tests.api.factories import make_video

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("stored", [1e300, float("inf"), -3.0])
def test_player_config_survives_an_out_of_bounds_stored_duration(
    client_for, user, _media_root, stored
):
    video = make_video(user, visibility="private")
    type(video).objects.filter(pk=video.pk).update(duration=stored)

    response = client_for(user).get(f"/api/v1/videos/{video.id}/player")

    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["duration"] is None or 0 <= data["duration"] <= MAX_SECONDS
    assert "/media/t/" in data["hls"]["url"]
