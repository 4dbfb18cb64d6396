"""Shibboleth / SAML sign-in the Esup way, on when ``USE_SHIB`` (docs/auth.md
"Shibboleth / SAML").

The Shibboleth service provider (Apache ``mod_shib``, or nginx with the shibboleth
FastCGI authorizer) in front of the API runs the SAML exchange with the identity
provider and passes the released attributes to the API as request headers
(``SHIB_HEADERS``: ``REMOTE_USER``, ``mail``, ``givenName``, ``sn``,
``unscoped-affiliation``, ``primary-affiliation``, ``isMemberOf``...). Those headers
are believed only on requests whose peer is a trusted proxy
(:func:`api.core.client.peer_is_trusted_proxy`, ``TRUSTED_PROXY_CIDRS``, which
``USE_SHIB`` requires); from anyone else they are ignored: no user is created or
signed in. The proxy must set (or clear) them on every request it forwards, so a client
cannot send its own.

- ``GET /accounts/shib/login/?next=<url>`` (a location the SP protects): logs the user
  in with a Django session and redirects to ``next`` (else ``LOGIN_REDIRECT_URL``);
- ``POST /api/v1/auth/shibboleth`` (also behind the SP): a JWT pair.

Users are matched by the username header, created on first sign-in and mapped from the
headers at every sign-in (:func:`api.accounts.attributes.user_sync_from_attributes`).
Header values are UTF-8 (the SP sends UTF-8 bytes, servers decode headers as Latin-1:
that is undone); several values are joined with ``;``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate, login
from django.contrib.auth.backends import RemoteUserBackend
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path
from django.views import View

from api.accounts import services, signin
from api.accounts.attributes import user_sync_from_attributes
from api.accounts.models import User
from api.core.client import peer_is_trusted_proxy
from api.core.envelope import pod_error_response
from api.core.errors import NotFound, PodError

#: the backend USE_SHIB puts first in AUTHENTICATION_BACKENDS
BACKEND = "api.accounts.shibboleth.ShibbolethBackend"


class ShibbolethNoIdentity(PodError):
    """No identity from the Shibboleth SP: the request did not come from a trusted
    proxy, had no username header, or names an inactive user (HTTP 401)."""

    status, code = 401, "shibboleth_no_identity"
    default_message = (
        "No Shibboleth identity: sign in through the Shibboleth-protected URL "
        "(headers from anything but TRUSTED_PROXY_CIDRS are ignored)."
    )


def header(request: HttpRequest, name: str) -> str | None:
    """Request header ``name`` (``REMOTE_USER``, ``unscoped-affiliation``: ``-`` and
    ``_`` alike, any case) as text, UTF-8 undone from Latin-1; None when absent or
    blank."""
    raw = request.META.get("HTTP_" + name.upper().replace("-", "_")) if name else None
    if raw is None or not raw.strip():
        return None
    try:
        return raw.encode("latin-1").decode("utf-8").strip()
    except (UnicodeEncodeError, UnicodeDecodeError):
        return raw.strip()


def trusted_headers(request: HttpRequest) -> dict[str, str] | None:
    """The ``SHIB_HEADERS`` present on ``request`` (header name → value) when
    ``USE_SHIB`` and its peer is a trusted proxy; else None (the headers are ignored)."""
    if not settings.USE_SHIB or not peer_is_trusted_proxy(request):
        return None
    values = {name: header(request, name) for name in settings.SHIB_HEADERS.values() if name}
    return {name: value for name, value in values.items() if value is not None}


class ShibbolethBackend(RemoteUserBackend):
    """Django's ``RemoteUserBackend`` for the SP's headers: authenticates
    ``remote_user`` only when it is the username header of a request from a trusted
    proxy, creates the user if need be and maps the headers at every sign-in."""

    def authenticate(self, request, remote_user):
        headers = trusted_headers(request) if request is not None else None
        username = (headers or {}).get(settings.SHIB_HEADERS["username"])
        if not username or username != remote_user or len(username) > 150:
            return None
        return super().authenticate(request, remote_user)

    def configure_user(self, request, user, created=True):
        return user_sync_from_attributes(
            user=user, attributes=trusted_headers(request) or {}, names=settings.SHIB_HEADERS
        )


def user_from_headers(*, request: HttpRequest) -> User:
    """The user the SP's headers name, created or updated from them. Raises NotFound
    (404) without ``USE_SHIB``, ShibbolethNoIdentity (401)."""
    if not settings.USE_SHIB:
        raise NotFound("Shibboleth sign-in is not enabled.")
    headers = trusted_headers(request) or {}
    user = authenticate(request, remote_user=headers.get(settings.SHIB_HEADERS["username"]))
    if user is None:
        raise ShibbolethNoIdentity()
    return user


def token_pair_from_headers(*, request: HttpRequest) -> dict[str, str]:
    """A JWT pair for the user the SP's headers name (see :func:`user_from_headers`);
    sends ``user_logged_in``."""
    user = user_from_headers(request=request)
    signin.signed_in(request=request, user=user)
    return services.token_pair_for_user(user=user)


class LoginView(View):
    """``GET /accounts/shib/login/?next=<url>``: a Django session for the SP's user, then
    a redirect to ``next`` (else ``LOGIN_REDIRECT_URL``). 404 without ``USE_SHIB``; 401
    ``shibboleth_no_identity``; a foreign ``next``: 422 ``validation_error``."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest) -> HttpResponse:
        if not settings.USE_SHIB:
            raise Http404("Shibboleth sign-in is not enabled.")
        next_url = request.GET.get("next")
        if not signin.next_is_allowed(request, next_url):
            return pod_error_response(signin.NextNotAllowed())
        try:
            user = user_from_headers(request=request)
        except PodError as exc:
            return pod_error_response(exc)
        login(request, user, backend=BACKEND)  # sends user_logged_in
        return HttpResponseRedirect(next_url or settings.LOGIN_REDIRECT_URL)


urlpatterns = [path("login/", LoginView.as_view(), name="shib_login")]
