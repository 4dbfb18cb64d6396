"""What editorial lists and errors give away.

- ``GET /tags`` lists only the tags of videos the caller may see listed: a private,
  restricted, draft or unlisted video's tags stay hidden from others.
- Lists of users or groups in a request are bounded (422 past ``MAX_ITEMS``), and an
  error naming unknown entries names a few of them, never the whole input.
"""

from __future__ import annotations

import pytest

from api.core.fields import MAX_ITEMS
from api.editorial.services import tags_resolve
from tests.api.factories import make_video

pytestmark = pytest.mark.django_db


def _slugs(client, q: str = "") -> list[str]:
    response = client.get(f"/api/v1/tags?q={q}")
    assert response.status_code == 200, response.content
    return [t["slug"] for t in response.json()["data"]]


def _tagged(owner, name: str, **kwargs):
    video = make_video(owner, **kwargs)
    video.tags.set(tags_resolve(names=[name]))
    return video


def test_tags_of_hidden_videos_are_not_listed(anon, alice, user, other_user, client_for):
    _tagged(user, "public-topic")
    _tagged(user, "secret-merger", visibility="private")
    _tagged(user, "draft-topic", is_draft=True)
    _tagged(user, "link-only", visibility="unlisted")
    bob = client_for(other_user)
    for client in (anon, bob):
        assert _slugs(client) == ["public-topic"]
        assert _slugs(client, "secret") == []
    # the owner lists the tags of all their videos
    assert _slugs(alice) == ["draft-topic", "link-only", "public-topic", "secret-merger"]


def test_a_tag_on_a_public_and_a_private_video_is_listed_once(anon, user):
    _tagged(user, "shared")
    _tagged(user, "shared", visibility="private")
    assert _slugs(anon) == ["shared"]


def test_collaborator_lists_are_bounded(alice):
    names = [f"nobody-{i:05d}-" + "x" * 100 for i in range(MAX_ITEMS + 1)]
    response = alice.post_json("/api/v1/playlists", {"title": "P", "collaborators": names})
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"].startswith("collaborators")
    assert len(response.content) < 2000


def test_unknown_users_are_named_but_not_all_echoed(alice):
    names = [f"nobody-{i:03d}-" + "x" * 100 for i in range(MAX_ITEMS)]
    for url, body in (
        ("/api/v1/playlists", {"title": "P", "collaborators": names}),
        ("/api/v1/playlists", {"title": "P", "access_groups": names}),
        ("/api/v1/videos", {"title": "V", "additional_owners": names}),
    ):
        response = alice.post_json(url, body)
        assert response.status_code == 422, response.content
        message = response.json()["errors"][0]["message"]
        assert "nobody-000" in message and f"and {MAX_ITEMS - 5} more" in message
        assert len(message) < 400, message
