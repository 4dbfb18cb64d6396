"""Accounts endpoints: JWT token pair/refresh/verify under ``/auth/token``, and
``/users/me``."""

from ninja import Router
from ninja_extra import ControllerBase, api_controller
from ninja_extra.permissions import AllowAny
from ninja_jwt.controller import TokenObtainPairController, TokenVerificationController

from api.accounts.auth import auth_required
from api.accounts.schemas import UserOut


@api_controller("/auth/token", permissions=[AllowAny], tags=["auth"], auth=None)
class AuthController(ControllerBase, TokenVerificationController, TokenObtainPairController):
    """``POST /auth/token/pair`` {username, password} → {access, refresh};
    ``/refresh`` {refresh} → {access, refresh}; ``/verify`` {token} → {}.
    Wrong credentials: 401 ``no_active_account``; bad token: 401 ``token_not_valid``."""

    auto_import = False


router = Router()


@router.get("/me", response=UserOut, auth=auth_required)
def me(request):
    """The authenticated user."""
    return request.auth
