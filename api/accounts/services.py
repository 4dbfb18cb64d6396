"""Writes on accounts. Keyword-only, typed; raise ``api.core.errors`` exceptions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from django.db import IntegrityError, transaction
from django.utils.crypto import salted_hmac
from ninja_jwt.exceptions import TokenError
from ninja_jwt.settings import api_settings as jwt_settings
from ninja_jwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from ninja_jwt.tokens import RefreshToken, UntypedToken

from api.accounts.models import AccessGroup, Role, User
from api.core.errors import (
    AuthenticationFailed,
    Conflict,
    PermissionDenied,
    TokenInvalid,
    TokenRevoked,
    ValidationFailed,
    listing,
)

#: (is_superuser, is_staff, can_upload) of each role
_ROLE_FLAGS = {
    Role.ADMIN: (True, True, True),
    Role.MANAGER: (False, True, True),
    Role.UPLOADER: (False, False, True),
    Role.VIEWER: (False, False, False),
}


@transaction.atomic
def user_update(
    *,
    user: User,
    first_name: str | None = None,
    last_name: str | None = None,
    email: str | None = None,
) -> User:
    """Change the user's own profile fields; ``None`` leaves a field as it is."""
    changes = {"first_name": first_name, "last_name": last_name, "email": email}
    fields = [name for name, value in changes.items() if value is not None]
    for name in fields:
        setattr(user, name, changes[name])
    if fields:
        user.save(update_fields=fields)
    return user


@transaction.atomic
def user_set_role(*, user: User, role: Role) -> User:
    """Give ``user`` a role by setting its flags (see ``api.accounts.models``)."""
    user.is_superuser, user.is_staff, user.can_upload = _ROLE_FLAGS[Role(role)]
    user.save(update_fields=["is_superuser", "is_staff", "can_upload"])
    return user


# --- JWT (django-ninja-jwt tokens, ninja_jwt.token_blacklist) -------------------------


#: claim naming the sign-in session a token pair comes from (kept across refreshes):
#: ending that session (CAS single logout) revokes its refresh tokens
SESSION_CLAIM = "sid"
#: claim naming the password a token was issued under (see :func:`password_version`)
PASSWORD_VERSION_CLAIM = "pwv"


def password_version(user: User) -> str:
    """A keyed digest of the user's password hash (16 hex): changes with the password."""
    return salted_hmac("api.accounts.password_version", user.password).hexdigest()[:16]


def token_pair_for_user(*, user: User, session_id: str | None = None) -> dict[str, str]:
    """A fresh ``{"access", "refresh"}`` pair; the refresh token is recorded as
    outstanding (``ninja_jwt.token_blacklist``) so it can be revoked. ``session_id``:
    the sign-in session it comes from (claim ``sid``, see
    :func:`api.accounts.signin.session_tokens_revoke`). Tokens carry
    :func:`password_version` (claim ``pwv``): a refresh token revoked by a password
    change or reset is not taken for a stolen one when a client sends it again."""
    refresh = RefreshToken.for_user(user)
    refresh[PASSWORD_VERSION_CLAIM] = password_version(user)
    if session_id:
        refresh[SESSION_CLAIM] = session_id
    # for_user recorded the token before the claims: record the token given out
    jti = refresh[jwt_settings.JTI_CLAIM]
    OutstandingToken.objects.filter(jti=jti).update(token=str(refresh))
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def token_pair_obtain(*, request, username: str, password: str) -> dict[str, str]:
    """Log in with a username and password (any configured Django auth backend).
    Raises AuthenticationFailed (HTTP 401) for wrong credentials or an inactive user."""
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        raise AuthenticationFailed()
    update_last_login(None, user)
    return token_pair_for_user(user=user)


def _refresh_token(raw: str, *, reuse_revokes_all: bool = True) -> RefreshToken:
    """The valid, not revoked refresh token ``raw``. Raises TokenInvalid (HTTP 401) or,
    for a rotated or logged-out one, TokenRevoked (HTTP 401), after revoking every
    refresh token of its user when ``reuse_revokes_all`` (reuse of a rotated token
    means it leaked: RFC 9700 §4.14.2)."""
    try:
        return RefreshToken(raw)
    except TokenError:
        pass
    try:
        payload = UntypedToken(raw).payload  # signature and expiry only
    except TokenError:
        raise TokenInvalid() from None
    jti = payload.get(jwt_settings.JTI_CLAIM)
    if payload.get(jwt_settings.TOKEN_TYPE_CLAIM) != "refresh" or not jti:
        raise TokenInvalid("Not a refresh token.")
    if BlacklistedToken.objects.filter(token__jti=jti).exists():
        if _password_changed_since(payload):
            raise TokenRevoked("The password changed since this token was issued: log in again.")
        if reuse_revokes_all:
            user_tokens_revoke(user_id=payload.get(jwt_settings.USER_ID_CLAIM))
        raise TokenRevoked()
    raise TokenInvalid()


