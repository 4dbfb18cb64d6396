"""API key authentication: ``Authorization: Bearer pod_<prefix>_<secret>``.

The same header as a JWT (``Authorization: Bearer eyJ…``): clients and proxies that pass
a bearer token pass a key, and the ``pod_`` start tells the two apart (a JWT never starts
so). :class:`ApiKeyAuth` is tried first by ``api.accounts.auth``'s lists
(``auth_required``, ``auth_optional``, ``authenticate_request`` of the tus views): it
ignores any other header, and answers a key alone (a bad key is a 401, never passed on to
the JWT check). The authenticated request gets ``request.auth`` = the key's owner and
``request.api_key`` = the key.

Scope rules (:func:`scope_check`), from the request's method and URL name only (no import
of the apps that serve them, like ``api.core.links``):

- ``read``: GET, HEAD, OPTIONS;
- ``upload``: those, plus any method on ``UPLOAD_URL_NAMES`` (creating a video, the tus
  endpoints);
- ``manage``: any request.

A refused request: 403 ``api_key_scope``. What the owner may do still applies after,
staff rights only from ``STAFF_ALLOWED_CIDRS`` (``api.core.staff_network``) as for JWTs.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from api.apikeys import services
from api.apikeys.models import Scope
from api.core.staff_network import staff_rights_restrict

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: URL names an ``upload`` key may use with any method: ``POST /api/v1/videos`` (its path
#: only answers GET, the list, and POST, the creation) and the tus endpoints
UPLOAD_URL_NAMES = frozenset({"v1:create_video", "tus-create", "tus-upload"})


def bearer_key(request: HttpRequest) -> str | None:
    """The API key of ``Authorization: Bearer pod_…``, else None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token.startswith(services.KEY_PREFIX):
        return token
    return None


def scope_check(api_key, request: HttpRequest) -> None:
    """Raises ApiKeyScope (HTTP 403) unless the key's scope allows the request."""
    if api_key.scope == Scope.MANAGE or request.method in SAFE_METHODS:
        return
    match = getattr(request, "resolver_match", None)
    if api_key.scope == Scope.UPLOAD and match is not None and match.view_name in UPLOAD_URL_NAMES:
        return
    raise services.ApiKeyScope(
        f"This API key's scope ({api_key.scope}) does not allow {request.method} here."
    )


class ApiKeyAuth(HttpBearer):
    """``Authorization: Bearer pod_<prefix>_<secret>``: the key's owner, or None for any
    other header (the next authenticator tries). A bad key raises ApiKeyInvalid,
    ApiKeyRevoked, ApiKeyExpired (HTTP 401); a scope that does not allow the request
    ApiKeyScope (HTTP 403)."""

    def __call__(self, request: HttpRequest):
        key = bearer_key(request)
        return None if key is None else self.authenticate(request, key)

    def authenticate(self, request: HttpRequest, token: str):
        api_key = services.api_key_authenticate(key=token)
        scope_check(api_key, request)
        request.api_key = api_key
        return staff_rights_restrict(request, api_key.owner)


api_key_auth = ApiKeyAuth()


def refuse_api_key(request: HttpRequest) -> None:
    """First authenticator of the endpoints a key may not use (managing API keys,
    changing the password): ApiKeyScope (HTTP 403) for a key, else None (the next
    authenticator tries)."""
    if bearer_key(request) is not None:
        raise services.ApiKeyScope("API keys cannot do this: log in (JWT or session).")
