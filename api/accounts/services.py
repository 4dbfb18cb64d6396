"""Writes on accounts. Keyword-only, typed; raise ``api.core.errors`` exceptions."""

from __future__ import annotations

from django.db import transaction

from api.accounts.models import Role, User

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
