"""LDAP sign-in (django-auth-ldap) and the LDAP populator (Esup-Pod's
``USER_LDAP_MAPPING_ATTRIBUTES``), switched by ``USE_LDAP`` / ``LDAP_POPULATE_ON_LOGIN``
(off by default; settings in ``api.accounts.ldap_settings``, docs/auth.md "LDAP").

- **Sign-in**: with ``USE_LDAP``, :class:`PodLDAPBackend` is in
  ``AUTHENTICATION_BACKENDS`` after Django's ``ModelBackend``, so every password path
  (``POST /api/v1/auth/token/pair``, ``/admin/login/``) tries local accounts first, then
  binds to the directory as the user (a DN template, or a search as the service account
  then a bind). Users are matched by username (case-insensitively), created at their first
  LDAP sign-in with an unusable local password.
- **Populator**: at every LDAP sign-in, :func:`user_fill_from_ldap` maps the entry's
  attributes to the user and :func:`access_groups_from_ldap` its groups to access groups
  (``auto_sync`` ones: :func:`api.accounts.services.user_access_groups_sync`).
- **Other sign-ins** (CAS, Shibboleth, OIDC, admin): with ``LDAP_POPULATE_ON_LOGIN``, a
  receiver of Django's ``user_logged_in`` looks the user up by username as the service
  account and populates it the same way (django-auth-ldap's ``populate_user``); a
  directory that is down never fails that sign-in (logged).
- **Directory down**: any LDAP error while signing in (server down, timeout, refused
  TLS, service account refused) raises :class:`LdapUnavailable` (HTTP 503
  ``ldap_unavailable``) instead of passing for a wrong password; a wrong password is
  still 401 ``authentication_failed``.
"""

from __future__ import annotations

import logging

import ldap
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django_auth_ldap.backend import LDAPBackend, ldap_error, populate_user

from api.accounts import services
from api.accounts.models import Affiliation, User
from api.core.errors import PodError

logger = logging.getLogger(__name__)

#: the dotted path of the backend (AUTHENTICATION_BACKENDS, ``user.backend``)
BACKEND = "api.accounts.ldap.PodLDAPBackend"


class LdapUnavailable(PodError):
    """The LDAP directory failed while signing in: unreachable, timed out, TLS refused,
    the service account refused (HTTP 503). Local accounts still sign in."""

    status, code = 503, "ldap_unavailable"
    default_message = "The sign-in directory (LDAP) cannot be used now: try again later."


def _values(attrs, name: str) -> list[str]:
    """The non-blank values of attribute ``name`` of an entry (a case-insensitive dict of
    lists of text), ``[]`` when ``name`` is empty or the entry lacks it."""
    if not name or not attrs:
        return []
    return [str(value).strip() for value in attrs.get(name) or [] if str(value).strip()]


def _first(attrs, name: str) -> str:
    values = _values(attrs, name)
    return values[0] if values else ""


def group_code_name(value: str) -> str:
    """An access group's code name for a group value: the first RDN's value of a DN
    (``cn=l3-physics,ou=groups,dc=univ,dc=fr`` → ``l3-physics``), else the value."""
    try:
        rdns = ldap.dn.str2dn(value)
    except ldap.DECODING_ERROR:
        return value
    return rdns[0][0][1] if rdns and rdns[0] and rdns[0][0][1] else value


