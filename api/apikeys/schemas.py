"""API key schemas. The key itself appears once, in :class:`ApiKeyCreatedOut`."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from api.apikeys.models import Scope
from api.core.fields import Instant, line


class ApiKeyIn(Schema):
    name: line(100, min_length=1) = Field(description="what the key is for, e.g. 'Moodle'")
    scope: Scope = Field(description="read, upload or manage (see docs/auth.md)")
    expires_at: Instant | None = Field(None, description="when the key stops working (null: never)")


class ApiKeyOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="the key's public part: it starts pod_<prefix>_")
    scope: Scope
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None = Field(description="to the minute")
    revoked_at: datetime | None


class ApiKeyCreatedOut(ApiKeyOut):
    key: str = Field(
        description="pod_<prefix>_<secret>: send it as `Authorization: Bearer <key>`. "
        "Shown this once: only its digest is stored."
    )
