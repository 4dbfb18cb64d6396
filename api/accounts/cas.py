"""CAS sign-in (Esup's CAS, Apereo CAS, any CAS 2 or 3 server) with django-cas-ng and
its python-cas client, on when ``USE_CAS`` (docs/auth.md "CAS (Esup)").

Two paths, one mapping (:func:`api.accounts.attributes.user_sync_from_attributes`
with ``CAS_ATTRIBUTES``, run at every login from django-cas-ng's
``cas_user_authenticated`` signal):

- **browser**: ``/accounts/cas/login/?next=<url>`` redirects to the CAS server's login
  page; it comes back with a service ticket, django-cas-ng validates it
  (``serviceValidate`` for ``CAS_VERSION=2``, ``p3/serviceValidate`` for 3), logs the
  user in with a Django session and redirects to ``next``. The session becomes a JWT
  pair at ``POST /api/v1/auth/session-token``. ``/accounts/cas/logout/`` ends the
  session and redirects to the CAS server's logout.
- **ticket exchange** (front ends doing the CAS redirect themselves, as Esup-Pod V5's
  ``token/cas/``): ``POST /api/v1/auth/cas {service, ticket}`` validates the ticket for
  ``service`` (one of ``CAS_ALLOWED_SERVICES``) and answers a JWT pair
  (:func:`token_pair_from_ticket`).

**Single logout** (CAS protocol 3.0 §2.3.3): the CAS server POSTs a SAML
``logoutRequest`` naming the service ticket to the service URL (the browser path's is
``/accounts/cas/login/``) or to the service's logout callback (set it to
``/accounts/cas/slo/`` for the exchange path's front-end services). The session that
ticket opened is deleted and the refresh tokens issued for it are revoked
(:mod:`api.accounts.signin`). django-cas-ng only reads logout requests with a CAS 3
client; here they are read whatever ``CAS_VERSION``.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit, urlunsplit
from xml.etree.ElementTree import ParseError

import requests
from cas import CASClientV3
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django_cas_ng import views as cas_views
from django_cas_ng.models import SessionTicket
from django_cas_ng.signals import cas_user_authenticated, cas_user_logout

from api.accounts import services, signin
from api.accounts.attributes import user_sync_from_attributes
from api.core.envelope import pod_error_response
from api.core.errors import NotFound, PodError

logger = logging.getLogger(__name__)

#: the backend USE_CAS puts first in AUTHENTICATION_BACKENDS
BACKEND = "django_cas_ng.backends.CASBackend"
#: what a CAS server that does not answer, or answers no CAS XML, raises in python-cas
_UNREACHABLE = (requests.RequestException, ParseError, IndexError, AttributeError)


class CasTicketInvalid(PodError):
    """The CAS server refused the service ticket: unknown, expired, already used, or
    issued for another service (HTTP 401)."""

    status, code = 401, "cas_ticket_invalid"
    default_message = "The CAS ticket is invalid, expired or already used: sign in again."


class CasServiceNotAllowed(PodError):
    """``POST /auth/cas`` for a service URL not in ``CAS_ALLOWED_SERVICES`` (HTTP 422)."""

    status, code = 422, "cas_service_not_allowed"
    default_message = "This service URL is not one of CAS_ALLOWED_SERVICES."


class CasUnavailable(PodError):
    """The CAS server did not answer the ticket validation in time, or not with CAS XML
    (HTTP 503); the ticket may still be good for a retry."""

    status, code = 503, "cas_unavailable"
    default_message = "The CAS server did not answer: try again later."


# --- the mapping, single logout (django-cas-ng's signals) -----------------------------


@receiver(cas_user_authenticated, dispatch_uid="pod_cas_attributes")
def _sync_attributes(sender, user, attributes=None, **kwargs) -> None:
    """Every CAS login: the released attributes → the user (``CAS_ATTRIBUTES``)."""
    user_sync_from_attributes(user=user, attributes=attributes or {}, names=settings.CAS_ATTRIBUTES)


@receiver(cas_user_logout, dispatch_uid="pod_cas_session_tokens")
def _revoke_session_tokens(sender, user=None, session=None, **kwargs) -> None:
    """A CAS session ends (single logout, or ``/accounts/cas/logout/``): the refresh
    tokens issued for it are revoked."""
    session_id = session.get(signin.SESSION_ID_KEY) if session is not None else None
    if session_id and user is not None and user.is_authenticated:
        signin.session_tokens_revoke(user_id=user.pk, session_id=session_id)


def single_logout(request: HttpRequest) -> HttpResponse:
    """End the sessions the ``logoutRequest`` POST field names (its ``SessionIndex`` is
    the service ticket), with django-cas-ng's ``clean_sessions``. A request naming no
    known ticket changes nothing; the CAS server ignores the answer."""
    cas_views.clean_sessions(CASClientV3, request)
    return HttpResponse("ok\n", content_type="text/plain")


# --- views --------------------------------------------------------------------------


class _CasView:
    """404 unless ``USE_CAS``; a ``next`` to a foreign host: 422 ``validation_error``."""

    def dispatch(self, request, *args, **kwargs):
        if not settings.USE_CAS:
            raise Http404("CAS sign-in is not enabled.")
        if not signin.next_is_allowed(request, request.GET.get("next")):
            return pod_error_response(signin.NextNotAllowed())
        return super().dispatch(request, *args, **kwargs)


@method_decorator(csrf_exempt, name="dispatch")  # the CAS server's logoutRequest POST
class LoginView(_CasView, cas_views.LoginView):
    """``GET /accounts/cas/login/?next=<url>``: to the CAS login page; back with
    ``?ticket=``: validates it, logs in, redirects to ``next`` (else
    ``LOGIN_REDIRECT_URL``). A refused ticket or an unreachable CAS server:
    ``LOGIN_REDIRECT_URL_FAILURE``. ``POST`` with ``logoutRequest``: single logout."""

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            return super().get(request)
        except PermissionDenied:
            return HttpResponseRedirect(settings.LOGIN_REDIRECT_URL_FAILURE)
        except _UNREACHABLE:
            logger.warning("CAS ticket validation failed: CAS server unreachable", exc_info=True)
            return HttpResponseRedirect(settings.LOGIN_REDIRECT_URL_FAILURE)

    def post(self, request: HttpRequest) -> HttpResponse:
        if request.POST.get("logoutRequest"):
            return single_logout(request)
        return super().post(request)


class LogoutView(_CasView, cas_views.LogoutView):
    """``GET /accounts/cas/logout/?next=<url>``: ends the session (and revokes the JWTs
    taken from it), then redirects to the CAS server's logout (which sends back to
    ``next``, if the server allows)."""


@method_decorator(csrf_exempt, name="dispatch")
class SingleLogoutView(View):
    """``POST /accounts/cas/slo/`` (``logoutRequest``): single logout for services whose
    tickets were exchanged at ``POST /api/v1/auth/cas`` (the CAS service's logout URL)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        if not settings.USE_CAS:
            raise Http404("CAS sign-in is not enabled.")
        return single_logout(request)


urlpatterns = [
    path("login/", LoginView.as_view(), name="cas_ng_login"),
    path("logout/", LogoutView.as_view(), name="cas_ng_logout"),
    path("slo/", SingleLogoutView.as_view(), name="cas_slo"),
]


# --- the ticket exchange ------------------------------------------------------------


def service_is_allowed(service: str) -> bool:
    """Whether ``service`` is one of ``CAS_ALLOWED_SERVICES`` once its query and
    fragment are dropped (``https://front.example/cas?next=/v/1`` matches
    ``https://front.example/cas``)."""
    parts = urlsplit(service)
    bare = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    return parts.scheme in ("http", "https") and bare in settings.CAS_ALLOWED_SERVICES


def token_pair_from_ticket(*, request: HttpRequest, service: str, ticket: str) -> dict[str, str]:
    """Validate ``ticket`` (a service ticket the CAS server gave ``service``) and answer
    a JWT pair for its user, created or updated from the released attributes; the
    ticket opens a server-side session that the CAS single logout ends (revoking the
    pair's refresh token). Sends ``user_logged_in``.

    Raises NotFound (404) without ``USE_CAS``, CasServiceNotAllowed (422),
    CasTicketInvalid (401: unknown, expired, replayed, another service's, or an
    inactive user), CasUnavailable (503)."""
    if not settings.USE_CAS:
        raise NotFound("CAS sign-in is not enabled.")
    if not service_is_allowed(service):
        raise CasServiceNotAllowed(field="service")
    try:
        # no request: the exchange must not open a cookie session for the caller
        user = authenticate(None, ticket=ticket, service=service)
    except _UNREACHABLE:
        logger.warning("CAS ticket validation failed: CAS server unreachable", exc_info=True)
        raise CasUnavailable() from None
    if user is None:
        raise CasTicketInvalid(field="ticket")
    session = signin.server_session_create(user=user, backend=BACKEND)
    SessionTicket.objects.create(session_key=session.session_key, ticket=ticket)
    signin.signed_in(request=request, user=user)
    return services.token_pair_for_user(user=user, session_id=session[signin.SESSION_ID_KEY])
