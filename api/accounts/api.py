"""Accounts endpoints: JWT token pair/refresh/verify under ``/auth/token``,
``/users/me`` and ``/access-groups``."""

from ninja import Router
from ninja.pagination import LimitOffsetPagination, paginate
from ninja_extra import ControllerBase, api_controller
from ninja_extra.permissions import AllowAny
from ninja_jwt.controller import TokenObtainPairController, TokenVerificationController

from api.accounts import selectors, services
from api.accounts.auth import auth_required
from api.accounts.schemas import AccessGroupOut, UserOut, UserPatch


@api_controller("/auth/token", permissions=[AllowAny], tags=["auth"], auth=None)
class AuthController(ControllerBase, TokenVerificationController, TokenObtainPairController):
    """``POST /auth/token/pair`` {username, password} → {access, refresh};
    ``/refresh`` {refresh} → {access, refresh}; ``/verify`` {token} → {}.
    Wrong credentials: 401 ``no_active_account``; bad token: 401 ``token_not_valid``."""

    auto_import = False


router = Router()
groups_router = Router()


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
@paginate(LimitOffsetPagination)
def list_access_groups(request):
    """Access groups a video may be restricted to (``limit``/``offset`` pagination)."""
    return selectors.access_group_list()