def _password_changed_since(payload: dict) -> bool:
    """Whether the token (with a password version claim) was issued under another
    password than its user's current one."""
    version = payload.get(PASSWORD_VERSION_CLAIM)
    if not version:
        return False
    user = User.objects.filter(
        **{jwt_settings.USER_ID_FIELD: payload.get(jwt_settings.USER_ID_CLAIM)}
    )
    user = user.only("password").first()
    return user is not None and password_version(user) != version


def token_refresh(*, refresh: str) -> dict[str, str]:
    """Rotate: revoke ``refresh`` and return a new pair (refresh token rotation, RFC 9700
    §4.14.2). Raises TokenInvalid or TokenRevoked (HTTP 401); a deleted or inactive
    user's token is invalid. Two requests racing with one token: one wins, the other
    counts as a reuse."""
    token = _refresh_token(refresh)
    user_id = token.payload.get(jwt_settings.USER_ID_CLAIM)
    user = User.objects.filter(**{jwt_settings.USER_ID_FIELD: user_id}).first()
    if user is None or not user.is_active:
        raise TokenInvalid("The token's user is unknown or inactive.")
    with transaction.atomic():
        outstanding, _ = OutstandingToken.objects.get_or_create(
            jti=token.payload[jwt_settings.JTI_CLAIM],
            defaults={"user": user, "token": refresh, "expires_at": _expiry(token)},
        )
        outstanding = OutstandingToken.objects.select_for_update().get(pk=outstanding.pk)
        _, created = BlacklistedToken.objects.get_or_create(token=outstanding)
        session_id = token.payload.get(SESSION_CLAIM)
        pair = token_pair_for_user(user=user, session_id=session_id) if created else None
    if pair is None:
        user_tokens_revoke(user_id=user_id)
        raise TokenRevoked()
    return pair


def _expiry(token: RefreshToken):
    return datetime.fromtimestamp(token.payload["exp"], tz=UTC)


def token_check(*, refresh: str) -> None:
    """Raises TokenInvalid or TokenRevoked (HTTP 401) unless ``refresh`` is usable."""
    _refresh_token(refresh, reuse_revokes_all=False)


@transaction.atomic
def token_revoke(*, refresh: str) -> None:
    """Log out: revoke ``refresh`` (access tokens stay valid until they expire, at most
    ``JWT_ACCESS_MINUTES``). Raises TokenInvalid or TokenRevoked (HTTP 401)."""
    _refresh_token(refresh, reuse_revokes_all=False).blacklist()


def user_tokens_revoke(*, user_id) -> int:
    """Revoke every outstanding refresh token of a user; returns how many."""
    if user_id is None:
        return 0
    pending = OutstandingToken.objects.filter(user_id=user_id, blacklistedtoken__isnull=True)
    return len(BlacklistedToken.objects.bulk_create([BlacklistedToken(token=t) for t in pending]))


# --- identity providers (the attribute mapping itself: api.accounts.attributes) ------


@transaction.atomic
def user_access_groups_sync(*, user: User, code_names: Iterable[str]) -> None:
    """Make ``user``'s memberships follow an identity provider's group list (Esup-Pod's
    ``auto_sync`` groups): join every listed group (missing ones are created, with
    ``auto_sync`` on and the code name as display name), leave every ``auto_sync`` group
    not listed. Memberships of other groups are left as they are. Code names are cut to
    150 characters; blank ones are ignored."""
    wanted = {name.strip()[:150] for name in code_names if name.strip()}
    AccessGroup.objects.bulk_create(
        [AccessGroup(code_name=name, display_name=name, auto_sync=True) for name in wanted],
        ignore_conflicts=True,  # existing groups (or created by a concurrent login) stay
    )
    user.access_groups.add(*AccessGroup.objects.filter(code_name__in=wanted))
    user.access_groups.remove(
        *user.access_groups.filter(auto_sync=True).exclude(code_name__in=wanted)
    )


# --- user administration (staff: managers and admins; docs/auth.md) -------------------

#: "leave this field as it is" for fields where ``None`` is a value (``quota_bytes``)
UNSET: object = object()


class SelfLockout(Conflict):
    """Staff changing their own role or deactivating themselves (HTTP 409): they could
    lock themselves out of the administration; another admin must do it."""

    code = "self_lockout"
    default_message = "You may not change your own role or deactivate yourself."


def user_check_administrable(*, actor: User, target: User) -> None:
    """Raise PermissionDenied (403) unless ``actor`` may change ``target``: staff
    only, and only admins change admins (a manager may not touch an admin's role,
    quota, activity or videos)."""
    if not (actor.is_active and actor.is_staff):
        raise PermissionDenied("Only managers and admins may administer users.")
    if target.is_superuser and not actor.is_superuser:
        raise PermissionDenied("Only admins may change an admin.")


