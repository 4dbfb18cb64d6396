"""Authentication for the API.

- Bearer JWT (django-ninja-jwt): ``Authorization: Bearer <access token>``; never subject
  to CSRF checks (a browser does not add the header by itself);
- session cookie for the Django admin, same-site front ends and the OIDC login: unsafe
  requests (POST, PUT, PATCH, DELETE) authenticated by the session must carry the CSRF
  token (``X-CSRFToken`` = the ``csrftoken`` cookie), else 403 ``csrf_failed``.

``auth_required`` rejects anonymous requests (401); ``auth_optional`` lets anonymous
requests through as ``AnonymousUser`` but still rejects a bad token (401). The bearer
token is tried first: a request carrying one is never checked for CSRF.

Staff rights are only used from ``STAFF_ALLOWED_CIDRS`` (``api.core.staff_network``): the
token's user is restricted here, the session's by the middleware.

An API key (``Authorization: Bearer pod_…``, :mod:`api.apikeys.auth`) is tried before
the JWT wherever a JWT is accepted, with its scope checked; ``auth_login_required``
refuses keys (403 ``api_key_scope``: managing keys, changing the password).
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.security import SessionAuth
from ninja.utils import check_csrf
from ninja_jwt.authentication import JWTAuth

from api.apikeys.auth import api_key_auth, refuse_api_key
from api.core.errors import CsrfFailed
from api.core.staff_network import staff_rights_restrict


class PodJWTAuth(JWTAuth):
    """ninja-jwt's bearer authentication; a staff token's user has its staff rights only
    from ``STAFF_ALLOWED_CIDRS`` (:func:`api.core.staff_network.staff_rights_restrict`)."""

    def authenticate(self, request: HttpRequest, token: str):
        return staff_rights_restrict(request, super().authenticate(request, token))


jwt_auth = PodJWTAuth()


class PodSessionAuth(SessionAuth):
    """Django session authentication with the CSRF rule above.

    django-ninja's ``SessionAuth(csrf=True)`` checks CSRF on every request it sees, even
    anonymous ones without a session (so an anonymous ``POST /videos/{id}/unlock`` from
    a non-browser client would fail) and answers a bare 403. Here the check runs only
    when the session does authenticate the request, and fails with ``csrf_failed``.
    """

    def _get_key(self, request: HttpRequest) -> str | None:
        key = request.COOKIES.get(self.param_name)
        user = getattr(request, "user", None)
        if key is None or user is None or not user.is_authenticated:
            return None
        exempt = not self.csrf or getattr(request, "_ninja_csrf_exempt", False)
        if not exempt and check_csrf(request) is not None:  # safe methods always pass
            raise CsrfFailed()
        return key

    def __call__(self, request: HttpRequest):
        key = self._get_key(request)
        return None if key is None else self.authenticate(request, key)


session_auth = PodSessionAuth()


def anonymous(request: HttpRequest) -> AnonymousUser:
    """Last resort of ``auth_optional``: an anonymous user (truthy for Ninja)."""
    return AnonymousUser()


auth_required = [api_key_auth, jwt_auth, session_auth]
auth_optional = [api_key_auth, jwt_auth, session_auth, anonymous]
session_only = [session_auth]
#: a JWT or a session, never an API key
auth_login_required = [refuse_api_key, jwt_auth, session_auth]


def authenticate_request(request: HttpRequest):
    """For plain Django views (tus): the user from an API key, a bearer token or the
    session, else ``AnonymousUser``. A malformed or expired token raises ninja-jwt's
    ``InvalidToken`` (HTTP 401), a bad API key or scope an ``api.apikeys`` error (HTTP
    401, 403). Session-authenticated unsafe requests are CSRF-checked: raises
    CsrfFailed (HTTP 403)."""
    key_owner = api_key_auth(request)
    if key_owner is not None:
        return key_owner
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token:
        return jwt_auth.authenticate(request, token)
    user = session_auth(request)
    return user if user is not None else AnonymousUser()
