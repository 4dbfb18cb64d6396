"""Schemas of the user administration (``api.accounts.admin_api``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import ConfigDict, StringConstraints

from api.accounts.models import Affiliation, Role
from api.accounts.schemas import UserOut
from api.core.fields import INT64_MAX, MAX_ITEMS, Index, line
from api.core.pagination import DEFAULT_LIMIT, MAX_LIMIT

UserOrdering = Literal["username", "-username", "-date_joined", "date_joined"]

#: an access group's ``code_name``: one path segment (no '/', no white space, no
#: control character)
CodeName = Annotated[
    str, StringConstraints(min_length=1, max_length=150, pattern=r"^[^\s/\x00-\x1f\x7f]+$")
]
DisplayName = line(250, min_length=1)
Username = line(150, min_length=1)
Search = line(200)
Cursor = line(500)


class UserFilters(Schema):
    """Query parameters of ``GET /users``: filters (combined with AND), ordering and
    keyset pagination (see ``api.core.pagination``)."""

    q: Search | None = Field(
        None, description="words found in the username, first or last name or email"
    )
    role: Role | None = Field(None, description="admin, manager, uploader or viewer")
    affiliation: Affiliation | None = None
    is_active: bool | None = None
    ordering: UserOrdering = Field("username", description="sort key; `-` for descending")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="page size")
    cursor: Cursor | None = Field(None, description="`next` of the previous page (same ordering)")
    offset: Index | None = Field(
        None, description="positional start (without cursor; not stable under inserts)"
    )


class UserAdminOut(UserOut):
    """A user as staff see it."""

    is_active: bool = Field(description="false: deactivated (cannot log in)")
    is_superuser: bool
    date_joined: datetime
    last_login: datetime | None
    quota_bytes: int | None = Field(
        description="the user's own quota override in bytes (0: unlimited); null: the "
        "affiliation's or the default quota applies"
    )


class UserAdminPage(Schema):
    items: list[UserAdminOut]
    count: int = Field(description="users matching the filters")
    next: str | None = Field(description="cursor of the next page; null on the last one")


class UserAdminPatch(Schema):
    """What staff change about a user; other fields are refused (422)."""

    model_config = ConfigDict(extra="forbid")

    role: Role | None = Field(None, description="only admins make admins")
    can_upload: bool | None = Field(
        None, description="upload right of a viewer or uploader (not with role)"
    )
    quota_bytes: int | None = Field(
        None, ge=0, le=INT64_MAX, description="bytes; 0 unlimited; null: inherit"
    )


class TransferIn(Schema):
    model_config = ConfigDict(extra="forbid")

    to: Username = Field(description="username of the new owner (an active user)")
    videos: list[UUID] | None = Field(
        None,
        max_length=MAX_ITEMS * 10,
        description="ids of the videos to transfer (all of them must be the user's); "
        "omitted: every video the user owns",
    )


class TransferOut(Schema):
    transferred: int = Field(description="videos whose owner changed")
    videos: list[UUID] = Field(description="their ids")


class AccessGroupIn(Schema):
    model_config = ConfigDict(extra="forbid")

    code_name: CodeName = Field(description="stable identifier, e.g. 'l3-physics'")
    display_name: DisplayName
    auto_sync: bool = Field(
        False, description="members follow the identity provider's groups at each login"
    )


class AccessGroupPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    display_name: DisplayName | None = None
    auto_sync: bool | None = None


class AccessGroupDetailOut(Schema):
    code_name: str
    display_name: str
    auto_sync: bool = Field(description="members follow the identity provider's groups")
    member_count: int


class MemberOut(Schema):
    id: int
    username: str
    first_name: str
    last_name: str
    email: str


class MembersIn(Schema):
    model_config = ConfigDict(extra="forbid")

    usernames: list[Username] = Field(min_length=1, max_length=MAX_ITEMS)
