"""Editorial endpoints end to end: channels and theme trees, disciplines and types,
tags, the editorial fields of videos, playlists and favorites."""

from __future__ import annotations

import pytest

from api.editorial.models import Discipline, Tag, Theme, VideoType
from tests.api.factories import make_channel, make_video

pytestmark = pytest.mark.django_db


def _data(response, status: int = 200):
    assert response.status_code == status, response.content
    return response.json()["data"]


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    return response.json()["errors"][0]


@pytest.fixture
def staff(staff_user, client_for):
    return client_for(staff_user)


# --- channels and themes ------------------------------------------------------------


def test_staff_create_a_channel_owned_by_them_with_a_slug(staff, staff_user):
    channel = _data(staff.post_json("/api/v1/channels", {"title": "Sciences & Vie"}), 201)
    assert channel["slug"] == "sciences-vie" and channel["visibility"] == "public"
    assert [o["username"] for o in channel["owners"]] == ["staff"]
    again = _data(staff.post_json("/api/v1/channels", {"title": "Sciences & Vie"}), 201)
    assert again["slug"] == "sciences-vie-2"
    error = _error(staff.post_json("/api/v1/channels", {"title": "X", "slug": "sciences-vie"}), 409)
    assert error["code"] == "slug_taken" and error["field"] == "slug"
    assert _error(staff.post_json("/api/v1/channels", {"title": "X", "slug": "Bad Slug"}), 422)


def test_titles_and_tags_in_other_scripts_get_transliterated_slugs(staff, alice):
    channel = _data(staff.post_json("/api/v1/channels", {"title": "Физика"}), 201)
    assert channel["slug"] == "fizika"
    video = _data(
        alice.post_json("/api/v1/videos", {"title": "講義", "tags": ["机器学习", "Оптика"]}), 201
    )
    assert sorted(t["slug"] for t in video["tags"]) == ["ji-qi-xue-xi", "optika"]
    assert video["slug"].startswith("jiang-yi-")
    # an emoji-only tag has no letter to keep: refused, nothing created
    error = _error(alice.post_json("/api/v1/videos", {"title": "x", "tags": ["🎬"]}), 422)
    assert error["field"] == "tags"


def test_channel_owner_changes_members_but_not_owners(alice, user, other_user):
    channel = make_channel([user], visibility="private")
    path = f"/api/v1/channels/{channel.pk}"
    data = _data(alice.patch_json(path, {"members": ["bob"], "visibility": "public"}))
    assert [m["username"] for m in data["members"]] == ["bob"] and data["user_can_edit"]
    assert data["visibility"] == "public"
    error = _error(alice.patch_json(path, {"owners": ["bob"]}), 403)
    assert error["field"] == "owners"
    assert _error(alice.patch_json(path, {"members": ["nobody"]}), 422)["field"] == "members"
    assert _error(alice.patch_json(path, {"visibility": "unlisted"}), 422)


def test_theme_tree_per_channel(alice, user, anon):
    physics, maths = make_channel([user], title="Physics"), make_channel([user], title="Maths")
    top = _data(alice.post_json("/api/v1/themes", {"channel": physics.pk, "title": "Optics"}), 201)
    child = _data(
        alice.post_json(
            "/api/v1/themes", {"channel": physics.pk, "title": "Lasers", "parent": top["id"]}
        ),
        201,
    )
    assert child["parent"] == top["id"] and child["channel"] == physics.pk
    # the same slug in another channel is fine, twice in one channel is not
    assert _data(alice.post_json("/api/v1/themes", {"channel": maths.pk, "title": "Optics"}), 201)
    body = {"channel": physics.pk, "title": "Other", "slug": "optics"}
    assert _error(alice.post_json("/api/v1/themes", body), 409)["code"] == "slug_taken"
    # a parent must be in the same channel, and the tree has no cycles
    body = {"channel": maths.pk, "title": "Wrong", "parent": top["id"]}
    assert _error(alice.post_json("/api/v1/themes", body), 422)["field"] == "parent"
    cycle = alice.patch_json(f"/api/v1/themes/{top['id']}", {"parent": child["id"]})
    assert _error(cycle, 422)["field"] == "parent"
    moved = _data(alice.patch_json(f"/api/v1/themes/{child['id']}", {"parent": None}))
    assert moved["parent"] is None
    titles = [t["title"] for t in _data(anon.get(f"/api/v1/themes?channel={physics.pk}"))]
    assert titles == ["Lasers", "Optics"]
    assert alice.delete(f"/api/v1/themes/{top['id']}").status_code == 204
    assert not Theme.objects.filter(pk=top["id"]).exists()


