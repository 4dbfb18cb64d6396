"""Launches the tool must refuse, each with its stable code: forged or expired tokens,
another client's audience, replays, unknown issuers and deployments, a state that does
not match the login, a platform whose key set is down, malformed messages."""

from __future__ import annotations

import time

import jwt
import pytest

from api.accounts.models import User
from tests.api.factories import make_video
from tests.api.lti.platform import CLAIM, LEARNER, error_code, new_key


@pytest.fixture
def video(user):
    return make_video(user)


def _refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert error_code(response) == code
    assert not User.objects.filter(username__startswith="lti").exists()  # nobody signed in


def test_forged_signature(platform, video):
    with platform.browser() as browser:
        auth = platform.login(browser)
        claims = platform.claims(auth, custom={"video": str(video.id)})
        forged = platform.sign(claims, key=new_key())  # another key, the platform's kid
        _refused(platform.launch(browser, auth, forged), 401, "lti_invalid_token")


def test_tampered_claims(platform, video):
    with platform.browser() as browser:
        auth = platform.login(browser)
        header, _, signature = platform.sign(platform.claims(auth)).split(".")
        other = platform.sign(platform.claims(auth, roles=["Administrator"])).split(".")[1]
        tampered = f"{header}.{other}.{signature}"
        _refused(platform.launch(browser, auth, tampered), 401, "lti_invalid_token")


@pytest.mark.parametrize(
    "token",
    ["", "garbage", "a.b.c", "e30.e30.e30", "WyJ4Il0.WyJ4Il0.sig"],
    ids=["empty", "one-part", "not-base64", "empty-objects", "json-lists"],
)
def test_malformed_id_token(platform, token):
    with platform.browser() as browser:
        auth = platform.login(browser)
        _refused(platform.launch(browser, auth, token), 401, "lti_invalid_token")


def test_unsigned_and_symmetric_tokens(platform, video):
    with platform.browser() as browser:
        auth = platform.login(browser)
        claims = platform.claims(auth, custom={"video": str(video.id)})
        none = jwt.encode(claims, None, algorithm="none", headers={"kid": platform.kid})
        _refused(platform.launch(browser, auth, none), 401, "lti_invalid_token")
        auth = platform.login(browser)
        hs = jwt.encode(
            platform.claims(auth), "k" * 32, algorithm="HS256", headers={"kid": platform.kid}
        )
        _refused(platform.launch(browser, auth, hs), 401, "lti_invalid_token")


def test_expired_token(platform, video):
    with platform.browser() as browser:
        auth = platform.login(browser)
        past = int(time.time()) - 600
        claims = platform.claims(auth, custom={"video": str(video.id)}, exp=past, iat=past - 60)
        _refused(platform.launch(browser, auth, platform.sign(claims)), 401, "lti_invalid_token")


@pytest.mark.parametrize(
    ("aud", "azp"),
    [("another-client", None), (["another-client", "pod-client-1"], None), (["x"], "pod-client-1")],
    ids=["other-client", "several-without-azp", "azp-not-an-audience"],
)
def test_wrong_audience(platform, video, aud, azp):
    with platform.browser() as browser:
        auth = platform.login(browser)
        extra = {"aud": aud} | ({"azp": azp} if azp else {})
        claims = platform.claims(auth, custom={"video": str(video.id)}, **extra)
        _refused(platform.launch(browser, auth, platform.sign(claims)), 401, "lti_wrong_audience")


def test_several_audiences_with_azp_are_accepted(platform, video):
    with platform.browser() as browser:
        auth = platform.login(browser)
        claims = platform.claims(
            auth, custom={"video": str(video.id)}, aud=["other", "pod-client-1"], azp="pod-client-1"
        )
        assert platform.launch(browser, auth, platform.sign(claims)).status_code == 200


def test_replayed_launch(platform, video):
    with platform.browser() as browser:
        auth = platform.login(browser)
        token = platform.sign(platform.claims(auth, custom={"video": str(video.id)}))
        assert platform.launch(browser, auth, token).status_code == 200
        again = platform.launch(browser, auth, token)
    assert again.status_code == 401 and error_code(again) == "lti_invalid_nonce"
    with platform.browser() as stranger:  # stolen token and state, another browser
        stolen = platform.launch(stranger, auth, token)
    assert stolen.status_code == 401 and error_code(stolen) == "lti_invalid_nonce"


def test_nonce_the_tool_never_issued(platform, video):
    with platform.browser() as browser:
        auth = platform.login(browser)
        claims = platform.claims({**auth, "nonce": "made-up"}, custom={"video": str(video.id)})
        _refused(platform.launch(browser, auth, platform.sign(claims)), 401, "lti_invalid_nonce")


