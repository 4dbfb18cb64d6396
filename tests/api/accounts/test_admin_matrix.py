"""The permission matrix of the user administration: endpoint × actor → expected HTTP
status, generated from the one table below (one test per cell).

Actors: ``anonymous``; ``viewer``; ``uploader``; ``manager`` (``is_staff``); ``admin``
(``is_superuser``). Subjects: ``target`` (an uploader owning a video), ``peer`` (another
admin, owning a video), ``self`` (the actor itself; anonymous requests name ``target``),
the access group ``matrix-lab`` (``target`` is a member) and ``recipient`` (an uploader
receiving videos).

Endpoints (``/api/v1``): ``list`` GET /users; ``detail`` GET /users/{target};
``quota`` PATCH /users/{target} ``{quota_bytes}``; ``upload-right`` PATCH
``{can_upload: false}``; ``make-manager`` / ``make-admin`` PATCH ``{role}``;
``admin-quota`` PATCH /users/{peer}; ``self-role`` PATCH /users/{self} ``{role:
viewer}``; ``deactivate`` / ``reactivate`` /users/{target}/…; ``deactivate-admin``
/users/{peer}/deactivate; ``self-deactivate``; ``transfer`` / ``transfer-admin`` POST
/users/{target|peer}/transfer-videos ``{to: recipient}``; ``group-create`` POST
/access-groups; ``group-detail`` / ``group-patch`` / ``group-delete``
/access-groups/matrix-lab; ``members`` GET, ``members-add`` POST
/access-groups/matrix-lab/members; ``members-remove`` DELETE …/members/{target}.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from api.accounts.models import AccessGroup, Role, User
from api.accounts.services import user_set_role
from api.videos.models import Video
from tests.api.factories import make_video
from tests.conftest import ApiClient

TABLE = """
endpoint          anonymous viewer uploader manager admin
list              401       403    403      200     200
detail            401       403    403      200     200
quota             401       403    403      200     200
upload-right      401       403    403      200     200
make-manager      401       403    403      200     200
make-admin        401       403    403      403     200
admin-quota       401       403    403      403     200
self-role         401       403    403      409     409
deactivate        401       403    403      200     200
reactivate        401       403    403      200     200
deactivate-admin  401       403    403      403     200
self-deactivate   401       403    403      409     409
transfer          401       403    403      200     200
transfer-admin    401       403    403      403     200
group-create      401       403    403      201     201
group-detail      401       200    200      200     200
group-patch       401       403    403      200     200
group-delete      401       403    403      204     204
members           401       403    403      200     200
members-add       401       403    403      200     200
members-remove    401       403    403      204     204
"""


def _cases():
    header, *rows = (line.split() for line in TABLE.strip().splitlines())
    for endpoint, *cells in rows:
        for actor, expected in zip(header[1:], cells, strict=True):
            yield pytest.param(endpoint, actor, int(expected), id=f"{endpoint}-{actor}")


def _make_world() -> dict:
    roles = {
        "viewer": Role.VIEWER,
        "uploader": Role.UPLOADER,
        "manager": Role.MANAGER,
        "admin": Role.ADMIN,
        "target": Role.UPLOADER,
        "peer": Role.ADMIN,
        "recipient": Role.UPLOADER,
    }
    users = {}
    for name, role in roles.items():
        users[name] = User.objects.create(username=f"matrix-{name}")
        user_set_role(user=users[name], role=role)
    group = AccessGroup.objects.create(code_name="matrix-lab", display_name="Lab")
    group.members.add(users["target"])
    videos = [make_video(users["target"]), make_video(users["peer"])]
    return {"users": users, "group": group, "videos": videos}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The actors, subjects and videos, created once for the module (each test's changes
    are rolled back with its transaction), deleted at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        data = _make_world()
    yield data
    with django_db_blocker.unblock():
        Video.objects.filter(pk__in=[v.pk for v in data["videos"]]).delete()
        User.objects.filter(username__startswith="matrix-").delete()
        AccessGroup.objects.filter(code_name__startswith="matrix-").delete()


def _request(endpoint: str, client: ApiClient, users: dict, actor: str):
    target, peer = users["target"].pk, users["peer"].pk
    me = users[actor].pk if actor in users else target
    group = "/api/v1/access-groups/matrix-lab"
    to = {"to": users["recipient"].username}
    calls = {
        "list": lambda: client.get("/api/v1/users"),
        "detail": lambda: client.get(f"/api/v1/users/{target}"),
        "quota": lambda: client.patch_json(f"/api/v1/users/{target}", {"quota_bytes": 10**9}),
        "upload-right": lambda: client.patch_json(f"/api/v1/users/{target}", {"can_upload": False}),
        "make-manager": lambda: client.patch_json(f"/api/v1/users/{target}", {"role": "manager"}),
        "make-admin": lambda: client.patch_json(f"/api/v1/users/{target}", {"role": "admin"}),
        "admin-quota": lambda: client.patch_json(f"/api/v1/users/{peer}", {"quota_bytes": 1}),
        "self-role": lambda: client.patch_json(f"/api/v1/users/{me}", {"role": "viewer"}),
        "deactivate": lambda: client.post_json(f"/api/v1/users/{target}/deactivate"),
        "reactivate": lambda: client.post_json(f"/api/v1/users/{target}/reactivate"),
        "deactivate-admin": lambda: client.post_json(f"/api/v1/users/{peer}/deactivate"),
        "self-deactivate": lambda: client.post_json(f"/api/v1/users/{me}/deactivate"),
        "transfer": lambda: client.post_json(f"/api/v1/users/{target}/transfer-videos", to),
        "transfer-admin": lambda: client.post_json(f"/api/v1/users/{peer}/transfer-videos", to),
        "group-create": lambda: client.post_json(
            "/api/v1/access-groups", {"code_name": "matrix-new", "display_name": "New"}
        ),
        "group-detail": lambda: client.get(group),
        "group-patch": lambda: client.patch_json(group, {"display_name": "Renamed"}),
        "group-delete": lambda: client.delete(group),
        "members": lambda: client.get(f"{group}/members"),
        "members-add": lambda: client.post_json(
            f"{group}/members", {"usernames": [users["recipient"].username]}
        ),
        "members-remove": lambda: client.delete(f"{group}/members/{users['target'].username}"),
    }
    return calls[endpoint]()


@pytest.mark.django_db
@pytest.mark.parametrize(("endpoint", "actor", "expected"), list(_cases()))
def test_admin_matrix(world, endpoint, actor, expected):
    users = world["users"]
    client = ApiClient(users[actor]) if actor in users else ApiClient()
    response = _request(endpoint, client, users, actor)
    assert response.status_code == expected, response.content
    body = response.json() if response.content else None
    if expected >= 400:
        codes = {
            401: "not_authenticated",
            403: "permission_denied",
            409: "self_lockout",
        }
        assert body["errors"][0]["code"] == codes[expected]
