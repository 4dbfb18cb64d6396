"""Identity provider attributes → our user: one mapping shared by OIDC (claims), CAS
(attributes released with the service ticket) and Shibboleth (the SP's request headers).

Each provider gives a *names* map from our fields to its attribute names
(``OIDC_CLAIM_*``, ``CAS_ATTRIBUTES``, ``SHIB_HEADERS``; an empty name turns a field off):

========================  ================================================================
field                     becomes
========================  ================================================================
``email``                 ``User.email`` (first value; kept when the attribute is absent)
``first_name``            ``User.first_name`` (idem)
``last_name``             ``User.last_name`` (idem)
``primary_affiliation``   ``User.affiliation`` when it is a known affiliation
                          (eduPersonPrimaryAffiliation)
``affiliation``           all the user's affiliations (eduPersonAffiliation, or
                          eduPersonScopedAffiliation: ``member@univ.example`` counts as
                          ``member``): the first known one is ``User.affiliation`` when no
                          primary affiliation is; any in ``UPLOAD_AFFILIATIONS`` gives
                          ``can_upload`` (Esup-Pod's AFFILIATION_STAFF)
``establishment``         ``User.establishment`` (e.g. schacHomeOrganization)
``groups``                the access groups the user is a member of, by ``code_name`` (a
                          DN gives its first RDN's value, as for LDAP:
                          ``cn=l3-physics,ou=groups,...`` → ``l3-physics``)
                          (:func:`api.accounts.services.user_access_groups_sync`: listed
                          groups joined, missing ones created ``auto_sync``; the user
                          leaves the ``auto_sync`` groups no longer listed)
========================  ================================================================

An attribute's value is a string or a list of strings; a string holding several values
separated by ``;`` (how the Shibboleth SP joins them, ``\\;`` for a literal one) is
split. The mapping runs at every login: names, email and affiliation follow the
provider; ``can_upload`` is granted, never taken away (administrators revoke it); with
``groups`` mapped, memberships of ``auto_sync`` groups follow the provider's list (other
groups, joined by hand, stay); with ``groups`` off, memberships are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.conf import settings
from django.db import transaction

from api.accounts.ldap import group_code_name
from api.accounts.models import Affiliation, User
from api.accounts.services import user_access_groups_sync

#: the fields a names map may give
FIELDS = (
    "email",
    "first_name",
    "last_name",
    "primary_affiliation",
    "affiliation",
    "establishment",
    "groups",
)
_UNESCAPED_SEMICOLON = re.compile(r"(?<!\\);")


def attribute_values(attributes: Mapping[str, object], name: str) -> list[str]:
    """The values of attribute ``name`` (absent or no name: ``[]``), blanks dropped."""
    value = attributes.get(name) if name else None
    if value is None:
        return []
    if isinstance(value, list | tuple):
        values = [str(v) for v in value if v is not None]
    else:
        values = [v.replace("\\;", ";") for v in _UNESCAPED_SEMICOLON.split(str(value))]
    return [v.strip() for v in values if v.strip()]


def _first(attributes: Mapping[str, object], name: str, current: str, size: int) -> str:
    values = attribute_values(attributes, name)
    return values[0][:size] if values else current


def _affiliations(attributes: Mapping[str, object], name: str) -> list[str]:
    """Affiliation values without their scope (``staff@univ.example`` → ``staff``)."""
    return [value.split("@", 1)[0].strip().lower() for value in attribute_values(attributes, name)]


@transaction.atomic
def user_sync_from_attributes(
    *, user: User, attributes: Mapping[str, object], names: Mapping[str, str]
) -> User:
    """Fill ``user`` (saved or not, its ``username`` set) from a provider's
    ``attributes`` through ``names`` (field → attribute name, see the module) and save
    it; a user without a password gets an unusable one (it signs in through the
    provider only). Returns the user."""
    user.email = _first(attributes, names.get("email", ""), user.email or "", 254)
    user.first_name = _first(attributes, names.get("first_name", ""), user.first_name or "", 150)
    user.last_name = _first(attributes, names.get("last_name", ""), user.last_name or "", 150)
    primary = _affiliations(attributes, names.get("primary_affiliation", ""))
    affiliations = _affiliations(attributes, names.get("affiliation", ""))
    known = [a for a in primary + affiliations if a in Affiliation.values]
    if known:
        user.affiliation = known[0]
    establishment = _first(attributes, names.get("establishment", ""), "", 100)
    if establishment:
        user.establishment = establishment
    if set(primary + affiliations) & set(settings.UPLOAD_AFFILIATIONS):
        user.can_upload = True
    if not user.password:
        user.set_unusable_password()
    user.save()
    if names.get("groups"):
        groups = [group_code_name(v) for v in attribute_values(attributes, names["groups"])]
        user_access_groups_sync(user=user, code_names=groups)
    return user
