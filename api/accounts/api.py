"""Accounts endpoints: JWT under ``/auth`` (pair, refresh with rotation, verify, logout,
session → JWT exchange, CSRF cookie), ``/users/me`` and ``/access-groups``."""

from django.middleware.csrf import get_token
from ninja import Router, Status
from ninja.pagination import paginate
from ninja_jwt.exceptions import TokenError
from ninja_jwt.settings import api_settings as jwt_settings
from ninja_jwt.tokens import UntypedToken

from api.accounts import cas, selectors, services, shibboleth, signin
from api.accounts.admin_schemas import AccessGroupDetailOut, AccessGroupIn
from api.accounts.auth import auth_required, session_only
from api.accounts.local.services import password_login_check
from api.accounts.schemas import (
    AccessGroupOut,
    CasTicketIn,
    CsrfOut,
    LoginIn,
    RefreshIn,
    TokenIn,
    TokenPairOut,
    UserOut,
    UserPatch,
)
from api.core.client import client_ip
from api.core.errors import TokenInvalid
from api.core.pagination import LimitOffset
from api.core.ratelimit import enforce, enforce_login

auth_router = Router()
router = Router()
groups_router = Router()


@auth_router.post("/token/pair", response=TokenPairOut, auth=None)
def token_pair(request, payload: LoginIn):
    """Log in: ``{username, password}`` → ``{access, refresh}``. Wrong credentials or
    inactive account: 401 ``authentication_failed``. Every attempt, failed or not,
    counts against the ``login`` (per client) and ``login_user`` (per username) rate
    limits (429 ``rate_limited``). ``USE_LOCAL_AUTH`` off: local passwords fail (401),
    and without another password backend (LDAP) 403 ``local_auth_disabled``."""
    password_login_check()
    enforce_login(request, username=payload.username)
    return services.token_pair_obtain(
        request=request, username=payload.username, password=payload.password
    )


@auth_router.post("/token/refresh", response=TokenPairOut, auth=None)
def token_refresh(request, payload: RefreshIn):
    """Rotate: ``{refresh}`` → a new ``{access, refresh}``; the refresh token sent is
    revoked. Bad or expired: 401 ``token_not_valid``; already used or logged out: 401
    ``token_revoked`` (and every refresh token of the user is revoked)."""
    return services.token_refresh(refresh=payload.refresh)


@auth_router.post("/token/verify", response=dict, auth=None)
def token_verify(request, payload: TokenIn):
    """Check a token's signature and expiry: ``{}``, else 401 ``token_not_valid``
    (a revoked refresh token: 401 ``token_revoked``)."""
    try:
        token = UntypedToken(payload.token)
    except TokenError:
        raise TokenInvalid() from None
    if token.payload.get(jwt_settings.TOKEN_TYPE_CLAIM) == "refresh":
        services.token_check(refresh=payload.token)
    return {}


@auth_router.post("/logout", response={204: None}, auth=None)
def logout(request, payload: RefreshIn):
    """Revoke a refresh token (the client drops its access token, which expires within
    ``JWT_ACCESS_MINUTES``). Bad token: 401 ``token_not_valid``; already revoked: 401
    ``token_revoked``."""
    services.token_revoke(refresh=payload.refresh)
    return Status(204, None)


@auth_router.post("/session-token", response=TokenPairOut, auth=session_only)
def session_token(request):
    """Exchange the Django session (after an OIDC, CAS or admin login) for a JWT pair.
    Session only, with the CSRF token (``X-CSRFToken``): else 401 / 403 ``csrf_failed``.
    The pair carries the session's id: a CAS single logout of the session revokes it."""
    session_id = signin.session_id_for(request.session)
    return services.token_pair_for_user(user=request.auth, session_id=session_id)


@auth_router.post("/cas", response=TokenPairOut, auth=None)
def cas_ticket(request, payload: CasTicketIn):
    """CAS ticket exchange (``USE_CAS``, else 404): ``{service, ticket}`` → a JWT pair,
    the ticket validated by the CAS server for ``service``, which must be one of
    ``CAS_ALLOWED_SERVICES`` (else 422 ``cas_service_not_allowed``). Refused, expired or
    already used ticket: 401 ``cas_ticket_invalid``; CAS server down: 503
    ``cas_unavailable``. Counts against the ``login`` rate limit (429)."""
    enforce(request, "login", key=f"ip:{client_ip(request)}")
    return cas.token_pair_from_ticket(
        request=request, service=payload.service, ticket=payload.ticket
    )


@auth_router.post("/shibboleth", response=TokenPairOut, auth=None)
def shibboleth_token(request):
    """Shibboleth exchange (``USE_SHIB``, else 404): the identity the Shibboleth SP put
    in the request headers (``SHIB_HEADERS``) → a JWT pair. Headers are believed only
    from ``TRUSTED_PROXY_CIDRS``; none, or from anyone else: 401
    ``shibboleth_no_identity``."""
    return shibboleth.token_pair_from_headers(request=request)


@auth_router.get("/csrf", response=CsrfOut, auth=None)
def csrf(request):
    """Set the ``csrftoken`` cookie and return its value, for session-authenticated
    front ends to send back as ``X-CSRFToken`` on unsafe requests."""
    return {"csrf_token": get_token(request)}


@router.get("/me", response=UserOut, auth=auth_required)
def me(request):
    """The authenticated user, with its role and access groups."""
    return request.auth


@router.patch("/me", response=UserOut, auth=auth_required)
def update_me(request, payload: UserPatch):
    """Change your first name, last name or email. Any other field (role,
    ``can_upload``, affiliation...) is refused: 422 ``validation_error``."""
    return services.user_update(user=request.auth, **payload.dict(exclude_unset=True))


@groups_router.get("", response=list[AccessGroupOut], auth=auth_required)
@paginate(LimitOffset)
def list_access_groups(request):
    """Access groups a video may be restricted to (``limit``/``offset`` pagination)."""
    return selectors.access_group_list()


@groups_router.post("", response={201: AccessGroupDetailOut}, auth=auth_required)
def create_access_group(request, payload: AccessGroupIn):
    """Create an access group (staff only; the rest of the group administration is in
    ``api.accounts.admin_api``). ``code_name`` taken: 409 ``access_group_exists``."""
    selectors.require_staff(request.auth)
    group = services.access_group_create(**payload.dict())
    return Status(201, selectors.access_group_get(code_name=group.code_name))
