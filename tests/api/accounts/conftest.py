"""A real CAS server for the CAS sign-in tests: django-cas-server (its own Django project,
``tests/api/accounts/cas_server``) served by gunicorn in its own process on a free
loopback port, SQLite in a temporary folder, seeded with accounts and service patterns;
and a browser (httpx) that signs in through its login form."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[3]

#: the CAS server's accounts and the attributes it releases (Esup's names)
CAS_ACCOUNTS = {
    "jdoe": {
        "password": "jdoe-pw",
        "attributes": {
            "mail": "jane.doe@univ.example",
            "givenName": "Jane",
            "sn": "Doé",
            "eduPersonPrimaryAffiliation": "faculty",
            "eduPersonAffiliation": ["member", "faculty"],
            "supannEtablissement": "{UAI}0123456A",
            "memberOf": ["l3-physics", "cn=staff-all,ou=groups,dc=univ,dc=example"],
        },
    },
    "sstudent": {
        "password": "sstudent-pw",
        "attributes": {
            "mail": "sam@etu.univ.example",
            "givenName": "Sam",
            "sn": "Student",
            "eduPersonPrimaryAffiliation": "student",
            "eduPersonAffiliation": ["member", "student"],
        },
    },
}
#: the service URL of a front end doing the CAS redirect itself (ticket exchange)
FRONT_SERVICE = "https://front.univ.example/cas-callback"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class CasServer:
    url: str  # base URL, ends with /cas/
    process: subprocess.Popen


@pytest.fixture(scope="session")
def cas_server(live_server, tmp_path_factory):
    """The CAS server running at ``http://127.0.0.1:<port>/cas/``. Its service patterns:
    this API's CAS login URL (single logout to it) and ``FRONT_SERVICE`` (single logout
    to this API's ``/accounts/cas/slo/``); every attribute released."""
    folder = tmp_path_factory.mktemp("cas-server")
    services = [
        {"pattern": rf"^{re.escape(live_server.url)}/accounts/cas/", "single_log_out": True},
        {
            "pattern": rf"^{re.escape(FRONT_SERVICE)}",
            "single_log_out": True,
            "single_log_out_callback": f"{live_server.url}/accounts/cas/slo/",
        },
    ]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.api.accounts.cas_server.settings",
        "CAS_TEST_DB": str(folder / "cas.sqlite3"),
        "CAS_TEST_ACCOUNTS": json.dumps(CAS_ACCOUNTS),
        "CAS_TEST_SERVICES": json.dumps(services),
        "PYTHONPATH": str(ROOT),
    }
    seed = [sys.executable, "-m", "tests.api.accounts.cas_server.seed"]
    subprocess.run(seed, cwd=ROOT, env=env, check=True, timeout=120)
    port = free_port()
    log = (folder / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}"),
            *("--workers", "1", "--threads", "4", "--timeout", "60"),
            "tests.api.accounts.cas_server.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/cas/"
    try:
        for _ in range(200):
            assert process.poll() is None, (folder / "gunicorn.log").read_text()
            try:
                if httpx.get(f"{url}login", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError("the CAS server did not start")
        yield CasServer(url=url, process=process)
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture(params=["3"])
def cas_version(request) -> str:
    return request.param


@pytest.fixture
def cas(cas_server, settings, cas_version):
    """USE_CAS on, pointing at the CAS server, with group and establishment mapping."""
    settings.USE_CAS = True
    settings.CAS_SERVER_URL = cas_server.url
    settings.CAS_VERSION = cas_version
    settings.CAS_ALLOWED_SERVICES = [FRONT_SERVICE]
    settings.CAS_ATTRIBUTES = {
        **settings.CAS_ATTRIBUTES,
        "establishment": "supannEtablissement",
        "groups": "memberOf",
    }
    settings.AUTHENTICATION_BACKENDS = [
        "django_cas_ng.backends.CASBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    settings.LOGIN_REDIRECT_URL = settings.CAS_REDIRECT_URL = "/api/v1/users/me"
    return cas_server


def cas_login_form(browser: httpx.Client, page: httpx.Response, username: str, password: str):
    """Fill and POST the CAS server's login form (its hidden fields: login ticket,
    service); returns the response (not followed)."""
    assert page.status_code == 200, page.text[:500]
    hidden = dict(
        re.findall(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page.text)
    )
    fields = {**hidden, "username": username, "password": password}
    return browser.post(str(page.url), data=fields, follow_redirects=False)


def service_ticket(cas_server: CasServer, service: str, username: str) -> str:
    """Sign in at the CAS server for ``service`` (a front end that is not running) and
    return the service ticket the server redirects to it with."""
    with httpx.Client(timeout=30) as browser:
        page = browser.get(f"{cas_server.url}login", params={"service": service})
        answer = cas_login_form(browser, page, username, CAS_ACCOUNTS[username]["password"])
        assert answer.status_code == 302, answer.text[:500]
        location = answer.headers["location"]
        assert location.startswith(service.split("?")[0]), location
        return parse_qs(urlsplit(location).query)["ticket"][0]
