"""/admin/login/ counts against the login rate limits (api.core.admin_login): past them
the form is refused with 429 and Retry-After, even with the right password — per client
address and per username (from any address)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


def login(client: Client, password: str, username: str = "staff"):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"})


def assert_refused(response):
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3600
    assert b"Too many login" in response.content
    assert "_auth_user_id" not in response.wsgi_request.session


def test_the_attempt_past_the_limit_is_refused_even_with_the_right_password(staff_user, settings):
    settings.RATE_LIMITS = {"login": "3/h"}
    browser = Client(REMOTE_ADDR="198.51.100.7")
    for guess in ("guess1", "guess2", "guess3"):
        response = login(browser, guess)
        assert response.status_code == 200  # the form again, with Django's error
        assert b"Please enter the correct username and password" in response.content
    assert_refused(login(browser, "pw-s-1"))
    # another address still logs in
    response = login(Client(REMOTE_ADDR="198.51.100.8"), "pw-s-1")
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_guesses_from_many_addresses_are_limited_per_username(staff_user, settings):
    settings.RATE_LIMITS = {"login": "100/h", "login_user": "2/h"}
    for n in range(2):
        assert login(Client(REMOTE_ADDR=f"203.0.113.{n}"), f"guess{n}").status_code == 200
    assert_refused(login(Client(REMOTE_ADDR="203.0.113.99"), "pw-s-1"))
    # the same counter as the API's token pair
    response = Client(REMOTE_ADDR="203.0.113.100").post(
        "/api/v1/auth/token/pair",
        {"username": "STAFF", "password": "pw-s-1"},
        content_type="application/json",
    )
    assert response.status_code == 429


def test_admin_login_without_limits_works(staff_user, settings):
    settings.RATE_LIMITS = {}
    for _ in range(3):
        assert login(Client(), "wrong").status_code == 200
    assert login(Client(), "pw-s-1").status_code == 302
