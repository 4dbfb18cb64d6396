"""LDAP sign-in and the LDAP populator against a real OpenLDAP server (Debian's slapd,
configured and seeded for each test by tests/api/accounts/slapd.py): the password paths
(``POST /api/v1/auth/token/pair``, ``/admin/login/``), search-then-bind and bind-as-user,
memberOf and group-search groups, StartTLS, a directory that is down, and the population
of users who signed in another way (``user_logged_in``). Nothing is mocked."""

from __future__ import annotations

import pytest
from django.test import Client

import api.settings
from api.accounts.ldap_settings import auth_ldap_settings
from api.accounts.models import AccessGroup, User
from tests.api.accounts.slapd import (
    GROUPS,
    PEOPLE,
    SERVICE_DN,
    SERVICE_PASSWORD,
    Slapd,
    group_ldif,
    person_ldif,
    start_slapd,
)
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/pair"

JDOE = person_ldif(
    "jdoe",
    "jdoe-ldap-pw",
    given_name="Jane",
    surname="Doe",
    mail="jane.doe@univ.example",
    affiliations=("member", "faculty"),
    primary="faculty",
    establishment="univ.example",
)
STUDENT = person_ldif(
    "sam",
    "sam-ldap-pw",
    given_name="Sam",
    surname="Student",
    mail="sam@etu.univ.example",
    affiliations=("student", "member"),
    primary="student",
    establishment="univ.example",
)


def _seed(server: Slapd) -> Slapd:
    server.add(JDOE + "\n" + STUDENT)
    server.add(group_ldif("l3-physics", "jdoe", "sam") + "\n" + group_ldif("staff-lab", "jdoe"))
    return server


@pytest.fixture
def slapd(tmp_path):
    server = _seed(start_slapd(tmp_path / "slapd"))
    yield server
    server.stop()


@pytest.fixture
def slapd_tls(tmp_path):
    server = _seed(start_slapd(tmp_path / "slapd", tls=True))
    yield server
    server.stop()


def use_ldap(settings, server: Slapd, *, backend: bool = True, **ldap) -> None:
    """Point the settings at ``server`` the way api/settings.py does from the LDAP_*
    variables (search-then-bind as the service account, memberOf groups by default)."""
    names = [name for name in vars(api.settings) if name.startswith("LDAP_")]
    values = {name: getattr(settings, name) for name in names}
    values.update(
        LDAP_SERVER_URI=server.uri,
        LDAP_BIND_DN=SERVICE_DN,
        LDAP_BIND_PASSWORD=SERVICE_PASSWORD,
        LDAP_USER_SEARCH_BASE=PEOPLE,
        LDAP_ATTR_GROUPS="memberOf",
        LDAP_TIMEOUT_SECONDS=2,
    )
    values.update(ldap)
    for name, value in {**values, **auth_ldap_settings(values)}.items():
        setattr(settings, name, value)
    settings.USE_LDAP = backend
    settings.AUTHENTICATION_BACKENDS = [
        "django.contrib.auth.backends.ModelBackend",
        *(["api.accounts.ldap.PodLDAPBackend"] if backend else []),
    ]


def sign_in(username: str, password: str):
    return ApiClient().post_json(TOKEN, {"username": username, "password": password})


def me_with(response) -> dict:
    """GET /users/me with the access token of a token pair response."""
    assert response.status_code == 200, response.content
    access = response.json()["data"]["access"]
    me = ApiClient(HTTP_AUTHORIZATION=f"Bearer {access}").get("/api/v1/users/me")
    assert me.status_code == 200
    return me.json()["data"]


def group_names(me: dict) -> list[str]:
    return sorted(g["code_name"] for g in me["access_groups"])


def test_search_then_bind_gives_a_jwt_for_the_mapped_user(settings, slapd):
    use_ldap(settings, slapd)
    me = me_with(sign_in("jdoe", "jdoe-ldap-pw"))
    assert (me["username"], me["first_name"], me["last_name"]) == ("jdoe", "Jane", "Doe")
    assert me["email"] == "jane.doe@univ.example"
    assert (me["affiliation"], me["establishment"]) == ("faculty", "univ.example")
    assert (me["role"], me["can_upload"]) == ("uploader", True)  # faculty ∈ UPLOAD_AFFILIATIONS
    assert group_names(me) == ["l3-physics", "staff-lab"]  # memberOf, first RDN
    assert AccessGroup.objects.get(code_name="l3-physics").auto_sync
    assert not User.objects.get(username="jdoe").has_usable_password()

    student = me_with(sign_in("sam", "sam-ldap-pw"))
    assert (student["affiliation"], student["role"]) == ("student", "viewer")
    assert group_names(student) == ["l3-physics"]


