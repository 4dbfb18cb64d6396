"""User administration for staff (managers: ``is_staff``; admins: ``is_superuser``), as
Esup-Pod's users/groups/owners API: under ``/users`` (list and search, read, role,
upload right and quota, deactivate, reactivate) and ``/access-groups`` (read, change,
delete, members). Creating a group (``POST /access-groups``) sits with its list in
``api.accounts.api``; moving a user's videos to another user
(``POST /users/{id}/transfer-videos``) in ``api.videos.api``, which owns
``Video.owner``. Rules: docs/auth.md "User administration".

Everyone else gets 403 ``permission_denied`` (401 without credentials); managers may
not make admins or change admins (403); nobody changes their own role or deactivates
themselves (409 ``self_lockout``).
"""

from __future__ import annotations

from ninja import Query, Router, Status
from ninja.pagination import paginate

from api.accounts import selectors, services
from api.accounts.admin_schemas import (
    AccessGroupDetailOut,
    AccessGroupPatch,
    MemberOut,
    MembersIn,
    UserAdminOut,
    UserAdminPage,
    UserAdminPatch,
    UserFilters,
)
from api.accounts.auth import auth_required
from api.core.pagination import LimitOffset

users_admin_router = Router()
groups_admin_router = Router()


def _target(request, user_id: int):
    selectors.require_staff(request.auth)
    return selectors.user_get(user_id=user_id)


@users_admin_router.get("", response=UserAdminPage, auth=auth_required)
def list_users(request, filters: Query[UserFilters]):
    """Users matching the filters (``q`` searches username, names and email; ``role``,
    ``affiliation``, ``is_active``), by ``ordering``, with cursor pagination (pass the
    page's ``next`` as ``cursor``). Staff only."""
    selectors.require_staff(request.auth)
    return selectors.user_list(**filters.dict())


@users_admin_router.get("/{int:user_id}", response=UserAdminOut, auth=auth_required)
def get_user(request, user_id: int):
    """One user, with its quota. Staff only; unknown: 404."""
    return _target(request, user_id)


@users_admin_router.patch("/{int:user_id}", response=UserAdminOut, auth=auth_required)
def update_user(request, user_id: int, payload: UserAdminPatch):
    """Change a user's ``role``, upload right (``can_upload``) or ``quota_bytes``
    (``null``: back to the affiliation's or the default). Only admins make or change
    admins (403); your own role: 409 ``self_lockout``."""
    user = _target(request, user_id)
    return services.user_admin_update(
        actor=request.auth, user=user, **payload.dict(exclude_unset=True)
    )


@users_admin_router.post("/{int:user_id}/deactivate", response=UserAdminOut, auth=auth_required)
def deactivate_user(request, user_id: int):
    """The user can no longer log in; their refresh tokens are revoked and their access
    tokens refused from now on. Yourself: 409 ``self_lockout``."""
    user = _target(request, user_id)
    return services.user_deactivate(actor=request.auth, user=user)


@users_admin_router.post("/{int:user_id}/reactivate", response=UserAdminOut, auth=auth_required)
def reactivate_user(request, user_id: int):
    """A deactivated user may log in again."""
    user = _target(request, user_id)
    return services.user_reactivate(actor=request.auth, user=user)


@groups_admin_router.get("/{code_name}", response=AccessGroupDetailOut, auth=auth_required)
def get_access_group(request, code_name: str):
    """An access group with its member count (any authenticated user, like the list)."""
    return selectors.access_group_get(code_name=code_name)


@groups_admin_router.patch("/{code_name}", response=AccessGroupDetailOut, auth=auth_required)
def update_access_group(request, code_name: str, payload: AccessGroupPatch):
    """Change the group's display name. Staff only."""
    selectors.require_staff(request.auth)
    group = selectors.access_group_get(code_name=code_name)
    services.access_group_update(group=group, **payload.dict(exclude_unset=True))
    return selectors.access_group_get(code_name=code_name)


@groups_admin_router.delete("/{code_name}", response={204: None}, auth=auth_required)
def delete_access_group(request, code_name: str):
    """Delete the group (videos restricted to it alone are then seen by their owners
    and staff only). Staff only."""
    selectors.require_staff(request.auth)
    services.access_group_delete(group=selectors.access_group_get(code_name=code_name))
    return Status(204, None)


@groups_admin_router.get("/{code_name}/members", response=list[MemberOut], auth=auth_required)
@paginate(LimitOffset)
def list_members(request, code_name: str):
    """The group's members by username (``limit``/``offset``). Staff only."""
    selectors.require_staff(request.auth)
    return selectors.access_group_members(group=selectors.access_group_get(code_name=code_name))


@groups_admin_router.post("/{code_name}/members", response=AccessGroupDetailOut, auth=auth_required)
def add_members(request, code_name: str, payload: MembersIn):
    """Add users by username (members already in stay); an unknown one: 422 and nobody
    is added. Staff only."""
    selectors.require_staff(request.auth)
    group = selectors.access_group_get(code_name=code_name)
    services.access_group_add_members(group=group, usernames=payload.usernames)
    return selectors.access_group_get(code_name=code_name)


@groups_admin_router.delete(
    "/{code_name}/members/{username}", response={204: None}, auth=auth_required
)
def remove_member(request, code_name: str, username: str):
    """Remove a user from the group (204 even if they were not in it; an unknown
    username: 404). Staff only."""
    selectors.require_staff(request.auth)
    group = selectors.access_group_get(code_name=code_name)
    user = selectors.user_get_by_username(username=username)
    services.access_group_remove_member(group=group, user=user)
    return Status(204, None)
