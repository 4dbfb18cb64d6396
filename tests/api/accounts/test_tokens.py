"""JWT: login, refresh rotation, reuse detection, logout (ninja_jwt.token_blacklist)."""

from __future__ import annotations

import pytest

from tests.api.core.test_envelope import assert_error

pytestmark = pytest.mark.django_db

PAIR, REFRESH = "/api/v1/auth/token/pair", "/api/v1/auth/token/refresh"
LOGOUT, VERIFY = "/api/v1/auth/logout", "/api/v1/auth/token/verify"


@pytest.fixture
def tokens(anon, user):
    response = anon.post_json(PAIR, {"username": "alice", "password": "pw-alice-1"})
    assert response.status_code == 200
    return response.json()["data"]


def me_as(anon, access):
    return anon.get("/api/v1/users/me", HTTP_AUTHORIZATION=f"Bearer {access}")


def test_refresh_rotates_and_the_old_refresh_is_refused(anon, tokens):
    rotated = anon.post_json(REFRESH, {"refresh": tokens["refresh"]})
    assert rotated.status_code == 200
    new = rotated.json()["data"]
    assert new["refresh"] != tokens["refresh"] and new["access"] != tokens["access"]
    assert me_as(anon, new["access"]).json()["data"]["username"] == "alice"
    # the rotated token is single use
    assert_error(anon.post_json(REFRESH, {"refresh": tokens["refresh"]}), 401, "token_revoked")


def test_reusing_a_rotated_refresh_revokes_the_whole_family(anon, tokens):
    new = anon.post_json(REFRESH, {"refresh": tokens["refresh"]}).json()["data"]
    # an attacker replays the stolen, already rotated token...
    assert_error(anon.post_json(REFRESH, {"refresh": tokens["refresh"]}), 401, "token_revoked")
    # ...so the legitimate client's current refresh token is revoked too
    assert_error(anon.post_json(REFRESH, {"refresh": new["refresh"]}), 401, "token_revoked")


def test_logout_revokes_the_refresh_token(anon, tokens):
    response = anon.post_json(LOGOUT, {"refresh": tokens["refresh"]})
    assert response.status_code == 204
    assert_error(anon.post_json(REFRESH, {"refresh": tokens["refresh"]}), 401, "token_revoked")
    assert_error(anon.post_json(LOGOUT, {"refresh": tokens["refresh"]}), 401, "token_revoked")
    assert_error(anon.post_json(VERIFY, {"token": tokens["refresh"]}), 401, "token_revoked")
    # the access token lives on until it expires (JWT_ACCESS_MINUTES)
    assert me_as(anon, tokens["access"]).status_code == 200


def test_logout_of_one_session_keeps_the_others(anon, tokens, user):
    other = anon.post_json(PAIR, {"username": "alice", "password": "pw-alice-1"}).json()["data"]
    assert anon.post_json(LOGOUT, {"refresh": tokens["refresh"]}).status_code == 204
    assert anon.post_json(REFRESH, {"refresh": other["refresh"]}).status_code == 200


@pytest.mark.parametrize("bad", ["garbage", "a.b.c"])
def test_bad_refresh_is_token_not_valid(anon, tokens, bad):
    assert_error(anon.post_json(REFRESH, {"refresh": bad}), 401, "token_not_valid")
    assert_error(anon.post_json(LOGOUT, {"refresh": bad}), 401, "token_not_valid")


def test_an_access_token_is_not_a_refresh_token(anon, tokens):
    assert_error(anon.post_json(REFRESH, {"refresh": tokens["access"]}), 401, "token_not_valid")


def test_tampered_refresh_is_token_not_valid(anon, tokens):
    head, payload, signature = tokens["refresh"].split(".")
    forged = f"{head}.{payload}.{signature[:-4]}AAAA"
    assert_error(anon.post_json(REFRESH, {"refresh": forged}), 401, "token_not_valid")


def test_inactive_user_cannot_refresh_or_log_in(anon, tokens, user):
    user.is_active = False
    user.save()
    assert_error(anon.post_json(REFRESH, {"refresh": tokens["refresh"]}), 401, "token_not_valid")
    response = anon.post_json(PAIR, {"username": "alice", "password": "pw-alice-1"})
    assert_error(response, 401, "authentication_failed")


def test_missing_refresh_is_422(anon):
    body = assert_error(anon.post_json(REFRESH, {}), 422, "validation_error")
    assert body["errors"][0]["field"] == "refresh"


def test_verify(anon, tokens):
    assert anon.post_json(VERIFY, {"token": tokens["access"]}).status_code == 200
    assert anon.post_json(VERIFY, {"token": tokens["refresh"]}).status_code == 200
    assert_error(anon.post_json(VERIFY, {"token": "x.y.z"}), 401, "token_not_valid")