def test_themes_of_private_channels_are_hidden(anon, user):
    secret = make_channel([user], visibility="private")
    Theme.objects.create(channel=secret, title="Hidden", slug="hidden")
    assert _data(anon.get("/api/v1/themes")) == []


def test_disciplines_and_types_managed_by_staff(staff, anon):
    discipline = _data(staff.post_json("/api/v1/disciplines", {"title": "Chimie organique"}), 201)
    assert discipline["slug"] == "chimie-organique"
    kind = _data(staff.post_json("/api/v1/types", {"title": "Cours magistral"}), 201)
    assert [d["title"] for d in _data(anon.get("/api/v1/disciplines"))] == ["Chimie organique"]
    assert [t["slug"] for t in _data(anon.get("/api/v1/types"))] == ["cours-magistral"]
    renamed = _data(staff.patch_json(f"/api/v1/types/{kind['id']}", {"title": "Lecture"}))
    assert renamed["title"] == "Lecture" and renamed["slug"] == "cours-magistral"
    assert staff.delete(f"/api/v1/disciplines/{discipline['id']}").status_code == 204
    assert staff.get("/api/v1/disciplines/999").status_code in (404, 405)


# --- video fields -------------------------------------------------------------------


def test_video_editorial_fields_round_trip(alice, user, other_user):
    channel = make_channel([other_user], title="Physics", members=[user])
    theme = Theme.objects.create(channel=channel, title="Optics", slug="optics")
    discipline = Discipline.objects.create(title="Physics", slug="physics")
    kind = VideoType.objects.create(title="Lecture", slug="lecture")
    body = {
        "title": "Lasers",
        "licence": "cc-by-sa",
        "type": kind.pk,
        "channels": [channel.pk],
        "themes": [theme.pk],
        "disciplines": [discipline.pk],
        "tags": ["Machine Learning", "machine  learning", " AI "],
    }
    video = _data(alice.post_json("/api/v1/videos", body), 201)
    assert video["licence"] == "cc-by-sa"
    assert video["type"] == {"id": kind.pk, "slug": "lecture", "title": "Lecture"}
    assert video["channels"] == [{"id": channel.pk, "slug": channel.slug, "title": "Physics"}]
    assert [t["slug"] for t in video["themes"]] == ["optics"]
    assert [d["slug"] for d in video["disciplines"]] == ["physics"]
    assert sorted(t["slug"] for t in video["tags"]) == ["ai", "machine-learning"]
    assert Tag.objects.count() == 2
    path = f"/api/v1/videos/{video['id']}"
    # leaving the channel drops its themes; type null clears it; other fields stay
    patched = _data(alice.patch_json(path, {"channels": [], "type": None}))
    assert patched["channels"] == [] and patched["themes"] == [] and patched["type"] is None
    assert patched["licence"] == "cc-by-sa" and len(patched["tags"]) == 2
    assert _data(alice.patch_json(path, {"tags": []}))["tags"] == []


@pytest.mark.parametrize(
    ("field", "value", "status"),
    [
        ("channels", [999_999], 422),
        ("themes", "other-channel", 422),
        ("disciplines", [999_999], 422),
        ("type", 999_999, 422),
        ("tags", ["!!!"], 422),
        ("licence", "cc-by-xx", 422),
        ("channels", "not-a-member", 403),
    ],
)
def test_video_editorial_fields_are_checked(alice, user, other_user, field, value, status):
    foreign = make_channel([other_user])
    if value == "other-channel":
        value = [Theme.objects.create(channel=foreign, title="T", slug="t").pk]
    elif value == "not-a-member":
        value = [foreign.pk]
    response = alice.post_json("/api/v1/videos", {"title": "V", field: value})
    error = _error(response, status)
    assert field in error.get("field", "")


def test_tags_autocomplete(anon, user):
    video = make_video(user)
    from api.editorial.services import tags_resolve

    video.tags.set(tags_resolve(names=["Physique quantique", "Physics", "Chemistry"]))
    assert [t["slug"] for t in _data(anon.get("/api/v1/tags?q=Phy"))] == [
        "physics",
        "physique-quantique",
    ]


# --- playlists ----------------------------------------------------------------------


def _playlist(client, **body) -> dict:
    return _data(client.post_json("/api/v1/playlists", {"title": "Mix", **body}), 201)


def _items(client, playlist) -> list[str]:
    page = _data(client.get(f"/api/v1/playlists/{playlist['id']}/items?limit=100"))
    return [item["video"]["title"] for item in page["items"]]


