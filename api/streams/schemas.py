from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema


class StreamTokenOut(Schema):
    token: str = Field(description="pass as ?token= (EventSource cannot send headers)")
    expires_at: datetime = Field(description="a stream must open before this")
    url: str = Field(description="the stream's absolute URL, token included")
