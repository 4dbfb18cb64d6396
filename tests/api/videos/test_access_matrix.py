"""The permission matrix: endpoint × actor × video → expected answer, generated from the
one table below (one test per cell).

Actors: ``viewer`` has no upload right and no group; ``member`` is a viewer in the
restricted video's access group; ``uploader`` may upload but owns none of these videos;
``owner`` owns them all; ``coowner`` (a viewer) is an additional owner of them all;
``staff`` is a manager. Videos are ready and published unless the column says
otherwise: ``draft`` is public but ``is_draft``, ``processing`` is public and published
but not encoded yet, ``password``'s password is ``letmein``.

Endpoints: ``detail`` GET /videos/{id}; ``granted`` the same with an ``X-Video-Grant``
for that video; ``byslug`` GET /videos/by-slug/{slug} (as ``detail``, but an unlisted
video's slug finds it for its editors only: its link is its id); ``player`` GET
/videos/{id}/player; ``patch``, ``delete``; ``unlock`` POST /videos/{id}/unlock with
the right password; ``upload`` tus creation for the video
(409 for its editors: a ready video's source cannot change); ``media`` the plain URL of
its master playlist; ``catalog`` / ``mine``: listed (Y) or not (-) in GET
/catalog/videos and GET /videos; ``create`` POST /videos (one cell per actor).
"""

from __future__ import annotations

import base64

import pytest
from django.db import transaction

from api.accounts.models import AccessGroup, Role, User
from api.accounts.services import user_set_role
from api.videos.grants import grant_issue
from api.videos.models import Video, VideoStatus
from tests.api.factories import MASTER, make_video, write_outputs
from tests.conftest import ApiClient

TABLE = """
endpoint actor     public unlisted private restricted password draft processing
detail   anonymous 200    200      404     404        404      404   404
detail   viewer    200    200      404     404        404      404   404
detail   member    200    200      404     200        404      404   404
detail   uploader  200    200      404     404        404      404   404
detail   owner     200    200      200     200        200      200   200
detail   coowner   200    200      200     200        200      200   200
detail   staff     200    200      200     200        200      200   200
granted  anonymous 200    200      404     404        200      404   404
granted  viewer    200    200      404     404        200      404   404
granted  member    200    200      404     200        200      404   404
granted  uploader  200    200      404     404        200      404   404
granted  owner     200    200      200     200        200      200   200
granted  coowner   200    200      200     200        200      200   200
granted  staff     200    200      200     200        200      200   200
byslug   anonymous 200    404      404     404        404      404   404
byslug   viewer    200    404      404     404        404      404   404
byslug   member    200    404      404     200        404      404   404
byslug   uploader  200    404      404     404        404      404   404
byslug   owner     200    200      200     200        200      200   200
byslug   coowner   200    200      200     200        200      200   200
byslug   staff     200    200      200     200        200      200   200
player   anonymous 200    200      404     404        404      404   404
player   viewer    200    200      404     404        404      404   404
player   member    200    200      404     200        404      404   404
player   uploader  200    200      404     404        404      404   404
player   owner     200    200      200     200        200      200   200
player   coowner   200    200      200     200        200      200   200
player   staff     200    200      200     200        200      200   200
patch    anonymous 401    401      401     401        401      401   401
patch    viewer    403    403      404     404        404      404   404
patch    member    403    403      404     403        404      404   404
patch    uploader  403    403      404     404        404      404   404
patch    owner     200    200      200     200        200      200   200
patch    coowner   200    200      200     200        200      200   200
patch    staff     200    200      200     200        200      200   200
delete   anonymous 401    401      401     401        401      401   401
delete   viewer    403    403      404     404        404      404   404
delete   member    403    403      404     403        404      404   404
delete   uploader  403    403      404     404        404      404   404
delete   owner     204    204      204     204        204      204   204
delete   coowner   403    403      403     403        403      403   403
delete   staff     204    204      204     204        204      204   204
unlock   anonymous 409    409      404     404        200      404   404
unlock   viewer    409    409      404     404        200      404   404
unlock   member    409    409      404     409        200      404   404
unlock   uploader  409    409      404     404        200      404   404
unlock   owner     409    409      409     409        200      409   409
unlock   coowner   409    409      409     409        200      409   409
unlock   staff     409    409      409     409        200      409   409
upload   anonymous 401    401      401     401        401      401   401
upload   viewer    403    403      404     404        404      404   404
upload   member    403    403      404     403        404      404   404
upload   uploader  403    403      404     404        404      404   404
upload   owner     409    409      409     409        409      409   409
upload   coowner   409    409      409     409        409      409   409
upload   staff     409    409      409     409        409      409   409
media    anonymous 200    404      404     404        404      404   404
media    viewer    200    404      404     404        404      404   404
media    member    200    404      404     404        404      404   404
media    uploader  200    404      404     404        404      404   404
media    owner     200    404      404     404        404      404   404
media    coowner   200    404      404     404        404      404   404
media    staff     200    404      404     404        404      404   404
catalog  anonymous Y      -        -       -          -        -     -
catalog  viewer    Y      -        -       -          -        -     -
catalog  member    Y      -        -       -          -        -     -
catalog  uploader  Y      -        -       -          -        -     -
catalog  owner     Y      -        -       -          -        -     -
catalog  coowner   Y      -        -       -          -        -     -
catalog  staff     Y      -        -       -          -        -     -
mine     anonymous 401    401      401     401        401      401   401
mine     viewer    -      -        -       -          -        -     -
mine     member    -      -        -       -          -        -     -
mine     uploader  -      -        -       -          -        -     -
mine     owner     Y      Y        Y       Y          Y        Y     Y
mine     coowner   Y      Y        Y       Y          Y        Y     Y
mine     staff     -      -        -       -          -        -     -
create   anonymous 401
create   viewer    403
create   member    403
create   uploader  201
create   owner     201
create   coowner   403
create   staff     201
"""


