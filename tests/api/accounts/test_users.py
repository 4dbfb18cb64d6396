"""Users: /users/me, roles, access groups, ensure_user."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from api.accounts.models import AccessGroup, Role, User
from api.accounts.services import user_set_role

pytestmark = pytest.mark.django_db


def test_me_shows_profile_role_and_groups(alice, user):
    user.affiliation, user.establishment = "faculty", "Université de Lille"
    user.save()
    AccessGroup.objects.create(code_name="staff-lab", display_name="Lab").members.add(user)
    data = alice.get("/api/v1/users/me").json()["data"]
    assert data["affiliation"] == "faculty" and data["establishment"] == "Université de Lille"
    assert (data["role"], data["can_upload"]) == ("uploader", True)
    assert data["access_groups"] == [{"code_name": "staff-lab", "display_name": "Lab"}]


def test_me_needs_authentication(anon):
    assert anon.get("/api/v1/users/me").status_code == 401
    assert anon.patch_json("/api/v1/users/me", {"first_name": "X"}).status_code == 401


def test_patch_me_changes_own_names_and_email(alice, user):
    response = alice.patch_json(
        "/api/v1/users/me", {"first_name": " Alice ", "email": "a@univ.example"}
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["first_name"], data["last_name"], data["email"]) == ("Alice", "", "a@univ.example")
    user.refresh_from_db()
    assert user.first_name == "Alice"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"can_upload": True}, "can_upload"),
        ({"role": "admin"}, "role"),
        ({"is_staff": True}, "is_staff"),
        ({"affiliation": "staff"}, "affiliation"),
        ({"email": "not an email"}, "email"),
    ],
)
def test_patch_me_refuses_other_fields(client_for, django_user_model, payload, field):
    viewer = django_user_model.objects.create_user("carol", password="pw-carol-1")
    response = client_for(viewer).patch_json("/api/v1/users/me", payload)
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert (error["code"], error["field"]) == ("validation_error", field)
    viewer.refresh_from_db()
    assert viewer.role == Role.VIEWER and not viewer.is_staff


@pytest.mark.parametrize(
    ("role", "flags", "upload"),
    [
        (Role.ADMIN, (True, True, True), True),
        (Role.MANAGER, (False, True, True), True),
        (Role.UPLOADER, (False, False, True), True),
        (Role.VIEWER, (False, False, False), False),
    ],
)
def test_roles_are_flags(user, role, flags, upload):
    user_set_role(user=user, role=role)
    user.refresh_from_db()
    assert (user.is_superuser, user.is_staff, user.can_upload) == flags
    assert user.role == role and user.upload_allowed is upload


def test_staff_may_upload_without_the_flag(staff_user):
    assert staff_user.can_upload is False
    assert staff_user.role == Role.MANAGER and staff_user.upload_allowed


def test_access_groups_list(alice, anon):
    AccessGroup.objects.create(code_name="b", display_name="Beta")
    AccessGroup.objects.create(code_name="a", display_name="Alpha")
    data = alice.get("/api/v1/access-groups").json()["data"]
    assert data["count"] == 2
    assert [g["code_name"] for g in data["items"]] == ["a", "b"]
    assert anon.get("/api/v1/access-groups").status_code == 401


def test_ensure_user_role():
    call_command(
        "ensure_user", "--username", "dana", "--password", "pw-dana-1", "--role", "uploader"
    )
    assert User.objects.get(username="dana").role == Role.UPLOADER
    call_command("ensure_user", "--username", "dana", "--password", "pw-dana-2", "--staff")
    dana = User.objects.get(username="dana")
    assert dana.role == Role.ADMIN and dana.check_password("pw-dana-2")
