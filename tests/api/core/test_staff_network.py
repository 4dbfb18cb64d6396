"""Staff rights only from STAFF_ALLOWED_CIDRS (api.core.staff_network), through real HTTP
(the live server, addressed from 127.0.0.1): bearer JWT, session on the API and the admin
site, the admin's login form; the client address as api.core.client works it out, with
and without a forwarded address from a trusted proxy."""

from __future__ import annotations

import re

import httpx
import pytest
from django.test import RequestFactory

from api.accounts.models import User
from api.core.staff_network import REFUSED, staff_rights_restrict
from tests.api.factories import make_video
from tests.conftest import bearer

INSIDE = {"X-Forwarded-For": "10.1.2.3"}  # a staff network, behind the trusted proxy


@pytest.fixture
def networks(settings):
    settings.STAFF_ALLOWED_CIDRS = ["10.1.0.0/16", "192.0.2.0/24"]
    settings.TRUSTED_PROXY_CIDRS = ["127.0.0.1/32"]  # the live server's peer: the "proxy"


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser("root", "r@example.org", "pw-root-1")


def me(live_server, headers: dict) -> dict:
    response = httpx.get(f"{live_server.url}/api/v1/users/me", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["data"]


@pytest.mark.django_db(transaction=True)
def test_a_staff_token_has_staff_rights_only_from_the_networks(
    live_server, networks, staff_user, admin_user, user, settings
):
    private = make_video(user, visibility="private")
    video_url = f"{live_server.url}/api/v1/videos/{private.id}"
    for account, role in ((staff_user, "manager"), (admin_user, "admin")):
        token = {"Authorization": bearer(account)}
        assert me(live_server, {**token, **INSIDE})["role"] == role
        assert httpx.get(video_url, headers={**token, **INSIDE}).status_code == 200
        # from 127.0.0.1 itself (no forwarded address): outside the networks
        assert me(live_server, token)["role"] == "viewer"
        response = httpx.get(video_url, headers=token)
        assert response.status_code == 404  # another's private video, as for any viewer
    # the rights of the accounts are untouched
    assert User.objects.filter(is_staff=True).count() == 2
    assert User.objects.get(username="root").is_superuser

    # a forwarded address from a peer that is not a trusted proxy is not believed
    settings.TRUSTED_PROXY_CIDRS = ["203.0.113.0/24"]
    assert me(live_server, {"Authorization": bearer(staff_user), **INSIDE})["role"] == "viewer"
    # without STAFF_ALLOWED_CIDRS, staff rights from anywhere
    settings.STAFF_ALLOWED_CIDRS = []
    assert me(live_server, {"Authorization": bearer(staff_user)})["role"] == "manager"


def admin_login(live_server, browser: httpx.Client, headers: dict) -> httpx.Response:
    page = browser.get(f"{live_server.url}/admin/login/", headers=headers)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    return browser.post(
        f"{live_server.url}/admin/login/?next=/admin/",
        data={"username": "staff", "password": "pw-s-1", "csrfmiddlewaretoken": csrf},
        headers=headers,
    )


@pytest.mark.django_db(transaction=True)
def test_the_admin_site_only_from_the_networks(live_server, networks, staff_user):
    outside = httpx.Client()
    refused = admin_login(live_server, outside, {})
    assert refused.status_code == 200
    assert REFUSED.replace("'", "&#x27;") in refused.text
    assert outside.get(f"{live_server.url}/admin/").status_code == 302  # not signed in

    browser = httpx.Client()
    signed_in = admin_login(live_server, browser, INSIDE)
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/admin/"
    assert browser.get(f"{live_server.url}/admin/", headers=INSIDE).status_code == 200
    # the same session from outside: the admin site sends it to its login page, and the
    # API sees a viewer
    away = browser.get(f"{live_server.url}/admin/")
    assert away.status_code == 302 and away.headers["Location"].startswith("/admin/login/")
    session_me = browser.get(f"{live_server.url}/api/v1/users/me").json()["data"]
    assert (session_me["username"], session_me["role"]) == ("staff", "viewer")
    session_me = browser.get(f"{live_server.url}/api/v1/users/me", headers=INSIDE).json()
    assert session_me["data"]["role"] == "manager"


@pytest.mark.django_db
def test_saving_a_restricted_user_keeps_its_stored_rights(networks, admin_user):
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.9")
    restricted = staff_rights_restrict(request, User.objects.get(pk=admin_user.pk))
    assert (restricted.is_staff, restricted.is_superuser, restricted.role) == (
        False,
        False,
        "viewer",
    )
    restricted.first_name = "Root"
    restricted.save()
    stored = User.objects.get(pk=admin_user.pk)
    assert (stored.first_name, stored.is_staff, stored.is_superuser) == ("Root", True, True)
    assert not restricted.is_staff  # still restricted for the rest of the request
    allowed = RequestFactory().get("/", REMOTE_ADDR="192.0.2.10")
    assert staff_rights_restrict(allowed, stored).role == "admin"
