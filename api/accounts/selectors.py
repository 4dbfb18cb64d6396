"""Reads of accounts. The user administration reads (:func:`user_list`,
:func:`user_get`) are for staff: :func:`require_staff` first."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q, QuerySet

from api.accounts.models import AccessGroup, Role, User
from api.accounts.quotas import quota_used_bytes_many
from api.core.errors import NotFound, PermissionDenied
from api.core.pagination import DEFAULT_LIMIT, SortKey, keyset_page


def access_group_list() -> QuerySet[AccessGroup]:
    """Every access group, by display name (audiences a video may be restricted to)."""
    return AccessGroup.objects.order_by("display_name", "code_name")


def _storable(name: str, max_length: int) -> bool:
    """Whether ``name`` (from a URL path) could be stored: no NUL, not too long."""
    return "\x00" not in name and len(name) <= max_length


def access_group_get(*, code_name: str) -> AccessGroup:
    """The access group ``code_name``, with ``member_count``; NotFound (404) otherwise
    (also for a name no group can have, e.g. with NUL, which PostgreSQL refuses)."""
    if not _storable(code_name, 150):
        raise NotFound("No such access group.")
    group = (
        AccessGroup.objects.annotate(member_count=Count("members"))
        .filter(code_name=code_name)
        .first()
    )
    if group is None:
        raise NotFound("No such access group.")
    return group


def access_group_members(*, group: AccessGroup) -> QuerySet[User]:
    """The group's members, by username."""
    return group.members.order_by("username", "pk")


def require_staff(user) -> None:
    """PermissionDenied (403) unless ``user`` is a manager or an admin (``is_staff``;
    admins are staff too, see ``api.accounts.models``)."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        raise PermissionDenied("Only managers and admins may administer users.")


#: ``?role=`` of the user list: the flags each role stands for (``User.role``)
ROLE_Q = {
    Role.ADMIN: Q(is_superuser=True),
    Role.MANAGER: Q(is_staff=True, is_superuser=False),
    Role.UPLOADER: Q(can_upload=True, is_staff=False, is_superuser=False),
    Role.VIEWER: Q(can_upload=False, is_staff=False, is_superuser=False),
}

#: ``?ordering=`` values of the user list; each pages by (key, id), see api.core.pagination
USER_ORDERINGS = {
    "username": SortKey("username", str, descending=False),
    "-username": SortKey("username", str, descending=True),
    "-date_joined": SortKey("date_joined", datetime, descending=True),
    "date_joined": SortKey("date_joined", datetime, descending=False),
}


def _search_q(q: str) -> Q:
    """Every word of ``q`` in the username, first name, last name or email."""
    condition = Q()
    for word in q.split()[:10]:
        condition &= (
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
        )
    return condition


def user_list(
    *,
    q: str | None = None,
    role: Role | None = None,
    affiliation: str | None = None,
    is_active: bool | None = None,
    ordering: str = "username",
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
    offset: int | None = None,
) -> dict:
    """A keyset page (``{"items", "count", "next"}``) of users matching every given
    filter: ``q`` (words in username, names or email, case-insensitive), ``role``,
    ``affiliation``, ``is_active``. Each item carries ``quota_used`` (bytes), counted
    for the whole page at once. Raises ValidationFailed (422 ``invalid_cursor``)."""
    users = User.objects.all()
    if q:
        users = users.filter(_search_q(q))
    if role is not None:
        users = users.filter(ROLE_Q[Role(role)])
    if affiliation is not None:
        users = users.filter(affiliation=affiliation)
    if is_active is not None:
        users = users.filter(is_active=is_active)
    page = keyset_page(
        users,
        ordering=ordering,
        keys=USER_ORDERINGS,
        limit=limit,
        cursor=cursor,
        offset=offset,
        prepare=lambda qs: qs.prefetch_related("access_groups"),
    )
    used = quota_used_bytes_many(user.pk for user in page["items"])
    for user in page["items"]:
        user.quota_used = used[user.pk]
    return page


def user_get(*, user_id: int) -> User:
    """The user ``user_id`` (active or not); NotFound (404) otherwise."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound("No such user.")
    return user


def user_get_by_username(*, username: str, field: str | None = None) -> User:
    """The user named ``username``; NotFound (404, ``field`` if given) otherwise."""
    user = User.objects.filter(username=username).first() if _storable(username, 150) else None
    if user is None:
        raise NotFound(f"No user named {username[:150]!r}.", field=field)
    return user
