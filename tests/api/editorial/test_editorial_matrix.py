"""The permission matrix of the editorial endpoints, generated from the tables below
(one test per cell), with the actors of ``tests/api/videos/test_access_matrix.py``
(its ``_make_world``): ``viewer`` (no upload right), ``member`` (in the access group
``matrix-course``), ``uploader``, ``owner``, ``coowner`` (a viewer), ``staff`` (a
manager).

Channels: ``owner`` owns both, ``coowner`` is a member of both. Endpoints: ``detail``
GET /channels/{id}; ``patch``; ``delete``; ``listed`` in GET /channels (Y/-);
``theme`` POST /themes in the channel; ``addvideo`` PATCH of the actor's own video
putting it in the channel; ``create`` POST /channels.

Playlists: ``owner`` owns them all, ``coowner`` collaborates on them all, the
restricted one is for ``matrix-course``. Endpoints: ``detail``, ``items`` (GET
/playlists/{id}/items), ``patch``, ``delete``, ``additem`` (POST a public video),
``listed`` in GET /playlists (Y/-), ``create`` POST /playlists.

Vocabularies (disciplines, types): ``list``, ``create``, ``patch``, ``delete``.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from api.accounts.models import User
from api.editorial.models import Channel, Discipline, Playlist, VideoType
from api.videos.models import Video
from tests.api.factories import make_channel, make_video
from tests.api.videos.test_access_matrix import _make_world
from tests.conftest import ApiClient

CHANNELS = """
endpoint actor     public private
detail   anonymous 200    404
detail   viewer    200    404
detail   member    200    404
detail   uploader  200    404
detail   owner     200    200
detail   coowner   200    200
detail   staff     200    200
patch    anonymous 401    401
patch    viewer    403    404
patch    member    403    404
patch    uploader  403    404
patch    owner     200    200
patch    coowner   403    403
patch    staff     200    200
delete   anonymous 401    401
delete   viewer    403    404
delete   member    403    404
delete   uploader  403    404
delete   owner     403    403
delete   coowner   403    403
delete   staff     204    204
listed   anonymous Y      -
listed   viewer    Y      -
listed   member    Y      -
listed   uploader  Y      -
listed   owner     Y      Y
listed   coowner   Y      Y
listed   staff     Y      Y
theme    anonymous 401    401
theme    viewer    403    404
theme    member    403    404
theme    uploader  403    404
theme    owner     201    201
theme    coowner   403    403
theme    staff     201    201
addvideo anonymous 401    401
addvideo viewer    403    403
addvideo member    403    403
addvideo uploader  403    403
addvideo owner     200    200
addvideo coowner   200    200
addvideo staff     200    200
create   anonymous 401
create   viewer    403
create   member    403
create   uploader  403
create   owner     403
create   coowner   403
create   staff     201
"""

PLAYLISTS = """
endpoint actor     public unlisted private restricted
detail   anonymous 200    200      404     404
detail   viewer    200    200      404     404
detail   member    200    200      404     200
detail   uploader  200    200      404     404
detail   owner     200    200      200     200
detail   coowner   200    200      200     200
detail   staff     200    200      200     200
items    anonymous 200    200      404     404
items    viewer    200    200      404     404
items    member    200    200      404     200
items    uploader  200    200      404     404
items    owner     200    200      200     200
items    coowner   200    200      200     200
items    staff     200    200      200     200
patch    anonymous 401    401      401     401
patch    viewer    403    403      404     404
patch    member    403    403      404     403
patch    uploader  403    403      404     404
patch    owner     200    200      200     200
patch    coowner   200    200      200     200
patch    staff     200    200      200     200
delete   anonymous 401    401      401     401
delete   viewer    403    403      404     404
delete   member    403    403      404     403
delete   uploader  403    403      404     404
delete   owner     204    204      204     204
delete   coowner   403    403      403     403
delete   staff     204    204      204     204
additem  anonymous 401    401      401     401
additem  viewer    403    403      404     404
additem  member    403    403      404     403
additem  uploader  403    403      404     404
additem  owner     201    201      201     201
additem  coowner   201    201      201     201
additem  staff     201    201      201     201
listed   anonymous Y      -        -       -
listed   viewer    Y      -        -       -
listed   member    Y      -        -       Y
listed   uploader  Y      -        -       -
listed   owner     Y      Y        Y       Y
listed   coowner   Y      Y        Y       Y
listed   staff     Y      -        -       -
create   anonymous 401
create   viewer    201
create   member    201
create   uploader  201
create   owner     201
create   coowner   201
create   staff     201
"""

VOCABULARIES = """
endpoint actor     discipline type
list     anonymous 200        200
list     viewer    200        200
list     owner     200        200
list     staff     200        200
create   anonymous 401        401
create   viewer    403        403
create   uploader  403        403
create   owner     403        403
create   staff     201        201
patch    anonymous 401        401
patch    viewer    403        403
patch    owner     403        403
patch    staff     200        200
delete   anonymous 401        401
delete   viewer    403        403
delete   owner     403        403
delete   staff     204        204
"""


def _cases(table: str, kind: str):
    header, *rows = (line.split() for line in table.strip().splitlines())
    columns = header[2:]
    for endpoint, actor, *cells in rows:
        for column, expected in zip(columns, cells, strict=False):
            yield pytest.param(
                endpoint, actor, column, expected, id=f"{kind}-{endpoint}-{actor}-{column}"
            )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The video matrix's actors, plus channels, playlists, a discipline and a type;
    created once for the module (each test's changes are rolled back), deleted at the
    end."""
    with django_db_blocker.unblock(), transaction.atomic():
        data = _make_world()
        users, group = data["users"], data["group"]
        owner, coowner = users["owner"], users["coowner"]
        data["channels"] = {
            name: make_channel([owner], title=f"matrix {name}", visibility=name, members=[coowner])
            for name in ("public", "private")
        }
        data["playlists"] = {}
        for name in ("public", "unlisted", "private", "restricted"):
            playlist = Playlist.objects.create(owner=owner, title=name, visibility=name)
            playlist.additional_owners.set([coowner])
            if name == "restricted":
                playlist.access_groups.set([group])
            data["playlists"][name] = playlist
        data["vocabularies"] = {
            "discipline": Discipline.objects.create(title="Matrix", slug="matrix-d"),
            "type": VideoType.objects.create(title="Matrix", slug="matrix-t"),
        }
        data["own_videos"] = {
            name: make_video(user, title=f"own {name}") for name, user in users.items()
        }
    yield data
    with django_db_blocker.unblock():
        Video.objects.filter(owner__username__startswith="matrix-").delete()
        Channel.objects.filter(pk__in=[c.pk for c in data["channels"].values()]).delete()
        for obj in data["vocabularies"].values():
            obj.delete()
        User.objects.filter(username__startswith="matrix-").delete()
        data["group"].delete()


