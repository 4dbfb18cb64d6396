"""Local accounts endpoints: ``/auth/register``, ``/auth/activate``,
``/auth/password/reset[/confirm]`` (router ``auth_router``, mounted at ``/auth``) and
``/users/me/password`` (``users_router``, mounted at ``/users``). See docs/auth.md."""

from __future__ import annotations

import hashlib

from ninja import Router, Status

from api.accounts.auth import auth_login_required
from api.accounts.local import services
from api.accounts.local.schemas import (
    AcceptedOut,
    LinkIn,
    PasswordChangeIn,
    RegisterIn,
    ResetConfirmIn,
    ResetIn,
)
from api.accounts.schemas import TokenPairOut
from api.core.client import client_ip
from api.core.ratelimit import enforce, enforce_login

auth_router = Router()
users_router = Router()

REGISTERED = "If the address can receive mail, a message was sent to it: follow its link."
RESET_SENT = "If an account has this address, a reset link was sent to it."


def _enforce_per_address(request, scope: str, email: str) -> None:
    """Count one ``scope`` request per client address and per e-mail address (so neither
    many addresses nor one can flood a mailbox); RateLimited (429) past either."""
    enforce(request, scope, key=f"ip:{client_ip(request)}")
    digest = hashlib.sha256(email.strip().casefold().encode()).hexdigest()[:32]
    enforce(request, scope, key=f"email:{digest}")


@auth_router.post("/register", response={202: AcceptedOut}, auth=None)
def register(request, payload: RegisterIn):
    """Self-registration: ``{username, email, password}`` → 202; the account is created
    inactive (a viewer) and an activation link is mailed. An address that already has an
    account answers the same (its owner gets a notice). Taken user name: 409
    ``username_taken``; password refused by the validators: 422 ``validation_error``;
    switched off: 403 ``registration_disabled`` / ``local_auth_disabled``; 429
    ``rate_limited`` past ``RATE_LIMIT_REGISTER``."""
    services.registration_check()
    _enforce_per_address(request, "register", payload.email)
    services.user_register(request=request, **payload.dict())
    return Status(202, {"detail": REGISTERED})


@auth_router.post("/activate", response={204: None}, auth=None)
def activate(request, payload: LinkIn):
    """Activate an account with its link's ``{uid, token}``; then log in. Used link: 409
    ``already_active``; forged or expired: 400 ``link_invalid``."""
    services.user_activate(uid=payload.uid, token=payload.token)
    return Status(204, None)


@auth_router.post("/password/reset", response={202: AcceptedOut}, auth=None)
def password_reset(request, payload: ResetIn):
    """Ask for a password reset link by mail: always 202 with the same answer, whether
    or not an account has the address. Switched off: 403 ``password_reset_disabled`` /
    ``local_auth_disabled``; 429 ``rate_limited`` past ``RATE_LIMIT_PASSWORD_RESET``."""
    services.password_reset_check()
    _enforce_per_address(request, "password_reset", payload.email)
    services.password_reset_request(request=request, email=payload.email)
    return Status(202, {"detail": RESET_SENT})


@auth_router.post("/password/reset/confirm", response={204: None}, auth=None)
def password_reset_confirm(request, payload: ResetConfirmIn):
    """Set a new password with a reset link's ``{uid, token}`` (once); every refresh
    token of the account is revoked. Forged, expired or used link: 400
    ``link_invalid``; password refused: 422 ``validation_error``."""
    services.password_reset_confirm(
        uid=payload.uid, token=payload.token, new_password=payload.new_password
    )
    return Status(204, None)


@users_router.post("/me/password", response=TokenPairOut, auth=auth_login_required)
def password_change(request, payload: PasswordChangeIn):
    """Change your password: ``{old, new}`` → a fresh ``{access, refresh}``; your other
    refresh tokens are revoked. Wrong ``old``: 403 ``wrong_password`` (attempts count
    against the login rate limits); refused ``new``: 422 ``validation_error``; API keys
    may not (403 ``api_key_scope``)."""
    services.local_auth_check()
    enforce_login(request, username=request.auth.username)
    return services.password_change(user=request.auth, old=payload.old, new=payload.new)
