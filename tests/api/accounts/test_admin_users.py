"""User administration through the API: search, filters and pages of the user list;
roles, the upload right and quotas; deactivation (tokens stop working) and reactivation;
what staff may not do (make or change admins, lock themselves out)."""

from __future__ import annotations

import pytest

from api.accounts.models import Role, User
from api.accounts.services import user_set_role
from tests.api.factories import make_video
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(django_user_model):
    return django_user_model.objects.create_user("mgr", "m@example.org", "pw-mgr-1", is_staff=True)


@pytest.fixture
def admin(django_user_model):
    return django_user_model.objects.create_superuser("root", "r@example.org", "pw-root-1")


@pytest.fixture
def people(django_user_model):
    """Five users to search: names, emails, affiliations, roles, one deactivated."""
    rows = [
        ("amartin", "Alice", "Martin", "alice.martin@univ.example", "faculty", Role.UPLOADER),
        ("bmartin", "Bruno", "Martin", "bruno@univ.example", "student", Role.VIEWER),
        ("cdupont", "Chloé", "Dupont", "chloe@lab.example", "staff", Role.MANAGER),
        ("ddurand", "David", "Durand", "dd@univ.example", "student", Role.VIEWER),
        ("edupont", "Emma", "Dupont", "emma@univ.example", "faculty", Role.UPLOADER),
    ]
    users = {}
    for username, first, last, email, affiliation, role in rows:
        user = django_user_model.objects.create_user(
            username, email, "pw-x-1", first_name=first, last_name=last, affiliation=affiliation
        )
        users[username] = user_set_role(user=user, role=role)
    users["ddurand"].is_active = False
    users["ddurand"].save()
    return users


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["username"] for item in response.json()["data"]["items"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=martin", ["amartin", "bmartin"]),
        ("q=DUPONT", ["cdupont", "edupont"]),
        ("q=alice+martin", ["amartin"]),
        ("q=lab.example", ["cdupont"]),
        ("role=viewer", ["bmartin", "ddurand"]),
        ("role=uploader", ["amartin", "edupont"]),
        ("role=manager", ["cdupont", "mgr"]),
        ("affiliation=student", ["bmartin", "ddurand"]),
        ("is_active=false", ["ddurand"]),
        ("affiliation=student&is_active=true", ["bmartin"]),
        ("q=martin&ordering=-username", ["bmartin", "amartin"]),
    ],
)
def test_list_search_and_filters(manager, people, query, expected):
    assert names(ApiClient(manager).get(f"/api/v1/users?{query}")) == expected


def test_list_pages_with_a_cursor_and_counts_every_user_once(manager, people):
    client, seen, cursor = ApiClient(manager), [], None
    while True:
        response = client.get("/api/v1/users?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        data = response.json()["data"]
        assert data["count"] == 6
        seen += [item["username"] for item in data["items"]]
        cursor = data["next"]
        if cursor is None:
            break
    assert seen == sorted(u.username for u in User.objects.all())
    other = client.get(f"/api/v1/users?limit=2&ordering=-username&cursor={data['next'] or 'x'}")
    assert other.status_code == 422
    assert other.json()["errors"][0]["code"] == "invalid_cursor"


@pytest.mark.parametrize(
    "query", ["role=superhero", "affiliation=pirate", "limit=0", "limit=101", "q=a%00b"]
)
def test_list_refuses_bad_filters(manager, query):
    response = ApiClient(manager).get(f"/api/v1/users?{query}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "validation_error"


def test_list_and_detail_show_each_users_quota(manager, people, settings):
    settings.USER_QUOTA_SIZE_GB = 2
    settings.USER_QUOTA_AFFILIATION_GB = {"student": 0.5}
    video = make_video(people["amartin"])
    video.source_size, video.output_size = 1000, 234
    video.save()
    make_video(people["amartin"], status="draft")  # no bytes yet
    items = ApiClient(manager).get("/api/v1/users?q=martin").json()["data"]["items"]
    quotas = {item["username"]: item["quota"] for item in items}
    assert quotas == {
        "amartin": {"used_bytes": 1234, "limit_bytes": 2 * 10**9},
        "bmartin": {"used_bytes": 0, "limit_bytes": 5 * 10**8},
    }
    detail = ApiClient(manager).get(f"/api/v1/users/{people['amartin'].pk}").json()["data"]
    assert detail["quota"] == quotas["amartin"] and detail["quota_bytes"] is None
    assert (detail["is_active"], detail["is_superuser"], detail["role"]) == (
        True,
        False,
        "uploader",
    )


def test_unknown_user_is_404_for_staff_and_403_for_others(manager, user):
    assert ApiClient(manager).get("/api/v1/users/999999").status_code == 404
    assert ApiClient(user).get("/api/v1/users/999999").status_code == 403


def test_staff_set_a_users_quota_which_the_user_sees(manager, user, settings):
    settings.USER_QUOTA_SIZE_GB = 1
    staff = ApiClient(manager)
    assert ApiClient(user).get("/api/v1/users/me").json()["data"]["quota"]["limit_bytes"] == 10**9
    response = staff.patch_json(f"/api/v1/users/{user.pk}", {"quota_bytes": 5_000_000})
    assert response.json()["data"]["quota"]["limit_bytes"] == 5_000_000
    assert ApiClient(user).get("/api/v1/users/me").json()["data"]["quota"] == {
        "used_bytes": 0,
        "limit_bytes": 5_000_000,
    }
    staff.patch_json(f"/api/v1/users/{user.pk}", {"quota_bytes": 0})  # unlimited
    assert ApiClient(user).get("/api/v1/users/me").json()["data"]["quota"]["limit_bytes"] is None
    staff.patch_json(f"/api/v1/users/{user.pk}", {"quota_bytes": None})  # back to the default
    assert ApiClient(user).get("/api/v1/users/me").json()["data"]["quota"]["limit_bytes"] == 10**9


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"quota_bytes": -1}, "quota_bytes"),
        ({"quota_bytes": 2**63}, "quota_bytes"),
        ({"role": "emperor"}, "role"),
        ({"is_superuser": True}, "is_superuser"),
        ({"role": "uploader", "can_upload": True}, "can_upload"),
    ],
)
def test_patch_refuses_bad_input_and_changes_nothing(manager, user, payload, field):
    response = ApiClient(manager).patch_json(f"/api/v1/users/{user.pk}", payload)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field
    user.refresh_from_db()
    assert (user.role, user.quota_bytes, user.is_superuser) == (Role.UPLOADER, None, False)


