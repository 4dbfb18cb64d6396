"""CAS sign-in end to end against a real CAS server (django-cas-server in its own
process, see conftest.py): the browser path through the live server, the ticket
exchange, CAS 2 and CAS 3 attribute release, refused tickets and services, single
logout. Nothing of ours is mocked."""

from __future__ import annotations

import httpx
import pytest
from django.contrib.auth.signals import user_logged_in

from api.accounts.models import AccessGroup, User
from tests.api.accounts.conftest import FRONT_SERVICE, cas_login_form, free_port, service_ticket
from tests.api.core.test_envelope import assert_error

pytestmark = pytest.mark.django_db(transaction=True)

EXCHANGE, REFRESH = "/api/v1/auth/cas", "/api/v1/auth/token/refresh"
#: checks a refresh token without counting as a reuse (which would revoke all the user's)
VERIFY = "/api/v1/auth/token/verify"


@pytest.fixture
def sign_ins():
    """The users ``user_logged_in`` was sent for, in order."""
    seen: list[str] = []

    def receiver(sender, user, **kwargs):
        seen.append(user.username)

    user_logged_in.connect(receiver, dispatch_uid="test-cas-sign-ins")
    yield seen
    user_logged_in.disconnect(dispatch_uid="test-cas-sign-ins")


def me(anon, access: str) -> dict:
    response = anon.get("/api/v1/users/me", HTTP_AUTHORIZATION=f"Bearer {access}")
    assert response.status_code == 200, response.content
    return response.json()["data"]


def assert_jdoe_mapped(data: dict) -> None:
    assert (data["username"], data["email"]) == ("jdoe", "jane.doe@univ.example")
    assert (data["first_name"], data["last_name"]) == ("Jane", "Doé")
    assert (data["affiliation"], data["establishment"]) == ("faculty", "{UAI}0123456A")
    assert (data["role"], data["can_upload"]) == ("uploader", True)  # faculty: UPLOAD_AFFILIATIONS
    assert sorted(g["code_name"] for g in data["access_groups"]) == ["l3-physics", "staff-all"]


@pytest.mark.parametrize("cas_version", ["2", "3"], indirect=True)
def test_ticket_exchange_maps_the_released_attributes(anon, cas, cas_version, sign_ins):
    # the front end's service URL may carry a query (its own next page): only the
    # scheme, host and path are compared with CAS_ALLOWED_SERVICES
    service = f"{FRONT_SERVICE}?next=/videos/42"
    ticket = service_ticket(cas, service, "jdoe")
    response = anon.post_json(EXCHANGE, {"service": service, "ticket": ticket})
    assert response.status_code == 200, response.content
    pair = response.json()["data"]
    assert_jdoe_mapped(me(anon, pair["access"]))
    assert sign_ins == ["jdoe"]
    user = User.objects.get(username="jdoe")
    assert user.last_login is not None and not user.has_usable_password()
    assert anon.post_json(REFRESH, {"refresh": pair["refresh"]}).status_code == 200


def test_the_mapping_follows_the_server_at_every_login(anon, cas):
    student = User.objects.create_user("sstudent", email="old@univ.example", first_name="Old")
    AccessGroup.objects.create(code_name="kept", display_name="Kept").members.add(student)
    left = AccessGroup.objects.create(code_name="old-course", display_name="Old", auto_sync=True)
    left.members.add(student)  # synced from the server before: no longer listed, left
    ticket = service_ticket(cas, FRONT_SERVICE, "sstudent")
    pair = anon.post_json(EXCHANGE, {"service": FRONT_SERVICE, "ticket": ticket}).json()["data"]
    data = me(anon, pair["access"])
    assert (data["email"], data["first_name"], data["affiliation"]) == (
        "sam@etu.univ.example",
        "Sam",
        "student",
    )
    assert (data["role"], data["can_upload"]) == ("viewer", False)
    assert [g["code_name"] for g in data["access_groups"]] == ["kept"]
    assert User.objects.filter(username="sstudent").count() == 1


def test_a_replayed_or_unknown_ticket_is_refused(anon, cas, sign_ins):
    ticket = service_ticket(cas, FRONT_SERVICE, "jdoe")
    body = {"service": FRONT_SERVICE, "ticket": ticket}
    assert anon.post_json(EXCHANGE, body).status_code == 200
    assert_error(anon.post_json(EXCHANGE, body), 401, "cas_ticket_invalid")
    bogus = {"service": FRONT_SERVICE, "ticket": "ST-not-a-ticket-of-this-server"}
    assert_error(anon.post_json(EXCHANGE, bogus), 401, "cas_ticket_invalid")
    assert sign_ins == ["jdoe"]


