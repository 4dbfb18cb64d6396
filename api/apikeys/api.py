"""API key endpoints under ``/users/me/api-keys``: list, create (the key is shown once),
revoke. Signed-in users only, by JWT or session: an API key may not manage keys (403
``api_key_scope``)."""

from __future__ import annotations

from ninja import Router, Status
from ninja.pagination import paginate

from api.accounts.auth import auth_login_required
from api.apikeys import selectors, services
from api.apikeys.schemas import ApiKeyCreatedOut, ApiKeyIn, ApiKeyOut
from api.core.pagination import LimitOffset

router = Router()


@router.get("/me/api-keys", response=list[ApiKeyOut], auth=auth_login_required)
@paginate(LimitOffset)
def list_api_keys(request):
    """Your API keys, revoked ones included, newest first (``limit``/``offset``)."""
    return selectors.api_key_list(owner=request.auth)


@router.post("/me/api-keys", response={201: ApiKeyCreatedOut}, auth=auth_login_required)
def create_api_key(request, payload: ApiKeyIn):
    """Create a key ``{name, scope, expires_at?}``: the answer's ``key`` is shown this
    once. ``expires_at`` in the past: 422 ``validation_error``; too many unrevoked keys:
    409 ``api_key_limit``."""
    api_key, key = services.api_key_create(owner=request.auth, **payload.dict())
    return Status(201, {**ApiKeyOut.from_orm(api_key).dict(), "key": key})


@router.delete("/me/api-keys/{int:key_id}", response={204: None}, auth=auth_login_required)
def revoke_api_key(request, key_id: int):
    """Revoke one of your keys at once (it then answers 401 ``api_key_revoked``; it stays
    listed with ``revoked_at``). Another's or unknown: 404."""
    api_key = selectors.api_key_get_own(owner=request.auth, key_id=key_id)
    services.api_key_revoke(api_key=api_key)
    return Status(204, None)
