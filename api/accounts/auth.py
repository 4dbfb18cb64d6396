"""Authentication for the API.

- Bearer JWT (django-ninja-jwt): ``Authorization: Bearer <access token>``;
- session cookie (with CSRF) for the Django admin and same-site front ends.

``auth_required`` rejects anonymous requests (401); ``auth_optional`` lets anonymous
requests through as ``AnonymousUser`` but still rejects a bad token (401).
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.security import SessionAuth
from ninja_jwt.authentication import JWTAuth

jwt_auth = JWTAuth()
session_auth = SessionAuth()


def anonymous(request: HttpRequest) -> AnonymousUser:
    """Last resort of ``auth_optional``: an anonymous user (truthy for Ninja)."""
    return AnonymousUser()


auth_required = [jwt_auth, session_auth]
auth_optional = [jwt_auth, session_auth, anonymous]


def authenticate_request(request: HttpRequest):
    """For plain Django views (tus): the user from a bearer token or the session, else
    ``AnonymousUser``. A malformed or expired token raises ninja-jwt's ``InvalidToken``
    (HTTP 401)."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token:
        return jwt_auth.authenticate(request, token)
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else AnonymousUser()
