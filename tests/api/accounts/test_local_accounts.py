"""Local accounts over real HTTP (live server) with a real SMTP server on loopback:
registration with e-mail activation, password reset by e-mail link, password change,
and the switches that turn them off."""

from __future__ import annotations

import html

import httpx
import pytest
from django.contrib.auth.tokens import default_token_generator

from tests.api.accounts.smtp import link_in, text_of

ACTIVATE_PAGE = "https://front.example/account/activate"
RESET_PAGE = "https://front.example/account/reset"
REGISTER, ACTIVATE = "/api/v1/auth/register", "/api/v1/auth/activate"
RESET, CONFIRM = "/api/v1/auth/password/reset", "/api/v1/auth/password/reset/confirm"
PAIR, REFRESH, ME = "/api/v1/auth/token/pair", "/api/v1/auth/token/refresh", "/api/v1/users/me"
CHANGE = "/api/v1/users/me/password"
STRONG = "correct horse battery staple"


@pytest.fixture
def http(live_server, settings):
    """An HTTP client of the live server, with registration on and the front end's
    link pages set."""
    settings.REGISTRATION_ENABLED = True
    settings.ACCOUNT_ACTIVATION_URL = ACTIVATE_PAGE + "?uid={uid}&token={token}"
    settings.PASSWORD_RESET_URL = RESET_PAGE + "?uid={uid}&token={token}"
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        yield client


