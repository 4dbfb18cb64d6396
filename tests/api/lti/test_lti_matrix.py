"""The permission matrix of the LTI endpoints of the API (one test per cell), with the
actors of ``tests/api/videos/test_access_matrix.py``: platform registrations are for
managers and admins (``staff``) only; the launch-code trade and the tool's JWKS are
anonymous (a bad code is refused whoever asks).

Endpoints: ``list``, ``create``, ``detail``, ``patch``, ``delete`` of
/lti/platforms[/{id}]; ``code`` POST /lti/session-token with a forged code; ``jwks``
GET /lti/jwks/.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from api.accounts.models import User
from api.lti.models import LtiPlatform
from api.lti.services import platform_create
from api.videos.models import Video
from tests.api.videos.test_access_matrix import _make_world
from tests.conftest import ApiClient

TABLE = """
actor     list create detail patch delete code jwks
anonymous 401  401    401    401   401    401  200
viewer    403  403    403    403   403    401  200
member    403  403    403    403   403    401  200
uploader  403  403    403    403   403    401  200
owner     403  403    403    403   403    401  200
coowner   403  403    403    403   403    401  200
staff     200  201    200    200   204    401  200
"""

NEW = {
    "title": "Moodle 2",
    "issuer": "https://moodle2.test",
    "client_id": "c-2",
    "deployment_ids": ["1"],
    "auth_login_url": "https://moodle2.test/mod/lti/auth.php",
    "auth_token_url": "https://moodle2.test/mod/lti/token.php",
    "key_set_url": "https://moodle2.test/mod/lti/certs.php",
}


def _cases():
    header, *rows = (line.split() for line in TABLE.strip().splitlines())
    for actor, *cells in rows:
        for endpoint, expected in zip(header[1:], cells, strict=True):
            yield pytest.param(endpoint, actor, expected, id=f"{endpoint}-{actor}")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        data = _make_world()
        data["platform"] = platform_create(**{**NEW, "issuer": "https://moodle.test"})
    yield data
    with django_db_blocker.unblock():
        LtiPlatform.objects.all().delete()
        Video.objects.filter(pk__in=[v.pk for v in data["videos"].values()]).delete()
        User.objects.filter(username__startswith="matrix-").delete()
        data["group"].delete()


def _answer(endpoint: str, client: ApiClient, platform: LtiPlatform) -> str:
    path = f"/api/v1/lti/platforms/{platform.pk}"
    if endpoint == "list":
        return str(client.get("/api/v1/lti/platforms").status_code)
    if endpoint == "create":
        return str(client.post_json("/api/v1/lti/platforms", NEW).status_code)
    if endpoint == "detail":
        return str(client.get(path).status_code)
    if endpoint == "patch":
        return str(client.patch_json(path, {"deployment_ids": ["1", "2"]}).status_code)
    if endpoint == "delete":
        return str(client.delete(path).status_code)
    if endpoint == "code":
        body = {"code": "eyJ1IjoxLCJqIjoieCJ9:1u:forged"}
        return str(client.post_json("/api/v1/lti/session-token", body).status_code)
    if endpoint == "jwks":
        return str(client.get("/lti/jwks/").status_code)
    raise AssertionError(endpoint)


@pytest.mark.django_db
@pytest.mark.parametrize(("endpoint", "actor", "expected"), list(_cases()))
def test_matrix(world, endpoint, actor, expected):
    client = ApiClient(world["users"].get(actor))
    assert _answer(endpoint, client, world["platform"]) == expected