def test_a_ticket_of_another_service_is_refused(anon, cas):
    # issued for FRONT_SERVICE?next=/a, presented for FRONT_SERVICE: the CAS server refuses
    ticket = service_ticket(cas, f"{FRONT_SERVICE}?next=/a", "jdoe")
    body = {"service": FRONT_SERVICE, "ticket": ticket}
    assert_error(anon.post_json(EXCHANGE, body), 401, "cas_ticket_invalid")
    assert not User.objects.filter(username="jdoe").exists()


def test_a_service_not_allowed_is_refused_before_asking_the_server(anon, cas):
    ticket = service_ticket(cas, FRONT_SERVICE, "jdoe")
    for service in ("https://evil.example/cas-callback", "ftp://front.univ.example/cas-callback"):
        response = anon.post_json(EXCHANGE, {"service": service, "ticket": ticket})
        assert_error(response, 422, "cas_service_not_allowed")
        assert response.json()["errors"][0]["field"] == "service"
    # the ticket was not spent: the allowed service still gets it
    good = anon.post_json(EXCHANGE, {"service": FRONT_SERVICE, "ticket": ticket})
    assert good.status_code == 200


def test_malformed_input_is_a_validation_error(anon, cas):
    for body in (
        {"service": FRONT_SERVICE},
        {"service": FRONT_SERVICE, "ticket": ""},
        {"service": FRONT_SERVICE, "ticket": "ST-" + "x" * 300},
        {"service": FRONT_SERVICE, "ticket": "ST-a\x00b"},
    ):
        assert_error(anon.post_json(EXCHANGE, body), 422, "validation_error")


def test_an_unreachable_cas_server_is_503(anon, cas, settings):
    settings.CAS_SERVER_URL = f"http://127.0.0.1:{free_port()}/cas/"  # nothing listens
    body = {"service": FRONT_SERVICE, "ticket": "ST-anything"}
    assert_error(anon.post_json(EXCHANGE, body), 503, "cas_unavailable")


def test_everything_is_404_when_cas_is_off(anon, settings):
    settings.USE_CAS = False
    body = {"service": FRONT_SERVICE, "ticket": "ST-1"}
    assert_error(anon.post_json(EXCHANGE, body), 404, "not_found")
    for url in ("/accounts/cas/login/", "/accounts/cas/logout/"):
        assert_error(anon.get(url), 404, "not_found")
    assert_error(anon.post("/accounts/cas/slo/", {"logoutRequest": "x"}), 404, "not_found")


# --- the browser path, through the live server ---------------------------------------


def browser_login(live_server, username: str) -> httpx.Client:
    """A browser that signed in at /accounts/cas/login/ through the CAS login form; it
    holds our session cookie (and the CAS server's)."""
    browser = httpx.Client(timeout=30, follow_redirects=True)
    login_page = browser.get(f"{live_server.url}/accounts/cas/login/?next=/api/v1/users/me")
    assert login_page.url.host == "127.0.0.1"  # at the CAS server
    password = {"jdoe": "jdoe-pw", "sstudent": "sstudent-pw"}[username]
    back = cas_login_form(browser, login_page, username, password)
    assert back.status_code == 302 and "ticket=ST-" in back.headers["location"]
    landed = browser.get(back.headers["location"])
    assert landed.status_code == 200, landed.text[:500]
    assert landed.url.path == "/api/v1/users/me"
    return browser


def session_jwt(live_server, browser: httpx.Client) -> dict:
    token = browser.get(f"{live_server.url}/api/v1/auth/csrf").json()["data"]["csrf_token"]
    pair = browser.post(
        f"{live_server.url}/api/v1/auth/session-token",
        headers={"X-CSRFToken": token, "Referer": live_server.url},
    )
    assert pair.status_code == 200, pair.text
    return pair.json()["data"]


def test_browser_login_then_session_token(live_server, cas, sign_ins):
    browser = browser_login(live_server, "jdoe")
    assert browser.get(f"{live_server.url}/api/v1/users/me").json()["data"]["username"] == "jdoe"
    pair = session_jwt(live_server, browser)
    api = httpx.Client(headers={"Authorization": f"Bearer {pair['access']}"})
    assert_jdoe_mapped(api.get(f"{live_server.url}/api/v1/users/me").json()["data"])
    assert sign_ins == ["jdoe"]