def test_state_not_from_this_browser(platform, video):
    with platform.browser() as browser:
        auth = platform.login(browser)
    token = platform.sign(platform.claims(auth, custom={"video": str(video.id)}))
    with platform.browser() as other:  # no state cookie: login CSRF
        _refused(platform.launch(other, auth, token), 401, "lti_invalid_state")
    with platform.browser() as browser:
        platform.login(browser)
        _refused(
            platform.launch(browser, {**auth, "state": "state-forged"}, token),
            401,
            "lti_invalid_state",
        )


def test_unknown_deployment(platform, video):
    with platform.browser() as browser:
        auth = platform.login(browser)
        claims = platform.claims(auth, custom={"video": str(video.id)})
        claims[CLAIM + "deployment_id"] = "99"
        _refused(
            platform.launch(browser, auth, platform.sign(claims)), 403, "lti_unknown_deployment"
        )


def test_unknown_issuer(platform, video):
    with platform.browser() as browser:
        response = browser.get(
            f"{platform.tool_url}/lti/login/",
            params={"iss": "https://evil.test", "login_hint": "1", "target_link_uri": "x"},
        )
        _refused(response, 403, "lti_unknown_platform")
        auth = platform.login(browser)
        claims = platform.claims(auth, custom={"video": str(video.id)}, iss="https://evil.test")
        _refused(platform.launch(browser, auth, platform.sign(claims)), 403, "lti_unknown_platform")


def test_disabled_registration(platform, registration):
    registration.is_active = False
    registration.save()
    with platform.browser() as browser:
        response = browser.get(
            f"{platform.tool_url}/lti/login/",
            params={"iss": platform.issuer, "login_hint": "1", "target_link_uri": "x"},
        )
    _refused(response, 403, "lti_unknown_platform")


@pytest.mark.parametrize("missing", ["iss", "login_hint", "target_link_uri"])
def test_login_initiation_without_a_parameter(platform, missing):
    params = {"iss": platform.issuer, "login_hint": "1", "target_link_uri": "x"}
    del params[missing]
    with platform.browser() as browser:
        response = browser.post(f"{platform.tool_url}/lti/login/", data=params)
    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "code": "validation_error",
        "message": f"{missing} is required (LTI login initiation).",
        "field": missing,
    }


def test_key_set_down(platform, video, jwks_server):
    jwks_server.stop()
    with platform.browser() as browser:
        auth = platform.login(browser)
        token = platform.sign(platform.claims(auth, custom={"video": str(video.id)}))
        _refused(platform.launch(browser, auth, token), 503, "lti_platform_unavailable")


def test_key_set_is_not_a_jwks(platform, video, jwks_server):
    jwks_server.jwks = ["not", "a", "key", "set"]
    with platform.browser() as browser:
        auth = platform.login(browser)
        token = platform.sign(platform.claims(auth, custom={"video": str(video.id)}))
        _refused(platform.launch(browser, auth, token), 503, "lti_platform_unavailable")


@pytest.mark.parametrize(
    "change",
    [
        {CLAIM + "roles": None},
        {CLAIM + "version": "1.1"},
        {CLAIM + "message_type": "LtiSomethingElse"},
        {CLAIM + "resource_link": {}},
        {"sub": ""},
    ],
    ids=["no-roles", "wrong-version", "unknown-type", "no-resource-link", "no-sub"],
)
def test_message_without_required_claims(platform, video, change):
    with platform.browser() as browser:
        auth = platform.login(browser)
        claims = platform.claims(auth, custom={"video": str(video.id)}, roles=LEARNER)
        claims.update(change)
        claims = {k: v for k, v in claims.items() if v is not None}
        _refused(platform.launch(browser, auth, platform.sign(claims)), 422, "lti_invalid_message")


def test_launch_accepts_post_only(platform):
    with platform.browser() as browser:
        response = browser.get(f"{platform.tool_url}/lti/launch/")
    assert response.status_code == 405 and error_code(response) == "method_not_allowed"


@pytest.mark.parametrize(
    "change",
    [
        {CLAIM + "resource_link": "rl-1"},
        {CLAIM + "context": ["course-42"]},
        {CLAIM + "custom": "video=1"},
        {CLAIM + "custom": {"video": {"id": 1}}},
        {CLAIM + "roles": "Instructor"},
        {"sub": 12345},
        {"email": {"a": 1}, "given_name": ["Ada", "Augusta"]},
    ],
    ids=[
        "link-string",
        "context-list",
        "custom-string",
        "custom-object",
        "roles-string",
        "sub-number",
        "odd-names",
    ],
)
def test_claims_of_the_wrong_type_never_fail_the_server(platform, video, change):
    with platform.browser() as browser:
        auth = platform.login(browser)
        claims = platform.claims(auth, custom={"video": str(video.id)})
        claims.update(change)
        response = platform.launch(browser, auth, platform.sign(claims))
    answers = {409: "lti_link_not_configured", 422: "lti_invalid_message", 401: "lti_invalid_token"}
    assert response.status_code == 200 or error_code(response) == answers[response.status_code]