def test_wrong_password_or_unknown_user_is_401(settings, slapd):
    use_ldap(settings, slapd)
    for username, password in (
        ("jdoe", "wrong"),
        ("nobody", "jdoe-ldap-pw"),
        ("jdoe", "sam-ldap-pw"),
    ):
        response = sign_in(username, password)
        assert response.status_code == 401, (username, response.content)
        assert response.json()["errors"][0]["code"] == "authentication_failed"
    assert not User.objects.exists()


def test_changes_in_the_directory_apply_at_the_next_sign_in(settings, slapd):
    use_ldap(settings, slapd)
    me_with(sign_in("sam", "sam-ldap-pw"))
    manual = AccessGroup.objects.create(code_name="seminar", display_name="Seminar")
    manual.members.add(User.objects.get(username="sam"))
    slapd.modify(
        f"dn: uid=sam,{PEOPLE}\nchangetype: modify\n"
        "replace: givenName\ngivenName: Samantha\n-\n"
        "replace: mail\nmail: samantha@univ.example\n-\n"
        "replace: eduPersonPrimaryAffiliation\neduPersonPrimaryAffiliation: staff\n-\n"
        "replace: eduPersonAffiliation\neduPersonAffiliation: staff\n"
        "eduPersonAffiliation: member\n\n"
        f"dn: cn=l3-physics,{GROUPS}\nchangetype: modify\n"
        f"delete: member\nmember: uid=sam,{PEOPLE}\n\n"
        f"dn: cn=staff-lab,{GROUPS}\nchangetype: modify\n"
        f"add: member\nmember: uid=sam,{PEOPLE}\n"
    )
    me = me_with(sign_in("sam", "sam-ldap-pw"))
    assert (me["first_name"], me["email"]) == ("Samantha", "samantha@univ.example")
    assert (me["affiliation"], me["role"]) == ("staff", "uploader")
    # left the synced group the directory no longer lists; the manual one is kept
    assert group_names(me) == ["seminar", "staff-lab"]
    assert User.objects.filter(username__iexact="sam").count() == 1


def test_bind_as_the_user_with_a_group_search(settings, slapd):
    """No service account: the user's own bind reads its entry and searches its groups."""
    use_ldap(
        settings,
        slapd,
        LDAP_BIND_DN="",
        LDAP_BIND_PASSWORD="",
        LDAP_USER_SEARCH_BASE="",
        LDAP_USER_DN_TEMPLATE=f"uid=%(user)s,{PEOPLE}",
        LDAP_ATTR_GROUPS="",
        LDAP_GROUP_SEARCH_BASE=GROUPS,
    )
    me = me_with(sign_in("jdoe", "jdoe-ldap-pw"))
    assert (me["first_name"], me["affiliation"], me["role"]) == ("Jane", "faculty", "uploader")
    assert group_names(me) == ["l3-physics", "staff-lab"]
    assert sign_in("jdoe", "wrong").status_code == 401


def test_the_directory_down_is_503_and_local_accounts_still_sign_in(settings, slapd, user):
    use_ldap(settings, slapd)
    slapd.stop()
    response = sign_in("jdoe", "jdoe-ldap-pw")
    assert response.status_code == 503
    assert response.json()["errors"][0]["code"] == "ldap_unavailable"
    assert me_with(sign_in("alice", "pw-alice-1"))["username"] == "alice"  # ModelBackend


def test_a_refused_service_account_is_503_not_a_wrong_password(settings, slapd):
    use_ldap(settings, slapd, LDAP_BIND_PASSWORD="not-the-service-password")
    response = sign_in("jdoe", "jdoe-ldap-pw")
    assert response.status_code == 503
    assert response.json()["errors"][0]["code"] == "ldap_unavailable"


def test_starttls_verifies_the_server_certificate(settings, slapd_tls):
    use_ldap(settings, slapd_tls, LDAP_START_TLS=True, LDAP_CA_CERT_FILE=str(slapd_tls.ca_file))
    assert me_with(sign_in("jdoe", "jdoe-ldap-pw"))["affiliation"] == "faculty"
    # a certificate the configured CAs do not vouch for: no sign-in, no fallback to plain
    use_ldap(
        settings,
        slapd_tls,
        LDAP_START_TLS=True,
        LDAP_CA_CERT_FILE="/etc/ssl/certs/ca-certificates.crt",
    )
    response = sign_in("jdoe", "jdoe-ldap-pw")
    assert response.status_code == 503
    assert response.json()["errors"][0]["code"] == "ldap_unavailable"


def admin_login(username: str, password: str):
    return Client().post(
        "/admin/login/", {"username": username, "password": password, "next": "/admin/"}
    )