def user_fill_from_ldap(*, user: User, attrs) -> User:
    """Fill ``user`` (not saved here) from its LDAP entry's ``attrs``, per ``LDAP_ATTR_*``:

    - ``first_name``, ``last_name``, ``email``: the first value (cut to the field's
      length); an attribute the entry lacks leaves the field as it is;
    - ``affiliation``: ``LDAP_ATTR_AFFILIATION`` (eduPersonPrimaryAffiliation) when it is
      one of :class:`~api.accounts.models.Affiliation`, else the first known value of
      ``LDAP_ATTR_AFFILIATIONS`` (eduPersonAffiliation); compared lower-cased;
    - ``establishment``: ``LDAP_ATTR_ESTABLISHMENT`` (schacHomeOrganization);
    - ``can_upload``: granted when any affiliation value is in ``UPLOAD_AFFILIATIONS``
      (as for OIDC); never revoked here (administrators revoke it).
    """
    for field, setting, length in (
        ("first_name", "LDAP_ATTR_FIRST_NAME", 150),
        ("last_name", "LDAP_ATTR_LAST_NAME", 150),
        ("email", "LDAP_ATTR_EMAIL", 254),
    ):
        value = _first(attrs, getattr(settings, setting))
        if value:
            setattr(user, field, value[:length])
    primary = [v.lower() for v in _values(attrs, settings.LDAP_ATTR_AFFILIATION)]
    affiliations = [v.lower() for v in _values(attrs, settings.LDAP_ATTR_AFFILIATIONS)]
    known = [a for a in primary + affiliations if a in Affiliation.values]
    if known:
        user.affiliation = known[0]
    establishment = _first(attrs, settings.LDAP_ATTR_ESTABLISHMENT)
    if establishment:
        user.establishment = establishment[:100]
    if set(primary + affiliations) & {a.lower() for a in settings.UPLOAD_AFFILIATIONS}:
        user.can_upload = True
    return user


def access_groups_from_ldap(ldap_user) -> list[str] | None:
    """The code names of the access groups of a django-auth-ldap user: the values of
    ``LDAP_ATTR_GROUPS`` (DNs give their first RDN's value), else the names (``cn``) of
    the groups ``LDAP_GROUP_SEARCH_BASE`` finds; None when neither is configured (no
    group sync). Raises LdapUnavailable when the group search fails."""
    if settings.LDAP_ATTR_GROUPS:
        return [group_code_name(v) for v in _values(ldap_user.attrs, settings.LDAP_ATTR_GROUPS)]
    if settings.LDAP_GROUP_SEARCH_BASE:
        try:
            return sorted(ldap_user.group_names)
        except ldap.LDAPError as exc:
            logger.warning("LDAP group search failed for %s: %r", ldap_user.dn, exc)
            raise LdapUnavailable() from None
    return None


def _sync_groups(user: User | None) -> User | None:
    if user is not None:
        code_names = access_groups_from_ldap(user.ldap_user)
        if code_names is not None:
            services.user_access_groups_sync(user=user, code_names=code_names)
    return user


class PodLDAPBackend(LDAPBackend):
    """django-auth-ldap's backend (``AUTH_LDAP_*`` settings), whose users are filled by
    :func:`user_fill_from_ldap` and get their access groups at each sign-in."""

    def authenticate_ldap_user(self, ldap_user, password):
        return _sync_groups(super().authenticate_ldap_user(ldap_user, password))

    def populate_user(self, username):
        """The user ``username`` created or refreshed from its entry, read as the service
        account (``LDAP_BIND_DN``); None when the directory has no such entry."""
        return _sync_groups(super().populate_user(username))


@receiver(populate_user, sender=PodLDAPBackend)
def _fill(sender, user, ldap_user, **kwargs):
    user_fill_from_ldap(user=user, attrs=ldap_user.attrs)


@receiver(ldap_error, sender=PodLDAPBackend)
def _directory_failed(sender, context, exception, **kwargs):
    """django-auth-ldap reports LDAP errors here and would go on as if the password were
    wrong; a wrong password never gets here (it is not an error to django-auth-ldap)."""
    raise LdapUnavailable() from exception


@receiver(user_logged_in)
def _populate_on_login(sender, request, user, **kwargs):
    """``LDAP_POPULATE_ON_LOGIN``: populate a user who signed in another way."""
    if not settings.LDAP_POPULATE_ON_LOGIN or getattr(user, "backend", None) == BACKEND:
        return
    try:
        populated = PodLDAPBackend().populate_user(user.get_username())
    except LdapUnavailable:
        logger.warning("LDAP unavailable: %s signed in without being populated", user)
        return
    if populated is not None:
        user.refresh_from_db()