def test_single_logout_ends_the_browser_session_and_its_tokens(live_server, cas, anon):
    browser = browser_login(live_server, "jdoe")
    pair = session_jwt(live_server, browser)
    other_device = browser_login(live_server, "jdoe")  # another CAS session, same user
    other_pair = session_jwt(live_server, other_device)

    # the user signs out at the CAS server: it POSTs a logoutRequest to our login URL
    browser.get(f"{cas.url}logout")
    me_again = browser.get(f"{live_server.url}/api/v1/users/me")
    assert me_again.status_code == 401
    assert_error(anon.post_json(VERIFY, {"token": pair["refresh"]}), 401, "token_revoked")
    # the other session and its tokens live on
    assert other_device.get(f"{live_server.url}/api/v1/users/me").status_code == 200
    assert anon.post_json(REFRESH, {"refresh": other_pair["refresh"]}).status_code == 200


def test_single_logout_revokes_exchanged_tokens_even_refreshed(live_server, cas, anon):
    with httpx.Client(timeout=30) as cas_browser, httpx.Client(timeout=30) as other_browser:
        # the front end's user signs in at the CAS server for FRONT_SERVICE
        pairs = []
        for browser in (cas_browser, other_browser):
            page = browser.get(f"{cas.url}login", params={"service": FRONT_SERVICE})
            answer = cas_login_form(browser, page, "jdoe", "jdoe-pw")
            ticket = answer.headers["location"].split("ticket=", 1)[1]
            body = {"service": FRONT_SERVICE, "ticket": ticket}
            pairs.append(anon.post_json(EXCHANGE, body).json()["data"])
        rotated = anon.post_json(REFRESH, {"refresh": pairs[0]["refresh"]}).json()["data"]

        # sign-out at the CAS server: a logoutRequest to /accounts/cas/slo/
        assert cas_browser.get(f"{cas.url}logout").status_code == 200
    assert_error(anon.post_json(VERIFY, {"token": rotated["refresh"]}), 401, "token_revoked")
    assert anon.post_json(REFRESH, {"refresh": pairs[1]["refresh"]}).status_code == 200


def test_local_logout_ends_the_session_and_goes_to_the_cas_logout(live_server, cas, anon):
    browser = browser_login(live_server, "jdoe")
    pair = session_jwt(live_server, browser)
    out = browser.get(f"{live_server.url}/accounts/cas/logout/", follow_redirects=False)
    assert out.status_code == 302 and out.headers["location"].startswith(f"{cas.url}logout")
    assert browser.get(f"{live_server.url}/api/v1/users/me").status_code == 401
    assert_error(anon.post_json(REFRESH, {"refresh": pair["refresh"]}), 401, "token_revoked")


def test_a_foreign_next_is_refused(anon, cas, settings):
    settings.LOGIN_REDIRECT_ALLOWED_HOSTS = ["front.univ.example"]
    for url in ("/accounts/cas/login/", "/accounts/cas/logout/"):
        response = anon.get(f"{url}?next=https://evil.example/")
        assert_error(response, 422, "validation_error")
        assert response.json()["errors"][0]["field"] == "next"
    # a front end of LOGIN_REDIRECT_ALLOWED_HOSTS is fine: off to the CAS server
    allowed = anon.get("/accounts/cas/login/?next=https://front.univ.example/after")
    assert allowed.status_code == 302
    assert allowed["Location"].startswith(f"{cas.url}login?service=")


def test_cas_settings_are_checked_at_startup(tmp_path):
    from tests.api.test_settings import load_settings

    result = load_settings(tmp_path, DEBUG="1", USE_CAS="true")
    assert result.returncode != 0 and "USE_CAS needs CAS_SERVER_URL" in result.stderr
    result = load_settings(tmp_path, DEBUG="1", CAS_ATTRIBUTES="email=mail,phone=telephoneNumber")
    assert result.returncode != 0 and "CAS_ATTRIBUTES must be key=value items" in result.stderr
    result = load_settings(tmp_path, DEBUG="1", CAS_VERSION="1")
    assert result.returncode != 0 and "CAS_VERSION must be" in result.stderr
    code = "print(s.AUTHENTICATION_BACKENDS[0], s.CAS_SERVER_URL, s.CAS_ATTRIBUTES['groups'])"
    result = load_settings(
        tmp_path,
        code,
        DEBUG="1",
        USE_CAS="true",
        CAS_SERVER_URL="https://cas.univ.example/cas",
        CAS_ATTRIBUTES="groups=memberOf",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django_cas_ng.backends.CASBackend",
        "https://cas.univ.example/cas/",
        "memberOf",
    ]
