"""Registering platforms through the API (staff): the tool URLs to paste, one key pair
per registration served at the JWKS URL, rotation, conflicts, bad input."""

from __future__ import annotations

import pytest

from tests.api.lti.test_lti_matrix import NEW
from tests.conftest import ApiClient


@pytest.fixture
def staff(staff_user):
    return ApiClient(staff_user)


@pytest.mark.django_db
def test_register_and_paste_the_tool_urls(staff, anon):
    response = staff.post_json("/api/v1/lti/platforms", NEW)
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["tool"] == {
        "login_url": "http://testserver/lti/login/",
        "launch_url": "http://testserver/lti/launch/",
        "jwks_url": "http://testserver/lti/jwks/",
        "deep_linking_url": "http://testserver/lti/launch/",
    }
    assert data["tool_public_key"].startswith("-----BEGIN PUBLIC KEY-----")
    assert "private" not in str(data).lower()
    keys = anon.get("/lti/jwks/").json()["keys"]
    assert [k["kid"] for k in keys] == [data["tool_key_id"]]


@pytest.mark.django_db
def test_rotate_key_and_disable(staff, anon):
    data = staff.post_json("/api/v1/lti/platforms", NEW).json()["data"]
    path = f"/api/v1/lti/platforms/{data['id']}"
    rotated = staff.patch_json(path, {"rotate_key": True, "deployment_ids": ["1", "1", "2"]})
    assert rotated.json()["data"]["tool_key_id"] != data["tool_key_id"]
    assert rotated.json()["data"]["deployment_ids"] == ["1", "2"]
    assert anon.get("/lti/jwks/").json()["keys"][0]["kid"] == rotated.json()["data"]["tool_key_id"]
    staff.patch_json(path, {"is_active": False})
    assert anon.get("/lti/jwks/").json() == {"keys": []}


@pytest.mark.django_db
def test_same_issuer_and_client_twice(staff):
    assert staff.post_json("/api/v1/lti/platforms", NEW).status_code == 201
    again = staff.post_json("/api/v1/lti/platforms", {**NEW, "title": "Again"})
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "conflict"
    other = staff.post_json("/api/v1/lti/platforms", {**NEW, "client_id": "c-3"})
    assert other.status_code == 201
    clash = staff.patch_json(
        f"/api/v1/lti/platforms/{other.json()['data']['id']}", {"client_id": NEW["client_id"]}
    )
    assert clash.status_code == 409


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"key_set_url": "ftp://moodle.test/certs"}, "key_set_url"),
        ({"auth_login_url": "javascript:alert(1)"}, "auth_login_url"),
        ({"issuer": ""}, "issuer"),
        ({"deployment_ids": ["a\x00b"]}, "deployment_ids.0"),
        ({"deployment_ids": [str(i) for i in range(101)]}, "deployment_ids"),
    ],
)
def test_bad_registrations(staff, change, field):
    response = staff.post_json("/api/v1/lti/platforms", {**NEW, **change})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


@pytest.mark.django_db
def test_unknown_platform(staff):
    assert staff.get("/api/v1/lti/platforms/999999").status_code == 404
