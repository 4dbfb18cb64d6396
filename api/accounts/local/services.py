"""Writes of local accounts: registration, activation, password reset and change.
Keyword-only, typed; raise ``api.core.errors`` exceptions (and the ones below).

Switches (``api.settings``): ``USE_LOCAL_AUTH`` (local password login and change),
``REGISTRATION_ENABLED``, ``PASSWORD_RESET_ENABLED``; both of the latter need
``USE_LOCAL_AUTH`` too. A switched-off feature answers 403 with its own code.

What answers reveal: registration tells a taken user name (409 ``username_taken``: the
user must pick another), never a known e-mail address (the same 202, and the address's
owner gets a mail saying it already has an account); a reset request answers the same
whether or not the address has an account. Mails leave in the background
(:mod:`api.accounts.local.emails`), so answers take as long either way.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from api.accounts.local import emails
from api.accounts.local.tokens import (
    activation_token,
    activation_was_used,
    reset_token,
    uid_encode,
    uid_user,
)
from api.accounts.models import User
from api.accounts.services import token_pair_for_user, user_tokens_revoke
from api.core.errors import Conflict, PodError, ValidationFailed, WrongPassword


class LocalAuthDisabled(PodError):
    """Password login, registration, reset or change with ``USE_LOCAL_AUTH`` off."""

    status, code = 403, "local_auth_disabled"
    default_message = "Local accounts are disabled here: sign in with your institution."


class RegistrationDisabled(PodError):
    status, code = 403, "registration_disabled"
    default_message = "Self-registration is disabled here."


class PasswordResetDisabled(PodError):
    status, code = 403, "password_reset_disabled"
    default_message = "Password reset by e-mail is disabled here."


class LinkInvalid(PodError):
    """An activation or password reset ``{uid, token}`` that is forged, expired
    (``PASSWORD_RESET_TIMEOUT``) or already used (HTTP 400)."""

    status, code = 400, "link_invalid"
    default_message = "This link is invalid, expired or already used: ask for a new one."


class AlreadyActive(Conflict):
    code, default_message = "already_active", "This account is already active: log in."


class UsernameTaken(Conflict):
    code, default_message = "username_taken", "This user name is taken: choose another."


def local_auth_check() -> None:
    """Raises LocalAuthDisabled (HTTP 403) unless ``USE_LOCAL_AUTH``."""
    if not settings.USE_LOCAL_AUTH:
        raise LocalAuthDisabled()


def password_login_check() -> None:
    """Raises LocalAuthDisabled (HTTP 403) when no backend takes passwords: with
    ``USE_LOCAL_AUTH`` off, LDAP passwords (``USE_LDAP``) still sign in, local ones not
    (:class:`api.accounts.local.backends.LocalPasswordBackend`)."""
    if not settings.USE_LOCAL_AUTH and not getattr(settings, "USE_LDAP", False):
        raise LocalAuthDisabled()


def registration_check() -> None:
    """Raises LocalAuthDisabled or RegistrationDisabled (HTTP 403) unless registration
    is on."""
    local_auth_check()
    if not settings.REGISTRATION_ENABLED:
        raise RegistrationDisabled()


def password_reset_check() -> None:
    """Raises LocalAuthDisabled or PasswordResetDisabled (HTTP 403) unless password reset
    is on."""
    local_auth_check()
    if not settings.PASSWORD_RESET_ENABLED:
        raise PasswordResetDisabled()


def _password_check(password: str, *, user: User, field: str) -> None:
    """``AUTH_PASSWORD_VALIDATORS``: ValidationFailed (HTTP 422) naming ``field``."""
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), field=field) from None


def _link(request: HttpRequest, template: str, *, user: User, token: str) -> str:
    """The front end's URL ``template`` with ``{uid}`` and ``{token}``; a path is made
    absolute (``PUBLIC_BASE_URL``, else the request's checked host)."""
    url = template.replace("{uid}", uid_encode(user)).replace("{token}", token)
    return request.build_absolute_uri(url) if url.startswith("/") else url


def _valid_hours() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)


