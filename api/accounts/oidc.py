"""OpenID Connect login (mozilla-django-oidc), a pluggable Django auth backend enabled
by ``OIDC_ENABLED`` (off by default; see docs/api.md "OIDC").

The browser goes to ``/oidc/authenticate/`` (authorization code flow, with PKCE and a
nonce), the identity provider redirects it to ``/oidc/callback/``, which verifies the
ID token (``OIDC_RP_SIGN_ALGO``, keys from ``OIDC_OP_JWKS_ENDPOINT``), fetches the
userinfo claims and logs the user in with a Django session. An API client then trades
that session for our JWT pair at ``POST /api/v1/auth/session-token``.

Users are matched by the username claim (``OIDC_CLAIM_USERNAME``, default
``preferred_username``), created on first login, and their profile is refreshed from
the claims at every login (:func:`user_sync_from_claims`, the mapping every provider
uses).
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.urls import path
from mozilla_django_oidc import views
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from api.accounts.attributes import user_sync_from_attributes
from api.accounts.models import User


def user_sync_from_claims(*, user: User, claims: dict) -> User:
    """Fill ``user`` (saved or not) from an OpenID provider's claims and save it:
    ``email``, ``given_name``, ``family_name`` (OIDC standard claims), and the
    ``OIDC_CLAIM_AFFILIATION``, ``OIDC_CLAIM_ESTABLISHMENT``, ``OIDC_CLAIM_GROUPS``
    claims (:func:`api.accounts.attributes.user_sync_from_attributes`)."""
    names = {
        "email": "email",
        "first_name": "given_name",
        "last_name": "family_name",
        "affiliation": settings.OIDC_CLAIM_AFFILIATION,
        "establishment": settings.OIDC_CLAIM_ESTABLISHMENT,
        "groups": settings.OIDC_CLAIM_GROUPS,
    }
    return user_sync_from_attributes(user=user, attributes=claims, names=names)


class PodOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, matching and filling our ``User`` from claims."""

    def _username(self, claims: dict) -> str:
        return str(claims.get(settings.OIDC_CLAIM_USERNAME) or "").strip()

    def describe_user_by_claims(self, claims: dict) -> str:
        return f"username {self._username(claims)!r}"

    def verify_claims(self, claims: dict) -> bool:
        """A login needs the username claim (usernames are our users' stable key)."""
        return bool(self._username(claims))

    def filter_users_by_claims(self, claims: dict):
        return User.objects.filter(username=self._username(claims))

    def create_user(self, claims: dict) -> User:
        return user_sync_from_claims(user=User(username=self._username(claims)), claims=claims)

    def update_user(self, user: User, claims: dict) -> User:
        return user_sync_from_claims(user=user, claims=claims)


class _Enabled:
    """The OIDC views answer 404 unless ``OIDC_ENABLED``."""

    def dispatch(self, request, *args, **kwargs):
        if not settings.OIDC_ENABLED:
            raise Http404("OIDC login is not enabled.")
        return super().dispatch(request, *args, **kwargs)


class AuthenticateView(_Enabled, views.OIDCAuthenticationRequestView):
    """``GET /oidc/authenticate/?next=<url>``: redirects to the identity provider."""


class CallbackView(_Enabled, views.OIDCAuthenticationCallbackView):
    """``GET /oidc/callback/?code&state``: logs the user in, redirects to ``next`` or
    ``LOGIN_REDIRECT_URL`` (``LOGIN_REDIRECT_URL_FAILURE`` on failure)."""


class LogoutView(_Enabled, views.OIDCLogoutView):
    """``POST /oidc/logout/``: ends the Django session (CSRF-checked)."""


urlpatterns = [
    path("authenticate/", AuthenticateView.as_view(), name="oidc_authentication_init"),
    path("callback/", CallbackView.as_view(), name="oidc_authentication_callback"),
    path("logout/", LogoutView.as_view(), name="oidc_logout"),
]
