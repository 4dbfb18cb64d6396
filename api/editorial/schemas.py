"""Editorial schemas: channels, themes, disciplines, video types, tags, playlists and
favorites. Lists answer a keyset page ``{"items", "count", "next"}``
(``api.core.pagination``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import StringConstraints

from api.accounts.schemas import AccessGroupOut
from api.core.fields import MAX_ITEMS, Index, RowId
from api.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from api.videos.models import Visibility
from api.videos.schemas import CodeName, Description, OwnerOut, Text, Title, Username

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=250)]
ChannelVisibility = Literal[Visibility.PUBLIC, Visibility.PRIVATE]
PlaylistVisibility = Literal[
    Visibility.PUBLIC, Visibility.UNLISTED, Visibility.PRIVATE, Visibility.RESTRICTED
]
_SLUG = "lower-case letters, digits and dashes; made from the title when left out"
_NEXT = "cursor of the next page; null on the last one"


class CursorParams(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="page size")
    cursor: Text | None = Field(None, max_length=500, description="`next` of the previous page")


class TitleListParams(CursorParams):
    q: Text | None = Field(None, max_length=200, description="in the title")
    ordering: Literal["-created_at", "created_at", "title", "-title"] = "title"
    offset: Index | None = Field(None, description="positional start (without cursor)")


# --- channels -----------------------------------------------------------------------


class ChannelIn(Schema):
    title: Title
    slug: Slug | None = Field(None, description=_SLUG)
    description: Description = ""
    visibility: ChannelVisibility = Visibility.PUBLIC
    owners: list[Username] = Field([], max_length=MAX_ITEMS, description="usernames (default: you)")
    members: list[Username] = Field(
        [], max_length=MAX_ITEMS, description="usernames; may add their videos"
    )


class ChannelPatch(Schema):
    title: Title | None = None
    slug: Slug | None = None
    description: Description | None = None
    visibility: ChannelVisibility | None = None
    owners: list[Username] | None = Field(
        None, max_length=MAX_ITEMS, description="usernames (staff only)"
    )
    members: list[Username] | None = Field(None, max_length=MAX_ITEMS, description="usernames")


class ChannelOut(Schema):
    id: int
    title: str
    slug: str
    description: str
    visibility: str
    owners: list[OwnerOut]
    members: list[OwnerOut]
    user_can_edit: bool = Field(description="whether you may change it")
    created_at: datetime

    @staticmethod
    def resolve_owners(obj):
        return obj.owners.all()

    @staticmethod
    def resolve_members(obj):
        return obj.members.all()


class ChannelPage(Schema):
    items: list[ChannelOut]
    count: int
    next: str | None = Field(description=_NEXT)


# --- themes -------------------------------------------------------------------------


class ThemeIn(Schema):
    channel: RowId = Field(description="channel id")
    parent: RowId | None = Field(None, description="parent theme id (same channel)")
    title: Title
    slug: Slug | None = Field(None, description=_SLUG + " (unique in the channel)")
    description: Description = ""


class ThemePatch(Schema):
    parent: RowId | None = Field(None, description="parent theme id; null: top level")
    title: Title | None = None
    slug: Slug | None = None
    description: Description | None = None


class ThemeParams(Schema):
    channel: RowId | None = Field(None, description="channel id: the themes of one channel")


class ThemeOut(Schema):
    id: int
    channel: int = Field(alias="channel_id")
    parent: int | None = Field(alias="parent_id")
    title: str
    slug: str
    description: str


# --- disciplines and types ----------------------------------------------------------


class VocabularyIn(Schema):
    title: Title
    slug: Slug | None = Field(None, description=_SLUG)
    description: Description = ""


class VocabularyPatch(Schema):
    title: Title | None = None
    slug: Slug | None = None
    description: Description | None = None


class VocabularyOut(Schema):
    id: int
    title: str
    slug: str
    description: str


class TagParams(Schema):
    q: Text | None = Field(None, max_length=100, description="slug prefix")


# --- playlists and favorites --------------------------------------------------------


class PlaylistIn(Schema):
    title: Title
    description: Description = ""
    visibility: PlaylistVisibility = Visibility.PRIVATE
    collaborators: list[Username] = Field(
        [], max_length=MAX_ITEMS, description="usernames; they may edit"
    )
    access_groups: list[CodeName] = Field(
        [], max_length=MAX_ITEMS, description="for visibility `restricted`"
    )


class PlaylistPatch(Schema):
    title: Title | None = None
    description: Description | None = None
    visibility: PlaylistVisibility | None = None
    collaborators: list[Username] | None = Field(
        None, max_length=MAX_ITEMS, description="owner and staff only"
    )
    access_groups: list[CodeName] | None = Field(None, max_length=MAX_ITEMS)


class PlaylistOut(Schema):
    id: UUID
    title: str
    description: str
    visibility: str
    owner: OwnerOut
    collaborators: list[OwnerOut]
    access_groups: list[AccessGroupOut]
    user_can_edit: bool = Field(description="whether you may change it")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_collaborators(obj):
        return obj.additional_owners.all()

    @staticmethod
    def resolve_access_groups(obj):
        return obj.access_groups.all()


class PlaylistParams(TitleListParams):
    owner: Text | None = Field(None, max_length=150, description="owner's username")
    ordering: Literal["-created_at", "created_at", "title", "-title"] = "-created_at"


class PlaylistPage(Schema):
    items: list[PlaylistOut]
    count: int
    next: str | None = Field(description=_NEXT)


class ListedVideoIn(Schema):
    video: UUID = Field(description="a video you may see")
    position: Index | None = Field(None, description="0-based; default: at the end")


class VideoOrderIn(Schema):
    videos: list[UUID] = Field(
        description="video ids in the new order; those left out follow, in their order",
        max_length=10_000,
    )


class ListedVideoOut(Schema):
    id: UUID
    title: str
    duration: float | None = Field(description="seconds")
    owner: OwnerOut
    visibility: str
    created_at: datetime


class ListedItemOut(Schema):
    position: int = Field(description="0-based")
    added_at: datetime
    video: ListedVideoOut


class ListedItemPage(Schema):
    items: list[ListedItemOut]
    count: int
    next: str | None = Field(description=_NEXT)