def test_playlist_items_are_ordered_and_reordered(alice, user):
    videos = [make_video(user, title=f"v{i}") for i in range(4)]
    playlist = _playlist(alice, visibility="public")
    items = f"/api/v1/playlists/{playlist['id']}/items"
    for video in videos[:3]:
        _data(alice.post_json(items, {"video": str(video.pk)}), 201)
    added = _data(alice.post_json(items, {"video": str(videos[3].pk), "position": 1}), 201)
    assert added["position"] == 1
    assert _items(alice, playlist) == ["v0", "v3", "v1", "v2"]
    again = alice.post_json(items, {"video": str(videos[0].pk)})
    assert _error(again, 409)["code"] == "already_listed"
    order = {"videos": [str(videos[2].pk), str(videos[0].pk)]}
    assert alice.put(items, order, content_type="application/json").status_code == 204
    assert _items(alice, playlist) == ["v2", "v0", "v3", "v1"]
    assert alice.delete(f"{items}/{videos[0].pk}").status_code == 204
    assert _items(alice, playlist) == ["v2", "v3", "v1"]
    assert alice.delete(f"{items}/{videos[0].pk}").status_code == 404
    bad = alice.put(items, {"videos": [str(videos[0].pk)]}, content_type="application/json")
    assert _error(bad, 422)["field"] == "videos"


def test_playlist_shows_only_videos_the_reader_may_see(alice, user, client_for, other_user):
    public = make_video(user, title="open")
    private = make_video(user, title="secret", visibility="private")
    playlist = _playlist(alice, visibility="public")
    for video in (public, private):
        alice.post_json(f"/api/v1/playlists/{playlist['id']}/items", {"video": str(video.pk)})
    assert _items(alice, playlist) == ["open", "secret"]  # alice owns both videos
    bob = client_for(other_user)
    assert _items(bob, playlist) == ["open"]
    # nobody adds a video they cannot see (404, as for a video that does not exist)
    bob_list = _playlist(bob)
    response = bob.post_json(
        f"/api/v1/playlists/{bob_list['id']}/items", {"video": str(private.pk)}
    )
    assert _error(response, 404)["code"] == "not_found"


def test_playlist_access_settings(alice, user, other_user, client_for):
    error = _error(
        alice.post_json("/api/v1/playlists", {"title": "R", "visibility": "restricted"}), 422
    )
    assert error["field"] == "access_groups"
    playlist = _playlist(alice, collaborators=["bob"])
    assert [c["username"] for c in playlist["collaborators"]] == ["bob"]
    bob = client_for(other_user)
    path = f"/api/v1/playlists/{playlist['id']}"
    assert _data(bob.patch_json(path, {"title": "Bob's mix"}))["title"] == "Bob's mix"
    assert _error(bob.patch_json(path, {"collaborators": []}), 403)["field"] == "collaborators"
    assert _error(bob.delete(path), 403)["code"] == "permission_denied"
    assert alice.delete(path).status_code == 204


def test_playlists_list_filters_by_owner_and_pages(alice, user, client_for, other_user):
    for i in range(3):
        _playlist(alice, title=f"a{i}", visibility="public")
    _playlist(client_for(other_user), title="b0", visibility="public")
    page = _data(alice.get("/api/v1/playlists?owner=alice&limit=2"))
    assert page["count"] == 3 and [p["title"] for p in page["items"]] == ["a2", "a1"]
    rest = _data(alice.get(f"/api/v1/playlists?owner=alice&limit=2&cursor={page['next']}"))
    assert [p["title"] for p in rest["items"]] == ["a0"] and rest["next"] is None


# --- favorites ----------------------------------------------------------------------


def test_favorites_ordered_per_user(alice, user, other_user, client_for, anon):
    videos = [make_video(other_user, title=f"f{i}") for i in range(3)]
    path = "/api/v1/users/me/favorites"
    for video in videos:
        _data(alice.post_json(path, {"video": str(video.pk)}), 201)
    assert _error(alice.post_json(path, {"video": str(videos[0].pk)}), 409)
    titles = lambda c: [i["video"]["title"] for i in _data(c.get(path))["items"]]  # noqa: E731
    assert titles(alice) == ["f0", "f1", "f2"]
    assert titles(client_for(other_user)) == []
    order = {"videos": [str(videos[2].pk)]}
    assert alice.put(path, order, content_type="application/json").status_code == 204
    assert titles(alice) == ["f2", "f0", "f1"]
    # a video that becomes private leaves the list (but comes back if it reopens)
    videos[0].visibility = "private"
    videos[0].save()
    assert titles(alice) == ["f2", "f1"]
    assert alice.delete(f"{path}/{videos[1].pk}").status_code == 204
    assert alice.delete(f"{path}/{videos[1].pk}").status_code == 404
    hidden = make_video(other_user, visibility="private")
    assert _error(alice.post_json(path, {"video": str(hidden.pk)}), 404)["code"] == "not_found"
    assert anon.get(path).status_code == 401