def _cases():
    header, *rows = (line.split() for line in TABLE.strip().splitlines())
    videos = header[2:]
    for endpoint, actor, *cells in rows:
        for video, expected in zip(videos, cells, strict=False):
            yield pytest.param(endpoint, actor, video, expected, id=f"{endpoint}-{actor}-{video}")


def _make_world() -> dict:
    users = {
        name: User.objects.create(username=f"matrix-{name}")
        for name in ("viewer", "member", "uploader", "owner", "coowner", "staff")
    }
    for name, role in (
        ("uploader", Role.UPLOADER),
        ("owner", Role.UPLOADER),
        ("staff", Role.MANAGER),
    ):
        user_set_role(user=users[name], role=role)
    group = AccessGroup.objects.create(code_name="matrix-course", display_name="Course")
    group.members.add(users["member"])
    owner, co_owners = users["owner"], [users["coowner"]]
    videos = {
        "public": make_video(owner, co_owners=co_owners),
        "unlisted": make_video(owner, visibility="unlisted", co_owners=co_owners),
        "private": make_video(owner, visibility="private", co_owners=co_owners),
        "restricted": make_video(
            owner, visibility="restricted", groups=[group], co_owners=co_owners
        ),
        "password": make_video(
            owner, visibility="password", password="letmein", co_owners=co_owners
        ),
        "draft": make_video(owner, is_draft=True, co_owners=co_owners),
        "processing": make_video(owner, status=VideoStatus.PROCESSING, co_owners=co_owners),
    }
    return {"users": users, "videos": videos, "group": group}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The actors and videos, created once for the module (each test's changes are
    rolled back with its transaction), deleted at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        data = _make_world()
    yield data
    with django_db_blocker.unblock():
        Video.objects.filter(pk__in=[v.pk for v in data["videos"].values()]).delete()
        User.objects.filter(username__startswith="matrix-").delete()
        data["group"].delete()


def _tus_create(client: ApiClient, video: Video):
    metadata = "video " + base64.b64encode(str(video.id).encode()).decode()
    return client.generic(
        "POST",
        "/api/v1/uploads/",
        HTTP_TUS_RESUMABLE="1.0.0",
        HTTP_UPLOAD_LENGTH="10",
        HTTP_UPLOAD_METADATA=metadata,
    )


def _listed(response, video: Video) -> str:
    if response.status_code != 200:
        return str(response.status_code)
    ids = {item["id"] for item in response.json()["data"]["items"]}
    return "Y" if str(video.id) in ids else "-"


def _answer(endpoint: str, client: ApiClient, video: Video, media_root) -> str:
    path = f"/api/v1/videos/{video.id}"
    if endpoint == "detail":
        return str(client.get(path).status_code)
    if endpoint == "granted":
        grant, _ = grant_issue(video_id=video.id, password_version=video.password_version)
        return str(client.get(path, HTTP_X_VIDEO_GRANT=grant).status_code)
    if endpoint == "byslug":
        return str(client.get(f"/api/v1/videos/by-slug/{video.slug}").status_code)
    if endpoint == "player":
        return str(client.get(path + "/player").status_code)
    if endpoint == "patch":
        return str(client.patch_json(path, {"title": "Renamed"}).status_code)
    if endpoint == "delete":
        return str(client.delete(path).status_code)
    if endpoint == "unlock":
        return str(client.post_json(path + "/unlock", {"password": "letmein"}).status_code)
    if endpoint == "upload":
        return str(_tus_create(client, video).status_code)
    if endpoint == "media":
        prefix = video.output_prefix or f"{video.storage_prefix}encodes/none/"
        if video.output_prefix:
            write_outputs(video, media_root)
        return str(client.get(f"/media/{prefix}{MASTER}").status_code)
    if endpoint == "catalog":
        return _listed(client.get("/api/v1/catalog/videos?limit=100"), video)
    if endpoint == "mine":
        return _listed(client.get("/api/v1/videos?limit=100"), video)
    if endpoint == "create":
        return str(client.post_json("/api/v1/videos", {"title": "New"}).status_code)
    raise AssertionError(endpoint)


@pytest.mark.django_db
@pytest.mark.parametrize(("endpoint", "actor", "video", "expected"), list(_cases()))
def test_matrix(world, endpoint, actor, video, expected, settings):
    user = world["users"].get(actor)
    client = ApiClient(user)
    assert _answer(endpoint, client, world["videos"][video], settings.MEDIA_ROOT) == expected