@transaction.atomic
def user_admin_update(
    *,
    actor: User,
    user: User,
    role: Role | None = None,
    can_upload: bool | None = None,
    quota_bytes: int | None | object = UNSET,
) -> User:
    """What staff change about a user: ``role`` (admin only: only admins make admins),
    ``can_upload`` (the upload right of viewers and uploaders; managers and admins
    always have it: 422), ``quota_bytes`` (bytes; 0 unlimited, ``None`` back to the
    affiliation's or the default quota; see ``api.accounts.quotas``). ``role`` and
    ``can_upload`` together: 422. Raises PermissionDenied (403, see
    :func:`user_check_administrable`) and SelfLockout (409) for one's own role."""
    user = User.objects.select_for_update().get(pk=user.pk)
    user_check_administrable(actor=actor, target=user)
    fields = []
    if role is not None:
        role = Role(role)
        if can_upload is not None:
            raise ValidationFailed(
                "Send role or can_upload, not both (the uploader role is the upload right).",
                field="can_upload",
            )
        if role == Role.ADMIN and not actor.is_superuser:
            raise PermissionDenied("Only admins may make admins.", field="role")
        if user.pk == actor.pk and role != user.role:
            raise SelfLockout("You may not change your own role: another admin must.")
        user_set_role(user=user, role=role)
    if can_upload is not None:
        if user.is_staff:
            raise ValidationFailed(
                "Managers and admins always may upload: change their role instead.",
                field="can_upload",
            )
        user.can_upload = can_upload
        fields.append("can_upload")
    if quota_bytes is not UNSET:
        user.quota_bytes = quota_bytes
        fields.append("quota_bytes")
    if fields:
        user.save(update_fields=fields)
    return user


@transaction.atomic
def user_deactivate(*, actor: User, user: User) -> User:
    """Deactivate ``user``: they can no longer log in, their refresh tokens are revoked
    (``ninja_jwt.token_blacklist``) and their access tokens and sessions stop working
    at their next request (the authentication refuses inactive users). Their videos
    stay. Raises PermissionDenied (403) and SelfLockout (409) for oneself."""
    user = User.objects.select_for_update().get(pk=user.pk)
    user_check_administrable(actor=actor, target=user)
    if user.pk == actor.pk:
        raise SelfLockout("You may not deactivate yourself: another admin must.")
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    user_tokens_revoke(user_id=user.pk)
    return user


@transaction.atomic
def user_reactivate(*, actor: User, user: User) -> User:
    """Let a deactivated user log in again (their revoked tokens stay revoked). Raises
    PermissionDenied (403)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    user_check_administrable(actor=actor, target=user)
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    return user


def _group_exists(code_name: str) -> Conflict:
    return Conflict(
        f"An access group {code_name[:150]!r} already exists.",
        field="code_name",
        code="access_group_exists",
    )


def access_group_create(
    *, code_name: str, display_name: str, auto_sync: bool = False
) -> AccessGroup:
    """A new access group (``auto_sync``: its members follow the identity provider's
    groups, see :func:`user_access_groups_sync`); raises Conflict (409
    ``access_group_exists``)."""
    try:
        with transaction.atomic():
            return AccessGroup.objects.create(
                code_name=code_name, display_name=display_name, auto_sync=auto_sync
            )
    except IntegrityError:
        raise _group_exists(code_name) from None


@transaction.atomic
def access_group_update(
    *, group: AccessGroup, display_name: str | None = None, auto_sync: bool | None = None
) -> AccessGroup:
    """Change the group's display name or ``auto_sync``; ``None`` leaves a field as it
    is (``code_name`` is its stable identifier and never changes)."""
    changes = {"display_name": display_name, "auto_sync": auto_sync}
    fields = [name for name, value in changes.items() if value is not None]
    for name in fields:
        setattr(group, name, changes[name])
    if fields:
        group.save(update_fields=fields)
    return group


@transaction.atomic
def access_group_delete(*, group: AccessGroup) -> None:
    """Delete the group. Videos restricted to it lose it as an audience: one restricted
    to it alone is then seen by its owners and staff only (the access rules fail
    closed)."""
    group.delete()


@transaction.atomic
def access_group_add_members(*, group: AccessGroup, usernames: list[str]) -> AccessGroup:
    """Add users (by username) to the group; members already in it stay. Unknown
    usernames: ValidationFailed (422, field ``usernames``) and nobody is added."""
    names = set(usernames)
    users = list(User.objects.filter(username__in=names))
    unknown = names - {user.username for user in users}
    if unknown:
        raise ValidationFailed(f"Unknown users: {listing(unknown)}.", field="usernames")
    group.members.add(*users)
    return group


@transaction.atomic
def access_group_remove_member(*, group: AccessGroup, user: User) -> None:
    """Remove ``user`` from the group (nothing happens if they were not a member)."""
    group.members.remove(user)


@transaction.atomic
def access_group_join(*, user: User, code_name: str, display_name: str) -> AccessGroup:
    """Make ``user`` a member of the access group ``code_name`` (created with
    ``display_name`` when missing; an existing group keeps its name); returns the group.
    Other memberships are left as they are (LTI course contexts: ``api.lti``)."""
    group, _ = AccessGroup.objects.get_or_create(
        code_name=code_name[:150], defaults={"display_name": display_name[:250]}
    )
    group.members.add(user)
    return group
