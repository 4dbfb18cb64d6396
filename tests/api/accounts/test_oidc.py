"""OIDC login end to end against a real OpenID provider (panva's ``oidc-provider`` on
Node, installed with npm into ~/.cache/pod-v5/oidc-provider on first use): the browser
flow through mozilla-django-oidc (authorization code + PKCE + nonce, RS256 ID token
checked against the provider's JWKS, userinfo), the claims mapped to our user, then the
session traded for a JWT pair. Nothing is mocked."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from api.accounts.models import AccessGroup, User

HERE = Path(__file__).parent
PROVIDER_VERSION = "9.13.3"
CACHE = Path.home() / ".cache" / "pod-v5" / "oidc-provider"

ACCOUNTS = {
    "jdoe": {
        "preferred_username": "jdoe",
        "email": "jane.doe@univ.example",
        "email_verified": True,
        "given_name": "Jane",
        "family_name": "Doe",
        "eduPersonAffiliation": ["member", "faculty"],
        "schacHomeOrganization": "univ.example",
        "groups": ["l3-physics"],
    },
    "student": {
        "preferred_username": "student",
        "email": "s@univ.example",
        "given_name": "Sam",
        "family_name": "Student",
        "eduPersonAffiliation": ["student"],
        "schacHomeOrganization": "univ.example",
    },
}


def _provider_dir() -> Path:
    if (CACHE / "node_modules" / "oidc-provider" / "package.json").exists():
        return CACHE
    if not shutil.which("npm"):
        pytest.skip("node/npm not installed: cannot run the OpenID provider")
    CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", f"oidc-provider@{PROVIDER_VERSION}"],
        cwd=CACHE,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return CACHE


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def oidc_provider(live_server, settings):
    """The provider running, and our settings pointing at it (OIDC_ENABLED)."""
    folder = _provider_dir()
    shutil.copy(HERE / "oidc_provider.mjs", folder / "oidc_provider.mjs")
    port = _free_port()
    process = subprocess.Popen(
        ["node", "oidc_provider.mjs", str(port), f"{live_server.url}/oidc/callback/"],
        cwd=folder,
        env={**os.environ, "OIDC_ACCOUNTS": json.dumps(ACCOUNTS)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        discovery = None
        for _ in range(100):
            try:
                discovery = httpx.get(f"{issuer}/.well-known/openid-configuration").json()
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert discovery, process.stdout.read1().decode() if process.poll() else "no answer"
        settings.OIDC_ENABLED = True
        settings.AUTHENTICATION_BACKENDS = [
            "api.accounts.oidc.PodOIDCBackend",
            "django.contrib.auth.backends.ModelBackend",
        ]
        settings.OIDC_RP_CLIENT_ID, settings.OIDC_RP_CLIENT_SECRET = "pod", "pod-test-secret"
        settings.OIDC_OP_AUTHORIZATION_ENDPOINT = discovery["authorization_endpoint"]
        settings.OIDC_OP_TOKEN_ENDPOINT = discovery["token_endpoint"]
        settings.OIDC_OP_USER_ENDPOINT = discovery["userinfo_endpoint"]
        settings.OIDC_OP_JWKS_ENDPOINT = discovery["jwks_uri"]
        settings.OIDC_RP_SCOPES = "openid email profile edu"
        settings.OIDC_CLAIM_AFFILIATION = "eduPersonAffiliation"
        settings.OIDC_CLAIM_GROUPS = "groups"
        settings.LOGIN_REDIRECT_URL = "/api/v1/users/me"
        yield issuer
    finally:
        process.terminate()
        process.wait(timeout=10)


def _submit(browser: httpx.Client, page: httpx.Response, **fields) -> httpx.Response:
    """Submit the provider's login or consent form (its action URL, relative)."""
    assert page.status_code == 200, page.text[:500]
    action = re.search(r'<form[^>]*action="([^"]+)"', page.text)[1]
    return browser.post(str(page.url.join(action)), data=fields)


