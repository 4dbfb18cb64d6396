"""CSRF: session-authenticated unsafe requests need the CSRF token, bearer-token requests
never do. CORS: the allowed origins (CORS_ALLOWED_ORIGINS) get the tus headers, others
get no CORS headers at all. Django's test client with ``enforce_csrf_checks=True`` checks
CSRF as a browser request would be checked."""

from __future__ import annotations

import pytest

from tests.api.core.test_envelope import assert_error
from tests.api.factories import make_video
from tests.api.uploads.conftest import TusClient
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db

FRONT = "https://front.example.org"


@pytest.fixture
def browser(user):
    """A browser holding alice's session cookie (as after an OIDC or admin login)."""
    client = ApiClient(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def csrf_token(client) -> str:
    response = client.get("/api/v1/auth/csrf")
    assert response.status_code == 200
    token = response.json()["data"]["csrf_token"]
    assert client.cookies["csrftoken"].value
    return token


def test_session_patch_without_csrf_token_is_403(browser, user):
    response = browser.patch_json("/api/v1/users/me", {"first_name": "No token"})
    assert_error(response, 403, "csrf_failed")
    user.refresh_from_db()
    assert user.first_name == ""


def test_session_patch_with_a_wrong_token_is_403(browser):
    csrf_token(browser)
    response = browser.patch_json(
        "/api/v1/users/me", {"first_name": "X"}, HTTP_X_CSRFTOKEN="x" * 32
    )
    assert_error(response, 403, "csrf_failed")


def test_session_patch_with_csrf_token_passes(browser, user):
    token = csrf_token(browser)
    response = browser.patch_json(
        "/api/v1/users/me", {"first_name": "With token"}, HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 200
    assert response.json()["data"]["first_name"] == "With token"


def test_session_get_needs_no_token(browser):
    assert browser.get("/api/v1/users/me").json()["data"]["username"] == "alice"


def test_bearer_post_is_csrf_exempt(user):
    client = ApiClient(user, enforce_csrf_checks=True)
    assert client.patch_json("/api/v1/users/me", {"first_name": "B"}).status_code == 200


def test_bearer_wins_over_a_session_cookie(browser, user):
    """A request with both a session cookie and a bearer token is a bearer request."""
    browser.defaults["HTTP_AUTHORIZATION"] = ApiClient(user).defaults["HTTP_AUTHORIZATION"]
    assert browser.patch_json("/api/v1/users/me", {"first_name": "B"}).status_code == 200


def test_anonymous_post_needs_no_token(user):
    """No session, nothing to forge: an anonymous unlock is not CSRF-checked."""
    video = make_video(user, visibility="password", password="s3cret")
    client = ApiClient(enforce_csrf_checks=True)
    response = client.post_json(f"/api/v1/videos/{video.id}/unlock", {"password": "s3cret"})
    assert response.status_code == 200


def test_session_token_exchange_needs_csrf(browser, anon):
    assert_error(browser.post_json("/api/v1/auth/session-token"), 403, "csrf_failed")
    token = csrf_token(browser)
    response = browser.post_json("/api/v1/auth/session-token", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    access = response.json()["data"]["access"]
    me = anon.get("/api/v1/users/me", HTTP_AUTHORIZATION=f"Bearer {access}")
    assert me.json()["data"]["username"] == "alice"
    assert_error(anon.post_json("/api/v1/auth/session-token"), 401, "not_authenticated")


def test_tus_creation_by_session_needs_csrf(user):
    video = make_video(user, status="draft")
    tus = TusClient(enforce_csrf_checks=True)
    tus.force_login(user)
    assert_error(tus.create(video.id, 1000), 403, "csrf_failed")
    token = csrf_token(tus)
    assert tus.create(video.id, 1000, HTTP_X_CSRFTOKEN=token).status_code == 201


# --- CORS ---------------------------------------------------------------------------


@pytest.fixture
def cors(settings):
    settings.CORS_ALLOWED_ORIGINS = [FRONT]


def preflight(client, origin, path="/api/v1/uploads/", method="POST"):
    return client.options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization,tus-resumable,upload-length,upload-metadata",
    )


def test_preflight_from_an_allowed_origin_gets_the_tus_headers(anon, cors):
    response = preflight(anon, FRONT)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == FRONT
    allowed = {h.strip() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "tus-resumable", "upload-length", "upload-metadata"} <= allowed
    assert "PATCH" in response["Access-Control-Allow-Methods"]


def test_tus_response_exposes_the_tus_headers_to_the_allowed_origin(user, cors):
    video = make_video(user, status="draft")
    response = TusClient(user).create(video.id, 1000, HTTP_ORIGIN=FRONT)
    assert response.status_code == 201
    assert response["Access-Control-Allow-Origin"] == FRONT
    exposed = {h.strip() for h in response["Access-Control-Expose-Headers"].split(",")}
    assert {"location", "upload-offset", "tus-resumable"} <= exposed


def test_a_foreign_origin_gets_no_cors_headers(anon, alice, cors):
    response = preflight(anon, "https://evil.example.com")
    assert not any(h.lower().startswith("access-control-") for h in response.headers)
    response = alice.get("/api/v1/users/me", HTTP_ORIGIN="https://evil.example.com")
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response


def test_no_origin_is_allowed_by_default(anon, settings):
    settings.CORS_ALLOWED_ORIGINS = []
    assert "Access-Control-Allow-Origin" not in preflight(anon, FRONT)


def test_django_csrf_rejection_is_the_envelope(user, settings):
    """Plain Django views (here the OIDC logout) reject a missing token with the
    envelope too."""
    settings.OIDC_ENABLED = True
    client = ApiClient(enforce_csrf_checks=True)
    client.force_login(user)
    assert_error(client.post("/oidc/logout/"), 403, "csrf_failed")
    token = csrf_token(client)
    assert client.post("/oidc/logout/", HTTP_X_CSRFTOKEN=token).status_code == 302
    assert_error(client.get("/api/v1/users/me"), 401, "not_authenticated")