def test_roles_and_the_upload_right(manager, user):
    staff = ApiClient(manager)
    data = staff.patch_json(f"/api/v1/users/{user.pk}", {"can_upload": False}).json()["data"]
    assert (data["role"], data["can_upload"]) == ("viewer", False)
    assert ApiClient(user).post_json("/api/v1/videos", {"title": "x"}).status_code == 403
    data = staff.patch_json(f"/api/v1/users/{user.pk}", {"role": "manager"}).json()["data"]
    assert (data["role"], data["is_staff"]) == ("manager", True)
    # a manager's upload right is their role's
    response = staff.patch_json(f"/api/v1/users/{user.pk}", {"can_upload": False})
    assert response.status_code == 422
    user.refresh_from_db()
    assert user.is_staff and user.upload_allowed


def test_a_manager_may_not_make_or_change_admins(manager, admin, user):
    staff = ApiClient(manager)
    assert staff.patch_json(f"/api/v1/users/{user.pk}", {"role": "admin"}).status_code == 403
    assert staff.patch_json(f"/api/v1/users/{admin.pk}", {"role": "viewer"}).status_code == 403
    assert staff.post_json(f"/api/v1/users/{admin.pk}/deactivate").status_code == 403
    user.refresh_from_db()
    admin.refresh_from_db()
    assert user.role == Role.UPLOADER and admin.role == Role.ADMIN and admin.is_active
    response = ApiClient(admin).patch_json(f"/api/v1/users/{user.pk}", {"role": "admin"})
    assert response.json()["data"]["role"] == "admin"


def test_nobody_demotes_or_deactivates_themselves(admin, manager):
    for actor in (admin, manager):
        client = ApiClient(actor)
        response = client.patch_json(f"/api/v1/users/{actor.pk}", {"role": "uploader"})
        assert response.status_code == 409
        assert response.json()["errors"][0]["code"] == "self_lockout"
        response = client.post_json(f"/api/v1/users/{actor.pk}/deactivate")
        assert response.json()["errors"][0]["code"] == "self_lockout"
        actor.refresh_from_db()
        assert actor.is_active and actor.is_staff
    # the same role again and one's own quota are fine
    same = ApiClient(admin).patch_json(f"/api/v1/users/{admin.pk}", {"role": "admin"})
    assert same.status_code == 200
    own = ApiClient(manager).patch_json(f"/api/v1/users/{manager.pk}", {"quota_bytes": 9})
    assert own.json()["data"]["quota_bytes"] == 9


def test_deactivation_stops_tokens_and_logins_until_reactivated(admin, user):
    anon = ApiClient()
    pair = anon.post_json(
        "/api/v1/auth/token/pair", {"username": "alice", "password": "pw-alice-1"}
    ).json()["data"]
    as_alice = ApiClient(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    assert as_alice.get("/api/v1/users/me").status_code == 200

    data = ApiClient(admin).post_json(f"/api/v1/users/{user.pk}/deactivate").json()["data"]
    assert data["is_active"] is False
    assert as_alice.get("/api/v1/users/me").status_code == 401  # the access token at once
    refresh = anon.post_json("/api/v1/auth/token/refresh", {"refresh": pair["refresh"]})
    assert refresh.status_code == 401
    assert refresh.json()["errors"][0]["code"] == "token_revoked"
    login = anon.post_json(
        "/api/v1/auth/token/pair", {"username": "alice", "password": "pw-alice-1"}
    )
    assert login.json()["errors"][0]["code"] == "authentication_failed"

    assert (
        ApiClient(admin)
        .post_json(f"/api/v1/users/{user.pk}/reactivate")
        .json()["data"]["is_active"]
    )
    login = anon.post_json(
        "/api/v1/auth/token/pair", {"username": "alice", "password": "pw-alice-1"}
    )
    assert login.status_code == 200
    # the refresh token revoked at deactivation stays revoked
    again = anon.post_json("/api/v1/auth/token/refresh", {"refresh": pair["refresh"]})
    assert again.status_code == 401
