"""LTI endpoints of the API: the platform registrations (managers and admins) and the
trade of a launch code for a JWT pair. The protocol endpoints (login, launch, JWKS,
deep linking) are plain views: :mod:`api.lti.views`."""

from __future__ import annotations

from ninja import Router, Status

from api.accounts.auth import auth_required
from api.accounts.schemas import TokenPairOut
from api.lti import selectors, services
from api.lti.schemas import CodeIn, PlatformIn, PlatformOut, PlatformPatch

router = Router()


@router.get("/platforms", response=list[PlatformOut], auth=auth_required)
def list_platforms(request):
    """Every LTI registration (managers and admins: 403 for others)."""
    return list(selectors.platform_list(user=request.auth))


@router.post("/platforms", response={201: PlatformOut}, auth=auth_required)
def create_platform(request, payload: PlatformIn):
    """Register the tool in a platform (managers and admins): a new tool key pair is
    made; the answer's ``tool`` gives the URLs to paste in the platform. The same issuer
    and client id again: 409 ``conflict``."""
    selectors.platform_list(user=request.auth)  # staff only
    return Status(201, services.platform_create(**payload.dict()))


@router.get("/platforms/{int:platform_id}", response=PlatformOut, auth=auth_required)
def get_platform(request, platform_id: int):
    return selectors.platform_get(platform_id=platform_id, user=request.auth)


@router.patch("/platforms/{int:platform_id}", response=PlatformOut, auth=auth_required)
def update_platform(request, platform_id: int, payload: PlatformPatch):
    """Change a registration (managers and admins); ``rotate_key``: a new tool key."""
    platform = selectors.platform_get(platform_id=platform_id, user=request.auth)
    return services.platform_update(platform=platform, **payload.dict(exclude_unset=True))


@router.delete("/platforms/{int:platform_id}", response={204: None}, auth=auth_required)
def delete_platform(request, platform_id: int):
    """Delete a registration: its launches stop working (the Pod users stay)."""
    platform = selectors.platform_get(platform_id=platform_id, user=request.auth)
    services.platform_delete(platform=platform)
    return Status(204, None)


@router.post("/session-token", response=TokenPairOut, auth=None)
def session_token(request, payload: CodeIn):
    """Trade the one-time ``lti_code`` of a launch redirect (``LTI_LAUNCH_REDIRECT_URL``)
    for a JWT pair of the launched user, within ``LTI_CODE_SECONDS``. Invalid, expired
    or used: 401 ``lti_invalid_code``."""
    return services.launch_code_redeem(code=payload.code)
