"""List endpoints run a constant number of queries, whatever the page holds: the same
count for a page of 1 item and a page of 20 items, each with owners, access groups,
an encoding job, channels, themes, disciplines, a type and tags."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.accounts.models import AccessGroup
from api.editorial.models import Discipline, Favorite, Playlist, PlaylistItem, Theme, VideoType
from api.encoding.models import EncodingJob
from tests.api.factories import make_channel, make_editorial_video

pytestmark = pytest.mark.django_db


@pytest.fixture
def stock(user, other_user):
    """``add(n, visibility)``: n more videos of alice's (co-owned by bob), each with
    everything a list item shows, in alice's playlist and favorites."""
    group = AccessGroup.objects.create(code_name="g", display_name="G")
    playlist = Playlist.objects.create(owner=user, title="Mix", visibility="public")
    counter = {"n": 0}

    def add(count: int, visibility: str) -> None:
        for _ in range(count):
            i = counter["n"] = counter["n"] + 1
            channel = make_channel([user], title=f"c{i}")
            theme = Theme.objects.create(channel=channel, title=f"t{i}", slug=f"t{i}")
            video = make_editorial_video(
                user,
                title=f"v{i}",
                visibility=visibility,
                groups=[group],
                co_owners=[other_user],
                channels=[channel],
                themes=[theme],
                disciplines=[Discipline.objects.create(title=f"d{i}", slug=f"d{i}")],
                type=VideoType.objects.create(title=f"y{i}", slug=f"y{i}"),
                tags=[f"tag{i}", "common"],
            )
            EncodingJob.objects.create(video=video, backend="local", spec={})
            PlaylistItem.objects.create(playlist=playlist, video=video, position=i)
            Favorite.objects.create(user=user, video=video, position=i)

    return {"add": add, "playlist": playlist}


@pytest.mark.parametrize(
    ("path", "actor", "visibility"),
    [
        ("/api/v1/videos?limit=50", "owner", "restricted"),  # owned videos
        ("/api/v1/videos?limit=50", "co_owner", "password"),  # co-owned videos
        ("/api/v1/videos?limit=50&tag=common&q=common&ordering=title", "owner", "public"),
        ("/api/v1/catalog/videos?limit=50", "anonymous", "public"),
        ("/api/v1/channels?limit=50", "anonymous", "public"),
        ("/api/v1/channels?limit=50", "owner", "public"),
        ("/api/v1/themes", "anonymous", "public"),
        ("/api/v1/playlists/{playlist}/items?limit=50", "anonymous", "public"),
        ("/api/v1/users/me/favorites?limit=50", "owner", "public"),
    ],
)
def test_list_queries_do_not_grow_with_the_page(
    path, actor, visibility, user, other_user, client_for, stock
):
    client = client_for({"owner": user, "co_owner": other_user}.get(actor))
    path = path.format(playlist=stock["playlist"].pk)
    stock["add"](1, visibility)
    with CaptureQueriesContext(connection) as one:
        response = client.get(path)
    assert response.status_code == 200
    data = response.json()["data"]
    assert len(data if isinstance(data, list) else data["items"]) == 1
    stock["add"](19, visibility)
    with CaptureQueriesContext(connection) as twenty:
        response = client.get(path)
    data = response.json()["data"]
    assert len(data if isinstance(data, list) else data["items"]) == 20
    assert len(twenty.captured_queries) == len(one.captured_queries), [
        q["sql"][:120] for q in twenty.captured_queries
    ]


def test_playlist_list_queries_do_not_grow(user, other_user, client_for):
    group = AccessGroup.objects.create(code_name="g", display_name="G")
    client = client_for(user)

    def add(count):
        for i in range(count):
            playlist = Playlist.objects.create(owner=user, title=f"p{i}", visibility="public")
            playlist.additional_owners.set([other_user])
            playlist.access_groups.set([group])

    add(1)
    with CaptureQueriesContext(connection) as one:
        assert len(client.get("/api/v1/playlists?limit=50").json()["data"]["items"]) == 1
    add(19)
    with CaptureQueriesContext(connection) as twenty:
        assert len(client.get("/api/v1/playlists?limit=50").json()["data"]["items"]) == 20
    assert len(twenty.captured_queries) == len(one.captured_queries)
