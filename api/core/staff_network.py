"""Staff and superuser rights only from allowed networks (Esup-Pod's ALLOWED_SUPERUSER_IPS).

With ``STAFF_ALLOWED_CIDRS`` set (e.g. ``["10.0.0.0/8", "192.0.2.0/24"]``), a staff or
superuser account whose request comes from any other client address
(:func:`api.core.client.client_ip`: ``REMOTE_ADDR``, or the ``X-Forwarded-For`` entry of
a trusted proxy per ``TRUSTED_PROXY_CIDRS``/``TRUSTED_PROXY_HOPS``) acts, for that
request only, with the rights its other flags give: ``uploader`` with ``can_upload``, else
``viewer``. Nothing is stored: the same account from an allowed address has its rights
back on its next request. Where this applies:

- the session (API and admin site): :class:`StaffNetworkMiddleware`, after Django's
  ``AuthenticationMiddleware``, restricts ``request.user``;
- bearer JWTs: ``api.accounts.auth`` restricts the token's user (any other way of
  authenticating an API request calls :func:`staff_rights_restrict` too);
- the admin's login form refuses staff accounts from outside the networks
  (``api.core.admin_login``; message :data:`REFUSED`).

The restriction sets ``is_staff`` and ``is_superuser`` to False on the request's user
object (every role and permission check reads them) and keeps the stored values aside;
if that object is saved, the stored values are written, never the restricted ones.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.middleware import get_user
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from api.core.client import client_ip, parse_address

#: the stored (is_staff, is_superuser) of a restricted user object
_WITHHELD = "_pod_withheld_staff_rights"

REFUSED = (
    "Staff accounts may only sign in to the administration from the institution's "
    "networks (STAFF_ALLOWED_CIDRS)."
)


@lru_cache(maxsize=4)
def _networks(cidrs: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def staff_rights_allowed(request: HttpRequest) -> bool:
    """Whether staff rights may be used from ``request``'s client address: always when
    ``STAFF_ALLOWED_CIDRS`` is empty; never when the address is unknown."""
    cidrs = settings.STAFF_ALLOWED_CIDRS
    if not cidrs:
        return True
    address = parse_address(client_ip(request))
    return address is not None and any(address in net for net in _networks(tuple(cidrs)))


def staff_rights_restrict(request: HttpRequest, user):
    """``user`` (the user ``request`` authenticates as), with ``is_staff`` and
    ``is_superuser`` off when staff rights are not allowed from the request's address.
    Returns ``user`` (the same object); anonymous users and non-staff pass unchanged."""
    if (
        getattr(user, "is_authenticated", False)
        and (user.is_staff or user.is_superuser)
        and not hasattr(user, _WITHHELD)
        and not staff_rights_allowed(request)
    ):
        setattr(user, _WITHHELD, (user.is_staff, user.is_superuser))
        user.is_staff = user.is_superuser = False
    return user


def staff_rights_withheld(user) -> bool:
    """Whether ``user`` is a staff or superuser account restricted for this request."""
    return hasattr(user, _WITHHELD)


class StaffNetworkMiddleware:
    """``request.user`` restricted per :func:`staff_rights_restrict`, still loaded lazily
    (a request that never looks at its user costs no session or user query)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.STAFF_ALLOWED_CIDRS and hasattr(request, "user"):
            request.user = SimpleLazyObject(
                lambda: staff_rights_restrict(request, get_user(request))
            )
            auser = request.auser  # the async views' way to the same user

            async def restricted_auser():
                return staff_rights_restrict(request, await auser())

            request.auser = restricted_auser
        return self.get_response(request)


@receiver(pre_save, sender=settings.AUTH_USER_MODEL)
def _store_real_rights(sender, instance, **kwargs):
    if hasattr(instance, _WITHHELD):
        instance.is_staff, instance.is_superuser = getattr(instance, _WITHHELD)


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def _restrict_again(sender, instance, **kwargs):
    if hasattr(instance, _WITHHELD):
        instance.is_staff = instance.is_superuser = False
