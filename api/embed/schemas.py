from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from ninja import Field, Schema

from api.core.fields import INT64_MAX, line
from api.playback.schemas import PlayerOut

Label = line(200)
Lifetime = Annotated[
    int,
    Field(
        ge=60,
        le=INT64_MAX,
        description="seconds; default EMBED_TOKEN_DEFAULT_SECONDS, at most "
        "EMBED_TOKEN_MAX_SECONDS (422 past it)",
    ),
]


class EmbedTokenIn(Schema):
    label: Label = Field("", description="what the token is for (e.g. the page it is pasted in)")
    lifetime_seconds: Lifetime | None = None


class EmbedTokenOut(Schema):
    id: UUID
    label: str
    created_by: str | None = Field(description="username")
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    active: bool = Field(description="neither expired nor revoked")

    @staticmethod
    def resolve_created_by(obj) -> str | None:
        return obj.created_by.username if obj.created_by_id else None

    @staticmethod
    def resolve_active(obj) -> bool:
        from django.utils import timezone

        return obj.revoked_at is None and obj.expires_at > timezone.now()


class EmbedTokenCreatedOut(EmbedTokenOut):
    """A new token: ``token`` is shown this once (only its hash is kept)."""

    token: str = Field(description="the secret: send it as ?token= or X-Embed-Token")
    embed_url: str = Field(description="the embed page with the token, for an <iframe>")
    html: str = Field(description="an <iframe> of embed_url, 640 pixels wide")


class EmbedOut(Schema):
    """A video's player config for an embedded player."""

    id: UUID
    title: str
    embed_url: str = Field(description="the embed page (add ?token= for a non-public video)")
    player: PlayerOut
