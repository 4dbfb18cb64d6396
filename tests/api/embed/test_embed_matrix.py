"""The permission matrix of the embed endpoints, generated from the table below (one
test per cell), with the actors and videos of ``tests/api/videos/test_access_matrix.py``
(its ``_make_world``).

Endpoints: ``embed`` GET /videos/{id}/embed (no token: as the player config);
``withtoken`` the same with a valid embed token of that video (whatever the actor);
``page`` GET /embed/{id} with the actor's session (no token); ``tokens`` GET
/videos/{id}/embed-tokens; ``create`` POST it; ``revoke`` DELETE one token; ``oembed``
GET /oembed?url=<the embed page> (the same for everyone: public videos only).
"""

from __future__ import annotations

import pytest
from django.db import transaction

from api.accounts.models import User
from api.embed.services import embed_token_create
from api.videos.models import Video
from tests.api.videos.test_access_matrix import _make_world
from tests.conftest import ApiClient

TABLE = """
endpoint  actor     public unlisted private restricted password draft processing
embed     anonymous 200    200      404     404        404      404   404
embed     viewer    200    200      404     404        404      404   404
embed     member    200    200      404     200        404      404   404
embed     uploader  200    200      404     404        404      404   404
embed     owner     200    200      200     200        200      200   200
embed     coowner   200    200      200     200        200      200   200
embed     staff     200    200      200     200        200      200   200
withtoken anonymous 200    200      200     200        200      200   200
withtoken viewer    200    200      200     200        200      200   200
withtoken uploader  200    200      200     200        200      200   200
withtoken owner     200    200      200     200        200      200   200
withtoken staff     200    200      200     200        200      200   200
page      anonymous 200    200      404     404        404      404   404
page      viewer    200    200      404     404        404      404   404
page      member    200    200      404     200        404      404   404
page      uploader  200    200      404     404        404      404   404
page      owner     200    200      200     200        200      200   200
page      coowner   200    200      200     200        200      200   200
page      staff     200    200      200     200        200      200   200
tokens    anonymous 401    401      401     401        401      401   401
tokens    viewer    403    403      404     404        404      404   404
tokens    member    403    403      404     403        404      404   404
tokens    uploader  403    403      404     404        404      404   404
tokens    owner     200    200      200     200        200      200   200
tokens    coowner   200    200      200     200        200      200   200
tokens    staff     200    200      200     200        200      200   200
create    anonymous 401    401      401     401        401      401   401
create    viewer    403    403      404     404        404      404   404
create    member    403    403      404     403        404      404   404
create    uploader  403    403      404     404        404      404   404
create    owner     201    201      201     201        201      201   201
create    coowner   201    201      201     201        201      201   201
create    staff     201    201      201     201        201      201   201
revoke    anonymous 401    401      401     401        401      401   401
revoke    viewer    403    403      404     404        404      404   404
revoke    member    403    403      404     403        404      404   404
revoke    uploader  403    403      404     404        404      404   404
revoke    owner     204    204      204     204        204      204   204
revoke    coowner   204    204      204     204        204      204   204
revoke    staff     204    204      204     204        204      204   204
oembed    anonymous 200    404      404     404        404      404   404
oembed    viewer    200    404      404     404        404      404   404
oembed    owner     200    404      404     404        404      404   404
oembed    staff     200    404      404     404        404      404   404
"""


def _cases():
    header, *rows = (line.split() for line in TABLE.strip().splitlines())
    for endpoint, actor, *cells in rows:
        for video, expected in zip(header[2:], cells, strict=True):
            yield pytest.param(endpoint, actor, video, expected, id=f"{endpoint}-{actor}-{video}")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The video matrix's actors and videos, each video with an embed token of its
    owner; created once for the module, deleted at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        data = _make_world()
        data["tokens"] = {
            name: embed_token_create(video=video, actor=video.owner)
            for name, video in data["videos"].items()
        }
    yield data
    with django_db_blocker.unblock():
        Video.objects.filter(pk__in=[v.pk for v in data["videos"].values()]).delete()
        User.objects.filter(username__startswith="matrix-").delete()
        data["group"].delete()


def _answer(endpoint: str, actor, world, name: str) -> str:
    video, (token, secret) = world["videos"][name], world["tokens"][name]
    client = ApiClient(actor)
    path = f"/api/v1/videos/{video.id}"
    if endpoint == "embed":
        return str(client.get(f"{path}/embed").status_code)
    if endpoint == "withtoken":
        return str(client.get(f"{path}/embed", HTTP_X_EMBED_TOKEN=secret).status_code)
    if endpoint == "page":
        browser = ApiClient()
        if actor is not None:
            browser.force_login(actor)
        return str(browser.get(f"/embed/{video.id}").status_code)
    if endpoint == "tokens":
        return str(client.get(f"{path}/embed-tokens").status_code)
    if endpoint == "create":
        return str(client.post_json(f"{path}/embed-tokens", {"label": "x"}).status_code)
    if endpoint == "revoke":
        return str(client.delete(f"{path}/embed-tokens/{token.id}").status_code)
    if endpoint == "oembed":
        url = f"http://testserver/embed/{video.id}"
        return str(client.get("/api/v1/oembed", {"url": url}).status_code)
    raise AssertionError(endpoint)


@pytest.mark.django_db
@pytest.mark.parametrize(("endpoint", "actor", "video", "expected"), list(_cases()))
def test_matrix(world, endpoint, actor, video, expected):
    assert _answer(endpoint, world["users"].get(actor), world, video) == expected
