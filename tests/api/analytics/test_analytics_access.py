"""Who reads the analytics, and what the channel and owner summaries add up.

Permission matrix, one test per cell, on the actors and videos of the video matrix
(``tests/api/videos/test_access_matrix.py``: ``uploader`` owns none of these videos,
``coowner`` is an additional owner of them all). Channels: ``owner`` owns both,
``uploader`` is a member of both (members add videos, they don't own the channel).

Endpoints: ``video`` GET /videos/{id}/analytics; ``beat`` POST /videos/{id}/heartbeats;
``channel`` GET /channels/{slug}/analytics; ``mine`` GET /users/me/analytics.
"""

from __future__ import annotations

import pytest

from tests.api.factories import make_channel, make_video
from tests.api.videos.test_access_matrix import world  # noqa: F401 - the shared fixture
from tests.conftest import ApiClient

TABLE = """
endpoint actor     public private
video    anonymous 401    401
video    viewer    403    404
video    member    403    404
video    uploader  403    404
video    owner     200    200
video    coowner   200    200
video    staff     200    200
beat     anonymous 200    404
beat     viewer    200    404
beat     uploader  200    404
beat     owner     200    200
beat     coowner   200    200
beat     staff     200    200
channel  anonymous 401    401
channel  viewer    403    404
channel  uploader  403    403
channel  owner     200    200
channel  coowner   403    404
channel  staff     200    200
mine     anonymous 401    401
mine     viewer    200    200
mine     owner     200    200
mine     staff     200    200
"""


def _cases():
    header, *rows = (line.split() for line in TABLE.strip().splitlines())
    for endpoint, actor, *cells in rows:
        for column, expected in zip(header[2:], cells, strict=True):
            yield pytest.param(endpoint, actor, column, expected, id=f"{endpoint}-{actor}-{column}")


@pytest.fixture
def channels(world):  # noqa: F811 - the shared fixture
    users = world["users"]
    return {
        visibility: make_channel(
            [users["owner"]], visibility=visibility, members=[users["uploader"]]
        )
        for visibility in ("public", "private")
    }


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint, actor, column, expected", list(_cases()))
def test_matrix(world, channels, endpoint, actor, column, expected):  # noqa: F811
    user = world["users"].get(actor)
    client = ApiClient(user)
    video = world["videos"][column]
    if endpoint == "video":
        response = client.get(f"/api/v1/videos/{video.id}/analytics")
    elif endpoint == "beat":
        response = client.post_json(
            f"/api/v1/videos/{video.id}/heartbeats",
            {"session": f"matrix-{actor}", "position": 1, "watched": [[0, 1]]},
        )
    elif endpoint == "channel":
        response = client.get(f"/api/v1/channels/{channels[column].slug}/analytics")
    else:
        response = client.get("/api/v1/users/me/analytics")
    assert str(response.status_code) == expected, response.json()


@pytest.mark.django_db
def test_owner_and_channel_summaries_add_up_their_videos(user, other_user, staff_user):
    """Alice owns two videos (one in the channel), Bob co-owns one of them and owns a
    third in the channel: each summary sums the right videos, most viewed first."""
    first = make_video(user, title="First")
    second = make_video(user, title="Second", co_owners=[other_user])
    bobs = make_video(other_user, title="Bob's")
    channel = make_channel([staff_user])
    first.channels.add(channel)
    bobs.channels.add(channel)
    anon = ApiClient()
    for video, sessions in ((first, 1), (second, 2), (bobs, 3)):
        for n in range(sessions):  # each plays 3 s: a view
            response = anon.post_json(
                f"/api/v1/videos/{video.id}/heartbeats",
                {"session": f"{video.title[:3]}-session-{n}", "position": 3, "watched": [[0, 3]]},
            )
            assert response.status_code == 200

    def summary(client, path):
        data = client.get(path).json()["data"]
        return data["totals"], [(v["title"], v["views"]) for v in data["videos"]]

    alice = ApiClient(user)
    assert summary(alice, "/api/v1/users/me/analytics") == (
        {"views": 3, "watch_time": 9.0, "sessions": 3, "average_view_duration": 3.0},
        [("Second", 2), ("First", 1)],
    )
    bob = ApiClient(other_user)
    totals, videos = summary(bob, "/api/v1/users/me/analytics")
    assert totals["views"] == 5 and videos == [("Bob's", 3), ("Second", 2)]
    staff = ApiClient(staff_user)
    totals, videos = summary(staff, f"/api/v1/channels/{channel.slug}/analytics")
    assert totals["sessions"] == 4 and videos == [("Bob's", 3), ("First", 1)]
    totals, videos = summary(staff, "/api/v1/users/me/analytics")  # staff owns none
    assert totals["views"] == 0 and videos == []
    assert ApiClient().get("/api/v1/channels/no-such-channel/analytics").status_code == 401
    assert staff.get("/api/v1/channels/no-such-channel/analytics").status_code == 404
