"""Bounded input types for request schemas: what a client sends is checked against what
the databases accept (SQLite and PostgreSQL), so an out-of-range value is a 422
``validation_error``, never a 500 from the database.

Text: PostgreSQL ``text``/``varchar`` cannot hold NUL (``\\x00``; psycopg raises
``DataError``), and other control characters have no place in what people type. Every
string a client sends in a JSON body, a form or a query string uses :func:`line` (one
line: no C0 control character, no DEL) or :func:`text` (several lines: tab, line feed and
carriage return allowed). The rule is a ``pattern`` of the OpenAPI schema, so clients see
it; ``tests/api/core/test_input_text.py`` checks that every string input has it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from django.utils import timezone
from pydantic import AfterValidator, AwareDatetime, Field, StringConstraints

#: a largest signed 64-bit integer: the bound of bigint columns and of SQLite integers
INT64_MAX = 2**63 - 1

#: a database id: a positive 64-bit integer
RowId = Annotated[int, Field(ge=1, le=INT64_MAX)]
#: a count, offset or position: 0 to 2**63 - 1
Index = Annotated[int, Field(ge=0, le=INT64_MAX)]

#: the most ids or names a list in a request may hold (owners, collaborators, groups,
#: channels...): a longer one is refused (422) before any query
MAX_ITEMS = 100

#: one line of text: no C0 control character (NUL included) and no DEL
LINE_PATTERN = r"^[^\x00-\x1f\x7f]*$"
#: several lines: tab, line feed and carriage return allowed, other controls refused
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"


def line(max_length: int, *, min_length: int = 0, strip: bool = True) -> Any:
    """A one-line string type of ``min_length``..``max_length`` characters (after
    stripping surrounding white space when ``strip``)."""
    return Annotated[
        str,
        StringConstraints(
            strip_whitespace=strip,
            min_length=min_length,
            max_length=max_length,
            pattern=LINE_PATTERN,
        ),
    ]


def text(max_length: int, *, min_length: int = 0, strip: bool = False) -> Any:
    """A multi-line string type (tab, CR, LF allowed) of at most ``max_length``
    characters."""
    return Annotated[
        str,
        StringConstraints(
            strip_whitespace=strip,
            min_length=min_length,
            max_length=max_length,
            pattern=TEXT_PATTERN,
        ),
    ]


def _to_utc(value: datetime) -> datetime:
    """An instant in UTC. PostgreSQL refuses UTC offsets past ±15:59 (Python allows
    ±23:59); a naive value is read in the server's time zone (``TIME_ZONE``), as Django
    would, except that a value that leaves datetime's range (year 1 in a zone east of
    UTC, year 9999 west of it) is refused (422) instead of overflowing in the query."""
    try:
        if value.tzinfo is None:
            value = timezone.make_aware(value, timezone.get_default_timezone())
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValueError("date out of range") from None


#: an instant (ISO 8601, with or without offset), normalised to UTC
Instant = Annotated[datetime, AfterValidator(_to_utc)]
#: an instant that must carry its UTC offset, normalised to UTC
AwareInstant = Annotated[AwareDatetime, AfterValidator(_to_utc)]
