"""Shibboleth sign-in: the SP's trusted headers → a session or a JWT pair, believed only
from TRUSTED_PROXY_CIDRS. The SP itself (Apache mod_shib and a SAML IdP) is not run:
the requests carry the headers it would set, from the addresses the tests choose
(Django's test client sets REMOTE_ADDR)."""

from __future__ import annotations

import pytest
from django.contrib.auth.signals import user_logged_in

from api.accounts.models import User
from tests.api.core.test_envelope import assert_error

pytestmark = pytest.mark.django_db

EXCHANGE, LOGIN = "/api/v1/auth/shibboleth", "/accounts/shib/login/"
PROXY, STRANGER = "10.1.2.3", "203.0.113.9"

#: what the SP sends for a faculty member, as WSGI request headers; "Doé" arrives as the
#: SP's UTF-8 bytes read as Latin-1, as servers decode header bytes
JDOE = {
    "HTTP_REMOTE_USER": "jdoe@univ.example",
    "HTTP_MAIL": "jane.doe@univ.example",
    "HTTP_GIVENNAME": "Jane",
    "HTTP_SN": "Doé".encode().decode("latin-1"),
    "HTTP_UNSCOPED_AFFILIATION": "member;faculty",
    "HTTP_PRIMARY_AFFILIATION": "faculty",
    "HTTP_ISMEMBEROF": "l3-physics;staff\\;all",
}


@pytest.fixture
def shib(settings):
    settings.USE_SHIB = True
    settings.TRUSTED_PROXY_CIDRS = ["10.0.0.0/8"]
    settings.AUTHENTICATION_BACKENDS = [
        "api.accounts.shibboleth.ShibbolethBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    settings.LOGIN_REDIRECT_URL = "/api/v1/users/me"


@pytest.fixture
def sign_ins():
    seen: list[str] = []

    def receiver(sender, user, **kwargs):
        seen.append(user.username)

    user_logged_in.connect(receiver, dispatch_uid="test-shib-sign-ins")
    yield seen
    user_logged_in.disconnect(dispatch_uid="test-shib-sign-ins")


def assert_jdoe(data: dict) -> None:
    assert (data["username"], data["email"]) == ("jdoe@univ.example", "jane.doe@univ.example")
    assert (data["first_name"], data["last_name"]) == ("Jane", "Doé")
    assert (data["affiliation"], data["role"], data["can_upload"]) == ("faculty", "uploader", True)
    assert sorted(g["code_name"] for g in data["access_groups"]) == ["l3-physics", "staff;all"]


def test_headers_from_the_proxy_give_a_working_jwt(anon, shib, sign_ins):
    response = anon.post(EXCHANGE, REMOTE_ADDR=PROXY, **JDOE)
    assert response.status_code == 200, response.content
    access = response.json()["data"]["access"]
    me = anon.get("/api/v1/users/me", HTTP_AUTHORIZATION=f"Bearer {access}")
    assert_jdoe(me.json()["data"])
    assert sign_ins == ["jdoe@univ.example"]
    assert not User.objects.get(username="jdoe@univ.example").has_usable_password()


def test_headers_from_anyone_else_are_ignored(anon, shib, sign_ins):
    assert_error(anon.post(EXCHANGE, REMOTE_ADDR=STRANGER, **JDOE), 401, "shibboleth_no_identity")
    # a client claiming to be behind the proxy is still not the proxy
    spoofed = anon.post(EXCHANGE, REMOTE_ADDR=STRANGER, HTTP_X_FORWARDED_FOR=PROXY, **JDOE)
    assert_error(spoofed, 401, "shibboleth_no_identity")
    assert_error(anon.get(LOGIN, REMOTE_ADDR=STRANGER, **JDOE), 401, "shibboleth_no_identity")
    assert not User.objects.exists() and sign_ins == []


def test_no_username_header_is_no_identity(anon, shib):
    headers = {k: v for k, v in JDOE.items() if k != "HTTP_REMOTE_USER"}
    assert_error(anon.post(EXCHANGE, REMOTE_ADDR=PROXY, **headers), 401, "shibboleth_no_identity")
    assert not User.objects.exists()


def test_an_inactive_user_is_refused(anon, shib):
    User.objects.create_user("jdoe@univ.example", is_active=False)
    assert_error(anon.post(EXCHANGE, REMOTE_ADDR=PROXY, **JDOE), 401, "shibboleth_no_identity")


def test_session_login_redirects_and_maps_at_every_login(client, shib, sign_ins):
    User.objects.create_user("jdoe@univ.example", email="old@univ.example", can_upload=False)
    response = client.get(f"{LOGIN}?next=/after", REMOTE_ADDR=PROXY, **JDOE)
    assert response.status_code == 302 and response["Location"] == "/after"
    # the session alone authenticates now (no headers)
    assert_jdoe(client.get("/api/v1/users/me", REMOTE_ADDR=STRANGER).json()["data"])
    assert sign_ins == ["jdoe@univ.example"]
    assert User.objects.count() == 1


def test_session_login_checks_next(client, shib, settings):
    settings.LOGIN_REDIRECT_ALLOWED_HOSTS = ["front.univ.example"]
    refused = client.get(f"{LOGIN}?next=https://evil.example/", REMOTE_ADDR=PROXY, **JDOE)
    assert_error(refused, 422, "validation_error")
    allowed = client.get(f"{LOGIN}?next=https://front.univ.example/x", REMOTE_ADDR=PROXY, **JDOE)
    assert allowed["Location"] == "https://front.univ.example/x"
    default = client.get(LOGIN, REMOTE_ADDR=PROXY, **JDOE)
    assert default["Location"] == "/api/v1/users/me"


def test_header_names_are_settings(anon, shib, settings):
    settings.SHIB_HEADERS = {**settings.SHIB_HEADERS, "username": "eppn", "email": "Shib-Mail"}
    headers = {"HTTP_EPPN": "sam@univ.example", "HTTP_SHIB_MAIL": "sam@univ.example"}
    response = anon.post(EXCHANGE, REMOTE_ADDR=PROXY, **headers)
    access = response.json()["data"]["access"]
    me = anon.get("/api/v1/users/me", HTTP_AUTHORIZATION=f"Bearer {access}").json()["data"]
    assert (me["username"], me["email"], me["role"]) == ("sam@univ.example",) * 2 + ("viewer",)


def test_everything_is_404_when_shibboleth_is_off(anon, settings):
    settings.USE_SHIB = False
    settings.TRUSTED_PROXY_CIDRS = ["10.0.0.0/8"]
    assert_error(anon.post(EXCHANGE, REMOTE_ADDR=PROXY, **JDOE), 404, "not_found")
    assert_error(anon.get(LOGIN, REMOTE_ADDR=PROXY, **JDOE), 404, "not_found")
    assert not User.objects.exists()


def test_use_shib_without_trusted_proxies_is_a_startup_error(tmp_path):
    from tests.api.test_settings import load_settings

    result = load_settings(tmp_path, DEBUG="1", USE_SHIB="true")
    assert result.returncode != 0
    assert "USE_SHIB needs TRUSTED_PROXY_CIDRS" in result.stderr
    result = load_settings(tmp_path, DEBUG="1", USE_SHIB="true", TRUSTED_PROXY_CIDRS="10.0.0.0/8")
    assert result.returncode == 0, result.stderr