@transaction.atomic
def user_register(*, request: HttpRequest, username: str, email: str, password: str) -> None:
    """Create an inactive viewer account and mail it an activation link
    (``ACCOUNT_ACTIVATION_URL``); when an account already has ``email`` (any case),
    create nothing and mail that address a notice instead (with a new activation link
    when that account was never activated), answering the same.

    Raises UsernameTaken (HTTP 409, user names compare case-insensitively) or
    ValidationFailed (HTTP 422: a user name Django refuses, a password
    ``AUTH_PASSWORD_VALIDATORS`` refuses)."""
    registration_check()
    try:
        User.username_validator(username)
    except ValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), field="username") from None
    if User.objects.filter(username__iexact=username).exists():
        raise UsernameTaken()
    _password_check(password, user=User(username=username, email=email), field="password")
    existing = User.objects.filter(email__iexact=email).order_by("pk").first()
    if existing is not None:
        context = {"user": existing, "link": "", "valid_hours": _valid_hours()}
        if not existing.is_active and existing.last_login is None:  # pending: a new link
            token = activation_token.make_token(existing)
            context["link"] = _link(
                request, settings.ACCOUNT_ACTIVATION_URL, user=existing, token=token
            )
        emails.mail_send(to=email, template="already_registered", context=context)
        return
    try:
        with transaction.atomic():
            user = User.objects.create_user(username, email, password, is_active=False)
    except IntegrityError:  # registered meanwhile
        raise UsernameTaken() from None
    link = _link(
        request,
        settings.ACCOUNT_ACTIVATION_URL,
        user=user,
        token=activation_token.make_token(user),
    )
    emails.mail_send(
        to=email,
        template="activation",
        context={"user": user, "link": link, "valid_hours": _valid_hours()},
    )


@transaction.atomic
def user_activate(*, uid: str, token: str) -> User:
    """Activate the account of an activation link. Once: a replayed link answers
    AlreadyActive (HTTP 409); a forged, expired or superseded one LinkInvalid (HTTP
    400)."""
    registration_check()
    user = uid_user(uid, lock=True)
    if user is None:
        raise LinkInvalid()
    if activation_token.check_token(user, token):
        user.is_active = True
        user.save(update_fields=["is_active"])
        return user
    if user.is_active and activation_was_used(user, token):
        raise AlreadyActive()
    raise LinkInvalid()


def password_reset_request(*, request: HttpRequest, email: str) -> None:
    """Mail a reset link (``PASSWORD_RESET_URL``) to each active account with
    ``email`` (any case) and a usable password (accounts of identity providers have
    none). Answers the same whether any account matched: nothing is raised."""
    password_reset_check()
    for user in User.objects.filter(email__iexact=email, is_active=True).order_by("pk"):
        if not user.has_usable_password():
            continue
        link = _link(
            request, settings.PASSWORD_RESET_URL, user=user, token=reset_token.make_token(user)
        )
        emails.mail_send(
            to=user.email,
            template="password_reset",
            context={"user": user, "link": link, "valid_hours": _valid_hours()},
        )


@transaction.atomic
def password_reset_confirm(*, uid: str, token: str, new_password: str) -> User:
    """Set the password of a reset link's account (the token dies with the old
    password) and revoke its outstanding refresh tokens. Raises LinkInvalid (HTTP 400)
    or ValidationFailed (HTTP 422, ``new_password``; the link stays usable)."""
    password_reset_check()
    user = uid_user(uid, lock=True)
    if user is None or not user.is_active or not reset_token.check_token(user, token):
        raise LinkInvalid()
    _password_check(new_password, user=user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    user_tokens_revoke(user_id=user.pk)
    return user


@transaction.atomic
def password_change(*, user: User, old: str, new: str) -> dict[str, str]:
    """Change a signed-in user's password: every outstanding refresh token of the user
    is revoked (and Django sessions end, their hash following the password); returns a
    fresh ``{"access", "refresh"}`` pair for the caller. Raises LocalAuthDisabled (HTTP
    403), WrongPassword (HTTP 403, ``old``; also for accounts without a password) or
    ValidationFailed (HTTP 422, ``new``)."""
    local_auth_check()
    if not user.check_password(old):
        raise WrongPassword("The current password is wrong.", field="old")
    _password_check(new, user=user, field="new")
    user.set_password(new)
    user.save(update_fields=["password"])
    user_tokens_revoke(user_id=user.pk)
    return token_pair_for_user(user=user)