def oidc_login(live_server, username: str) -> httpx.Client:
    """A browser that logged in through the provider; it holds our session cookie."""
    browser = httpx.Client(follow_redirects=True, timeout=30)
    login_page = browser.get(f"{live_server.url}/oidc/authenticate/")
    consent_page = _submit(browser, login_page, prompt="login", login=username, password="x")
    landed = _submit(browser, consent_page, prompt="consent")
    assert landed.status_code == 200, landed.text[:500]
    assert landed.url.path == "/api/v1/users/me"  # LOGIN_REDIRECT_URL, now logged in
    return browser


@pytest.mark.django_db(transaction=True)
def test_oidc_login_creates_the_user_and_gives_a_jwt_pair(live_server, oidc_provider):
    browser = oidc_login(live_server, "jdoe")
    me = browser.get(f"{live_server.url}/api/v1/users/me").json()["data"]
    assert (me["username"], me["email"]) == ("jdoe", "jane.doe@univ.example")
    assert (me["first_name"], me["last_name"]) == ("Jane", "Doe")
    assert (me["affiliation"], me["establishment"]) == ("member", "univ.example")
    assert (me["role"], me["can_upload"]) == ("uploader", True)  # faculty ∈ UPLOAD_AFFILIATIONS
    assert me["access_groups"] == [{"code_name": "l3-physics", "display_name": "l3-physics"}]
    assert not User.objects.get(username="jdoe").has_usable_password()

    # the session → our JWT pair (session-authenticated POST: CSRF token needed)
    token = browser.get(f"{live_server.url}/api/v1/auth/csrf").json()["data"]["csrf_token"]
    url = f"{live_server.url}/api/v1/auth/session-token"
    assert browser.post(url).json()["errors"][0]["code"] == "csrf_failed"
    pair = browser.post(url, headers={"X-CSRFToken": token, "Referer": live_server.url})
    assert pair.status_code == 200, pair.text
    access = pair.json()["data"]["access"]
    api = httpx.Client(headers={"Authorization": f"Bearer {access}"})
    assert api.get(f"{live_server.url}/api/v1/users/me").json()["data"]["username"] == "jdoe"


@pytest.mark.django_db(transaction=True)
def test_second_login_updates_the_same_user(live_server, oidc_provider):
    User.objects.create_user("student", email="old@univ.example", first_name="Old")
    AccessGroup.objects.create(code_name="kept", display_name="Kept").members.add(
        User.objects.get(username="student")
    )
    browser = oidc_login(live_server, "student")
    me = browser.get(f"{live_server.url}/api/v1/users/me").json()["data"]
    assert User.objects.filter(username="student").count() == 1
    assert (me["email"], me["first_name"], me["affiliation"]) == (
        "s@univ.example",
        "Sam",
        "student",
    )
    assert (me["role"], me["can_upload"]) == ("viewer", False)
    assert [g["code_name"] for g in me["access_groups"]] == ["kept"]


@pytest.mark.django_db
def test_oidc_urls_are_404_when_disabled(anon, settings):
    settings.OIDC_ENABLED = False
    response = anon.get("/oidc/authenticate/")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


def test_oidc_enabled_without_its_endpoints_is_a_startup_error(tmp_path):
    from tests.api.test_settings import load_settings

    result = load_settings(tmp_path, DEBUG="1", OIDC_ENABLED="true", OIDC_RP_CLIENT_ID="pod")
    assert result.returncode != 0
    assert "OIDC_ENABLED needs OIDC_OP_AUTHORIZATION_ENDPOINT" in result.stderr
    endpoints = {
        f"OIDC_OP_{name}_ENDPOINT": f"https://idp.example/{name.lower()}"
        for name in ("AUTHORIZATION", "TOKEN", "USER", "JWKS")
    }
    result = load_settings(
        tmp_path, DEBUG="1", OIDC_ENABLED="true", OIDC_RP_CLIENT_ID="pod", **endpoints
    )
    assert result.returncode == 0, result.stderr