def _listed(response, obj) -> str:
    if response.status_code != 200:
        return str(response.status_code)
    ids = {str(item["id"]) for item in response.json()["data"]["items"]}
    return "Y" if str(obj.pk) in ids else "-"


def _channel_answer(endpoint, client, channel, world, actor) -> str:
    path = f"/api/v1/channels/{channel.pk}"
    if endpoint == "detail":
        return str(client.get(path).status_code)
    if endpoint == "patch":
        return str(client.patch_json(path, {"description": "New"}).status_code)
    if endpoint == "delete":
        return str(client.delete(path).status_code)
    if endpoint == "listed":
        return _listed(client.get("/api/v1/channels?limit=100"), channel)
    if endpoint == "theme":
        body = {"channel": channel.pk, "title": "A theme"}
        return str(client.post_json("/api/v1/themes", body).status_code)
    if endpoint == "addvideo":
        video = world["own_videos"].get(actor)
        path = f"/api/v1/videos/{video.pk if video else world['videos']['public'].pk}"
        return str(client.patch_json(path, {"channels": [channel.pk]}).status_code)
    if endpoint == "create":
        return str(client.post_json("/api/v1/channels", {"title": "New"}).status_code)
    raise AssertionError(endpoint)


def _playlist_answer(endpoint, client, playlist, world) -> str:
    path = f"/api/v1/playlists/{playlist.pk}"
    if endpoint == "detail":
        return str(client.get(path).status_code)
    if endpoint == "items":
        return str(client.get(path + "/items").status_code)
    if endpoint == "patch":
        return str(client.patch_json(path, {"title": "Renamed"}).status_code)
    if endpoint == "delete":
        return str(client.delete(path).status_code)
    if endpoint == "additem":
        body = {"video": str(world["videos"]["public"].pk)}
        return str(client.post_json(path + "/items", body).status_code)
    if endpoint == "listed":
        return _listed(client.get("/api/v1/playlists?limit=100"), playlist)
    if endpoint == "create":
        return str(client.post_json("/api/v1/playlists", {"title": "New"}).status_code)
    raise AssertionError(endpoint)


def _vocabulary_answer(endpoint, client, obj, kind) -> str:
    base = "/api/v1/disciplines" if kind == "discipline" else "/api/v1/types"
    if endpoint == "list":
        return str(client.get(base).status_code)
    if endpoint == "create":
        return str(client.post_json(base, {"title": "Physics"}).status_code)
    if endpoint == "patch":
        return str(client.patch_json(f"{base}/{obj.pk}", {"title": "Renamed"}).status_code)
    if endpoint == "delete":
        return str(client.delete(f"{base}/{obj.pk}").status_code)
    raise AssertionError(endpoint)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("endpoint", "actor", "column", "expected"), list(_cases(CHANNELS, "channel"))
)
def test_channel_matrix(world, endpoint, actor, column, expected):
    client = ApiClient(world["users"].get(actor))
    channel = world["channels"][column]
    assert _channel_answer(endpoint, client, channel, world, actor) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("endpoint", "actor", "column", "expected"), list(_cases(PLAYLISTS, "playlist"))
)
def test_playlist_matrix(world, endpoint, actor, column, expected):
    client = ApiClient(world["users"].get(actor))
    assert _playlist_answer(endpoint, client, world["playlists"][column], world) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("endpoint", "actor", "column", "expected"), list(_cases(VOCABULARIES, "vocabulary"))
)
def test_vocabulary_matrix(world, endpoint, actor, column, expected):
    client = ApiClient(world["users"].get(actor))
    obj = world["vocabularies"][column]
    assert _vocabulary_answer(endpoint, client, obj, column) == expected