def test_admin_login_with_the_ldap_password_of_a_staff_account(settings, slapd):
    User.objects.create_user("jdoe", is_staff=True)  # no local password
    use_ldap(settings, slapd)
    response = admin_login("jdoe", "jdoe-ldap-pw")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    jdoe = User.objects.get(username="jdoe")
    assert (jdoe.is_staff, jdoe.affiliation, jdoe.first_name) == (True, "faculty", "Jane")
    assert admin_login("sam", "sam-ldap-pw").status_code == 200  # not staff: the form again


def test_users_signed_in_another_way_are_populated_from_the_directory(settings, slapd):
    """LDAP_POPULATE_ON_LOGIN without LDAP passwords: a user signing in by another backend
    (a local password here, CAS or Shibboleth in production) is filled at login."""
    jdoe = User.objects.create_user("jdoe", password="local-pw-1", is_staff=True)
    AccessGroup.objects.create(code_name="old-course", display_name="Old", auto_sync=True)
    jdoe.access_groups.add(AccessGroup.objects.get(code_name="old-course"))
    use_ldap(settings, slapd, backend=False)

    settings.LDAP_POPULATE_ON_LOGIN = False
    assert admin_login("jdoe", "local-pw-1").status_code == 302
    assert User.objects.get(username="jdoe").affiliation == ""

    settings.LDAP_POPULATE_ON_LOGIN = True
    assert admin_login("jdoe", "jdoe-ldap-pw").status_code == 200  # no LDAP backend
    assert admin_login("jdoe", "local-pw-1").status_code == 302
    jdoe.refresh_from_db()
    assert (jdoe.first_name, jdoe.email) == ("Jane", "jane.doe@univ.example")
    assert (jdoe.affiliation, jdoe.establishment, jdoe.can_upload) == (
        "faculty",
        "univ.example",
        True,
    )
    assert sorted(jdoe.access_groups.values_list("code_name", flat=True)) == [
        "l3-physics",
        "staff-lab",
    ]
    assert jdoe.check_password("local-pw-1")  # the local password is kept

    # someone the directory does not know, or the directory down: the login still works
    User.objects.create_user("localonly", password="local-pw-2", is_staff=True)
    assert admin_login("localonly", "local-pw-2").status_code == 302
    slapd.stop()
    assert admin_login("jdoe", "local-pw-1").status_code == 302


@pytest.mark.parametrize(
    ("env", "error"),
    [
        ({"USE_LDAP": "1"}, "need LDAP_SERVER_URI"),
        ({"USE_LDAP": "1", "LDAP_SERVER_URI": "ldap.univ.example"}, "ldap(s)://"),
        ({"USE_LDAP": "1", "LDAP_SERVER_URI": "ldap://ldap"}, "exactly one of"),
        (
            {
                "LDAP_POPULATE_ON_LOGIN": "1",
                "LDAP_SERVER_URI": "ldap://ldap",
                "LDAP_USER_DN_TEMPLATE": "uid=x,ou=people",
            },
            "LDAP_USER_DN_TEMPLATE must contain %(user)s",
        ),
        (
            {
                "USE_LDAP": "1",
                "LDAP_SERVER_URI": "ldap://ldap",
                "LDAP_USER_SEARCH_BASE": "ou=people,dc=u",
                "LDAP_GROUP_SEARCH_BASE": "ou=groups,dc=u",
                "LDAP_GROUP_TYPE": "memberOf",
            },
            "LDAP_GROUP_TYPE must be",
        ),
    ],
)
def test_ldap_settings_that_cannot_work_are_startup_errors(tmp_path, env, error):
    from tests.api.test_settings import load_settings

    result = load_settings(tmp_path, DEBUG="1", **env)
    assert result.returncode != 0
    assert error in result.stderr


def test_ldap_settings_from_the_environment(tmp_path):
    from tests.api.test_settings import load_settings

    code = (
        "print(s.AUTHENTICATION_BACKENDS[-1], s.AUTH_LDAP_SERVER_URI, s.AUTH_LDAP_START_TLS,"
        " s.AUTH_LDAP_USER_SEARCH.base_dn, s.AUTH_LDAP_USER_SEARCH.filterstr,"
        " s.AUTH_LDAP_USER_ATTRLIST)"
    )
    result = load_settings(
        tmp_path,
        code,
        DEBUG="1",
        USE_LDAP="true",
        LDAP_SERVER_URI="ldap://ldap.univ.example",
        LDAP_START_TLS="1",
        LDAP_USER_SEARCH_BASE="ou=people,dc=univ,dc=example",
        LDAP_ATTR_GROUPS="memberOf",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "api.accounts.ldap.PodLDAPBackend",
        "ldap://ldap.univ.example",
        "True",
        "ou=people,dc=univ,dc=example",
        "(uid=%(user)s)",
        "['*',",
        "'memberOf']",
    ]
