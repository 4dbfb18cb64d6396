"""django-auth-ldap's ``AUTH_LDAP_*`` settings, built from ours (``LDAP_*``, README).

Imported by ``api.settings`` only when ``USE_LDAP`` or ``LDAP_POPULATE_ON_LOGIN`` is on
(python-ldap and django-auth-ldap's ``config`` module are safe to import before Django is
set up; this module imports nothing else of ours). A setting that cannot work raises
``ImproperlyConfigured`` naming it, so a bad deployment fails at startup.

Two ways to find a user's entry (exactly one is set):

- bind as the user: ``LDAP_USER_DN_TEMPLATE`` (``uid=%(user)s,ou=people,dc=univ,dc=fr``),
  the user's own bind reads its attributes (no service account needed to sign in);
- search, then bind: ``LDAP_USER_SEARCH_BASE`` + ``LDAP_USER_SEARCH_FILTER``
  (``(uid=%(user)s)``), searched as ``LDAP_BIND_DN`` (anonymous when empty).

Populating a user without its password (``LDAP_POPULATE_ON_LOGIN``) always reads as
``LDAP_BIND_DN``.
"""

from __future__ import annotations

from collections.abc import Mapping

import ldap
from django.core.exceptions import ImproperlyConfigured
from django_auth_ldap.config import (
    GroupOfNamesType,
    GroupOfUniqueNamesType,
    LDAPSearch,
    PosixGroupType,
)

#: LDAP_GROUP_TYPE → how django-auth-ldap reads a group search's results (names: ``cn``)
GROUP_TYPES = {
    "groupOfNames": GroupOfNamesType,
    "groupOfUniqueNames": GroupOfUniqueNamesType,
    "posixGroup": PosixGroupType,
}


def _needs_user(name: str, value: str) -> None:
    if "%(user)s" not in value:
        raise ImproperlyConfigured(f"{name} must contain %(user)s, got {value!r}")


def auth_ldap_settings(values: Mapping[str, object]) -> dict[str, object]:
    """The ``AUTH_LDAP_*`` settings for our ``LDAP_*`` ``values`` (a settings module's
    globals, or a dict of the same names). Raises ImproperlyConfigured."""
    uri = str(values["LDAP_SERVER_URI"] or "")
    template = str(values["LDAP_USER_DN_TEMPLATE"] or "")
    search_base = str(values["LDAP_USER_SEARCH_BASE"] or "")
    if not uri:
        raise ImproperlyConfigured("USE_LDAP and LDAP_POPULATE_ON_LOGIN need LDAP_SERVER_URI")
    if not uri.startswith(("ldap://", "ldaps://", "ldapi://")):
        raise ImproperlyConfigured(f"LDAP_SERVER_URI must be ldap(s)://host[:port], got {uri!r}")
    if bool(template) == bool(search_base):
        raise ImproperlyConfigured(
            "LDAP needs exactly one of LDAP_USER_DN_TEMPLATE (bind as the user) and "
            "LDAP_USER_SEARCH_BASE (search, then bind)"
        )
    groups_attribute = str(values["LDAP_ATTR_GROUPS"] or "")
    # operational attributes (OpenLDAP's memberOf) only come back when asked for by name
    attrlist = ["*", groups_attribute] if groups_attribute else None
    timeout = float(values["LDAP_TIMEOUT_SECONDS"])
    options: dict[int, object] = {
        ldap.OPT_PROTOCOL_VERSION: ldap.VERSION3,
        ldap.OPT_REFERRALS: 0,  # AD answers searches of the base with referrals
        ldap.OPT_NETWORK_TIMEOUT: timeout,
        ldap.OPT_TIMEOUT: timeout,
    }
    ca_file = str(values["LDAP_CA_CERT_FILE"] or "")
    if ca_file:  # else the system's (libldap's TLS_CACERT)
        options[ldap.OPT_X_TLS_CACERTFILE] = ca_file
    # the server's certificate is verified whatever ldap.conf says (TLS_REQCERT)
    options[ldap.OPT_X_TLS_REQUIRE_CERT] = ldap.OPT_X_TLS_DEMAND
    options[ldap.OPT_X_TLS_NEWCTX] = 0  # last: a TLS context with the options above
    result: dict[str, object] = {
        "AUTH_LDAP_SERVER_URI": uri,
        "AUTH_LDAP_START_TLS": bool(values["LDAP_START_TLS"]),
        "AUTH_LDAP_CONNECTION_OPTIONS": options,
        "AUTH_LDAP_BIND_DN": str(values["LDAP_BIND_DN"] or ""),
        "AUTH_LDAP_BIND_PASSWORD": str(values["LDAP_BIND_PASSWORD"] or ""),
        "AUTH_LDAP_USER_DN_TEMPLATE": template or None,
        "AUTH_LDAP_USER_SEARCH": None,
        "AUTH_LDAP_USER_ATTRLIST": attrlist,
        # the populator (api.accounts.ldap) maps attributes itself, at every login
        "AUTH_LDAP_USER_ATTR_MAP": {},
        "AUTH_LDAP_ALWAYS_UPDATE_USER": True,
    }
    if template:
        _needs_user("LDAP_USER_DN_TEMPLATE", template)
        # the user's bind stays on to read its attributes (and groups)
        result["AUTH_LDAP_BIND_AS_AUTHENTICATING_USER"] = True
    else:
        search_filter = str(values["LDAP_USER_SEARCH_FILTER"])
        _needs_user("LDAP_USER_SEARCH_FILTER", search_filter)
        result["AUTH_LDAP_USER_SEARCH"] = LDAPSearch(
            search_base, ldap.SCOPE_SUBTREE, search_filter, attrlist
        )
    group_base = str(values["LDAP_GROUP_SEARCH_BASE"] or "")
    if group_base:
        group_type = str(values["LDAP_GROUP_TYPE"])
        if group_type not in GROUP_TYPES:
            raise ImproperlyConfigured(
                f"LDAP_GROUP_TYPE must be {', '.join(GROUP_TYPES)}, got {group_type!r}"
            )
        result["AUTH_LDAP_GROUP_SEARCH"] = LDAPSearch(
            group_base, ldap.SCOPE_SUBTREE, str(values["LDAP_GROUP_SEARCH_FILTER"])
        )
        result["AUTH_LDAP_GROUP_TYPE"] = GROUP_TYPES[group_type]()
    return result
