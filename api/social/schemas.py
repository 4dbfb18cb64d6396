"""Comment, reaction and view schemas."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from api.core.fields import RowId, line, text
from api.social.models import Comment, ReactionKind
from api.social.services import DELETED_TEXT
from api.videos.schemas import OwnerOut

#: no NUL nor control characters but tab and line ends (api.core.fields)
CommentText = text(5000, min_length=1, strip=True)


class CommentIn(Schema):
    text: CommentText
    parent: RowId | None = Field(None, description="id of the comment answered, if a reply")


class CommentPatch(Schema):
    text: CommentText


class CommentOut(Schema):
    """A comment. A deleted one keeps its place (its replies stay) with ``author`` null
    and ``text`` "[deleted]"."""

    id: int
    parent: int | None = Field(description="id of the comment answered, null at top level")
    author: OwnerOut | None
    text: str
    is_deleted: bool
    created_at: datetime
    edited_at: datetime | None = Field(description="last edit, null if never edited")

    @staticmethod
    def resolve_parent(obj: Comment):
        return obj.parent_id

    @staticmethod
    def resolve_author(obj: Comment):
        return None if obj.is_deleted else obj.author

    @staticmethod
    def resolve_text(obj: Comment):
        return DELETED_TEXT if obj.is_deleted else obj.text


class ThreadOut(CommentOut):
    """A top-level comment with its whole thread: every reply (also replies to
    replies, see ``parent``), oldest first."""

    replies: list[CommentOut]

    @staticmethod
    def resolve_replies(obj: Comment):
        return getattr(obj, "replies_list", [])


class CommentSettingsIn(Schema):
    allow_comments: bool = Field(description="false closes the comments; they stay visible")


class CommentSettingsOut(Schema):
    allow_comments: bool


class ReactionIn(Schema):
    kind: ReactionKind


class ReactionsOut(Schema):
    likes: int
    dislikes: int
    mine: ReactionKind | None = Field(description="your reaction; null if none or anonymous")


#: ``?client_id=`` of ``POST /videos/{id}/views``
ClientId = line(100, strip=False) | None


class ViewOut(Schema):
    counted: bool = Field(description="false when this viewer's view was already counted")
    views: int