def error(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == "error" and body["errors"][0]["code"] == code, body
    return body["errors"][0]


def login(http, username, password) -> dict:
    response = http.post(PAIR, json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["data"]


def me(http, access) -> httpx.Response:
    return http.get(ME, headers={"Authorization": f"Bearer {access}"})


def register(http, username="carol", email="carol@example.org", password=STRONG):
    return http.post(REGISTER, json={"username": username, "email": email, "password": password})


# --- registration and activation ----------------------------------------------------


def test_register_activate_by_the_mailed_link_then_log_in(http, smtp, django_user_model):
    response = register(http)
    assert response.status_code == 202, response.text

    message = smtp.next()
    assert message["To"] == "carol@example.org" and "Activate" in message["Subject"]
    link, query = link_in(message, ACTIVATE_PAGE)
    assert html.escape(link) in message.get_body(preferencelist=("html",)).get_content()
    # not active yet: the password does not log in
    denied = http.post(PAIR, json={"username": "carol", "password": STRONG})
    error(denied, 401, "authentication_failed")

    # the front end's page posts the link's uid and token
    assert http.post(ACTIVATE, json=query).status_code == 204
    tokens = login(http, "carol", STRONG)
    profile = me(http, tokens["access"]).json()["data"]
    assert profile["username"] == "carol" and profile["email"] == "carol@example.org"
    assert profile["role"] == "viewer" and profile["can_upload"] is False

    # the link works once
    error(http.post(ACTIVATE, json=query), 409, "already_active")
    assert smtp.pending() == []


def test_a_forged_or_foreign_activation_token_activates_nothing(http, smtp, django_user_model):
    register(http)
    register(http, username="dave", email="dave@example.org")
    _, carol = link_in(smtp.next(), ACTIVATE_PAGE)
    _, dave = link_in(smtp.next(), ACTIVATE_PAGE)

    forged = {
        "uid": carol["uid"],
        "token": carol["token"][:-1] + ("0" if carol["token"][-1] != "0" else "1"),
    }
    error(http.post(ACTIVATE, json=forged), 400, "link_invalid")
    error(
        http.post(ACTIVATE, json={"uid": carol["uid"], "token": dave["token"]}), 400, "link_invalid"
    )
    error(http.post(ACTIVATE, json={"uid": "not-base64!", "token": "x-y"}), 400, "link_invalid")
    # a password reset token of the right account does not activate it either
    reset = default_token_generator.make_token(django_user_model.objects.get(username="carol"))
    error(http.post(ACTIVATE, json={"uid": carol["uid"], "token": reset}), 400, "link_invalid")
    assert not django_user_model.objects.get(username="carol").is_active
    assert http.post(ACTIVATE, json=dave).status_code == 204


def test_a_known_address_answers_the_same_and_its_owner_is_told(http, smtp, user):
    fresh = register(http, username="zoe", email="zoe@example.org")
    again = register(http, username="alice2", email="ALICE@example.org")
    assert again.status_code == fresh.status_code == 202
    assert again.json() == fresh.json()
    smtp.next()  # zoe's activation
    notice = smtp.next()
    assert notice["X-Envelope-To"] == "ALICE@example.org"
    assert "already has one (user name: alice)" in " ".join(text_of(notice).split())
    assert ACTIVATE_PAGE not in text_of(notice)  # alice's account is active: no link
    assert not type(user).objects.filter(username="alice2").exists()


def test_registering_a_pending_address_again_mails_a_new_activation_link(http, smtp):
    register(http)
    smtp.next()  # the first mail is lost
    assert register(http, username="carol2").status_code == 202
    _, query = link_in(smtp.next(), ACTIVATE_PAGE)
    assert http.post(ACTIVATE, json=query).status_code == 204
    login(http, "carol", STRONG)  # the first registration's account and password


def test_taken_user_names_and_weak_passwords_are_refused(http, smtp, user):
    error(register(http, username="ALICE"), 409, "username_taken")
    weak = error(register(http, password="Zq9!x"), 422, "validation_error")
    assert weak["field"] == "password" and "too short" in weak["message"]
    similar = error(register(http, password="carol@example.org"), 422, "validation_error")
    assert "too similar" in similar["message"]
    bad_name = error(register(http, username="carol smith"), 422, "validation_error")
    assert bad_name["field"] == "username"
    error(
        http.post(REGISTER, json={"username": "x", "email": "nope", "password": STRONG}),
        422,
        "validation_error",
    )
    assert smtp.pending() == []


# --- password reset ---------------------------------------------------------------


def test_reset_for_an_unknown_address_answers_the_same_and_sends_nothing(http, smtp, user):
    unknown = http.post(RESET, json={"email": "nobody@example.org"})
    known = http.post(RESET, json={"email": "alice@example.org"})
    assert unknown.status_code == known.status_code == 202
    assert unknown.json() == known.json()
    # one sender thread, mails in order: had the unknown address got one, it came first
    received = smtp.pending()
    assert [m["X-Envelope-To"] for m in received] == ["alice@example.org"]


def test_reset_by_the_mailed_link_once_and_refresh_tokens_die(http, smtp, user):
    before = login(http, "alice", "pw-alice-1")
    assert http.post(RESET, json={"email": "Alice@Example.org"}).status_code == 202
    message = smtp.next()
    assert "Reset" in message["Subject"]
    _, query = link_in(message, RESET_PAGE)

    weak = error(
        http.post(CONFIRM, json={**query, "new_password": "short"}), 422, "validation_error"
    )
    assert weak["field"] == "new_password"
    # the refused password did not spend the link
    assert http.post(CONFIRM, json={**query, "new_password": STRONG}).status_code == 204

    error(http.post(CONFIRM, json={**query, "new_password": STRONG + "!"}), 400, "link_invalid")
    error(http.post(REFRESH, json={"refresh": before["refresh"]}), 401, "token_revoked")
    error(
        http.post(PAIR, json={"username": "alice", "password": "pw-alice-1"}),
        401,
        "authentication_failed",
    )
    after = login(http, "alice", STRONG)
    assert me(http, after["access"]).json()["data"]["username"] == "alice"


def test_reset_requests_are_rate_limited_per_address(http, smtp, user, settings):
    settings.RATE_LIMITS = {"password_reset": "2/h"}
    for _ in range(2):
        assert http.post(RESET, json={"email": "alice@example.org"}).status_code == 202
    limited = http.post(RESET, json={"email": "alice@example.org"})
    error(limited, 429, "rate_limited")
    assert int(limited.headers["Retry-After"]) > 0
    assert len(smtp.pending()) == 2


# --- password change --------------------------------------------------------------


def test_change_password_with_a_wrong_old_one_changes_nothing(http, user):
    tokens = login(http, "alice", "pw-alice-1")
    auth = {"Authorization": f"Bearer {tokens['access']}"}
    wrong = error(
        http.post(CHANGE, json={"old": "nope", "new": STRONG}, headers=auth), 403, "wrong_password"
    )
    assert wrong["field"] == "old"
    assert http.post(REFRESH, json={"refresh": tokens["refresh"]}).status_code == 200
    login(http, "alice", "pw-alice-1")


def test_change_password_revokes_refresh_tokens_and_gives_a_new_pair(http, user):
    first, second = login(http, "alice", "pw-alice-1"), login(http, "alice", "pw-alice-1")
    auth = {"Authorization": f"Bearer {first['access']}"}
    weak = error(
        http.post(CHANGE, json={"old": "pw-alice-1", "new": "alice"}, headers=auth),
        422,
        "validation_error",
    )
    assert weak["field"] == "new"
    response = http.post(CHANGE, json={"old": "pw-alice-1", "new": STRONG}, headers=auth)
    assert response.status_code == 200, response.text
    fresh = response.json()["data"]
    for old in (first, second):
        error(http.post(REFRESH, json={"refresh": old["refresh"]}), 401, "token_revoked")
    assert http.post(REFRESH, json={"refresh": fresh["refresh"]}).status_code == 200
    login(http, "alice", STRONG)


# --- switches ---------------------------------------------------------------------


@pytest.mark.django_db
def test_local_auth_off_closes_every_password_endpoint(anon, alice, settings, user):
    settings.USE_LOCAL_AUTH = False
    settings.REGISTRATION_ENABLED = True
    error_of = {
        PAIR: {"username": "alice", "password": "pw-alice-1"},
        REGISTER: {"username": "carol", "email": "c@example.org", "password": STRONG},
        ACTIVATE: {"uid": "MQ", "token": "a-b"},
        RESET: {"email": "alice@example.org"},
        CONFIRM: {"uid": "MQ", "token": "a-b", "new_password": STRONG},
    }
    for path, body in error_of.items():
        response = anon.post_json(path, body)
        assert response.status_code == 403, path
        assert response.json()["errors"][0]["code"] == "local_auth_disabled", path
    changed = alice.post_json(CHANGE, {"old": "pw-alice-1", "new": STRONG})
    assert changed.json()["errors"][0]["code"] == "local_auth_disabled"
    # the account itself still works through JWTs it holds (SSO logins give them)
    assert alice.get(ME).status_code == 200


@pytest.mark.django_db
def test_local_auth_off_beside_ldap_refuses_local_passwords_everywhere(anon, settings, staff_user):
    """With another password backend on (LDAP), the token pair stays open to it, but a
    local password signs in neither there nor on the admin site."""
    settings.USE_LOCAL_AUTH, settings.USE_LDAP = False, True
    refused = anon.post_json(PAIR, {"username": "staff", "password": "pw-s-1"})
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["code"] == "authentication_failed"
    form = {"username": "staff", "password": "pw-s-1", "next": "/admin/"}
    page = anon.post("/admin/login/", form)
    assert page.status_code == 200 and "_auth_user_id" not in anon.session
    settings.USE_LOCAL_AUTH = True
    assert anon.post("/admin/login/", form).status_code == 302


@pytest.mark.django_db
def test_registration_and_reset_switches(anon, settings, user):
    settings.REGISTRATION_ENABLED = False
    body = {"username": "carol", "email": "c@example.org", "password": STRONG}
    assert anon.post_json(REGISTER, body).json()["errors"][0]["code"] == "registration_disabled"
    assert anon.post_json(ACTIVATE, {"uid": "MQ", "token": "a-b"}).status_code == 403
    settings.PASSWORD_RESET_ENABLED = False
    response = anon.post_json(RESET, {"email": "alice@example.org"})
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "password_reset_disabled"
    confirm = anon.post_json(CONFIRM, {"uid": "MQ", "token": "a-b", "new_password": STRONG})
    assert confirm.json()["errors"][0]["code"] == "password_reset_disabled"
    # password login stays on
    assert anon.post_json(PAIR, {"username": "alice", "password": "pw-alice-1"}).status_code == 200
