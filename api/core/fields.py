"""Bounded input types for request schemas: what a client sends is checked against what
the databases accept (SQLite and PostgreSQL), so an out-of-range value is a 422
``validation_error``, never a 500 from the database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field

#: a largest signed 64-bit integer: the bound of bigint columns and of SQLite integers
INT64_MAX = 2**63 - 1

#: a database id: a positive 64-bit integer
RowId = Annotated[int, Field(ge=1, le=INT64_MAX)]
#: a count, offset or position: 0 to 2**63 - 1
Index = Annotated[int, Field(ge=0, le=INT64_MAX)]


def _to_utc(value: datetime) -> datetime:
    """An aware datetime in UTC (PostgreSQL refuses UTC offsets past ±15:59, Python
    allows ±23:59); a naive one is left to the server's time zone."""
    if value.tzinfo is None:
        return value
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("date out of range") from None


#: an instant (ISO 8601, with or without offset), normalised to UTC when it has one
Instant = Annotated[datetime, AfterValidator(_to_utc)]
#: an instant that must carry its UTC offset, normalised to UTC
AwareInstant = Annotated[AwareDatetime, AfterValidator(_to_utc)]
