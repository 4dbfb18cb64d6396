"""Keyset (cursor) pagination: pages that stay right when rows are inserted or deleted
between two fetches, and cost the same on page 1 and page 500.

A list is ordered by one sort key then the primary key (the tie-breaker), both in the
same direction. A page answers ``{"items": [...], "count": n, "next": cursor|null}``:
``count`` is the number of rows matching the filters, ``next`` an opaque cursor (the
sort key and the id of the page's last row) to send back as ``?cursor=`` for the next
page, ``null`` on the last page. The next page is "the rows after that one" (``WHERE
(key, id) < (last key, last id)`` for a descending order), so a row inserted meanwhile
before the cursor neither shifts the next page nor makes a row appear twice.

``?offset=`` is still accepted (without a cursor) for clients of the former
limit/offset pagination; it is positional, hence not stable under inserts.

A cursor carries the ordering it was made for; sending it with another ordering, or a
malformed one, answers 422 ``invalid_cursor`` (field ``cursor``).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Expression, F, Q, QuerySet
from django.db.models import Field as DjangoField
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

from api.core.errors import ValidationFailed
from api.core.fields import INT64_MAX, Index

#: default and largest page sizes
DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass(frozen=True)
class SortKey:
    """One ``?ordering=`` value: ``field`` (a model field, or the name of ``expression``
    annotated on the queryset), its Python type (``datetime``, ``str``, ``int``, ``float``) and
    the direction. ``expression`` gives nullable fields a value (``Coalesce``), since
    keyset comparisons do not work on NULL."""

    field: str
    kind: type
    descending: bool
    expression: Expression | None = None


def _encode(ordering: str, value: Any, pk: Any) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([ordering, value, str(pk)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, ordering: str, key: SortKey, pk_field: DjangoField) -> tuple[Any, Any]:
    """``(sort value, primary key)`` of a cursor made by :func:`_encode` for ``ordering``.

    A cursor comes from the client, so everything in it is checked before it reaches a
    query: the ordering it was made for, a sort value of the key's type (an aware datetime
    within datetime's range, a 64-bit integer, a finite float, a string without NUL) and a
    primary key ``pk_field`` accepts (a UUID, a 64-bit integer). Raises ValidationFailed
    (422, ``invalid_cursor``, field ``cursor``) otherwise."""
    invalid = ValidationFailed(
        "Invalid cursor: use the `next` of a page fetched with the same ordering.",
        field="cursor",
        code="invalid_cursor",
    )
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        decoded = json.loads(raw)
        if not isinstance(decoded, list) or len(decoded) != 3:
            raise invalid
        made_for, value, pk = decoded
        if made_for != ordering or not isinstance(pk, str) or len(pk) > 40:
            raise invalid
        if key.kind is datetime:
            if not isinstance(value, str) or len(value) > 40:
                raise invalid
            value = datetime.fromisoformat(value)
            if value.tzinfo is None:
                raise invalid
            value = value.astimezone(UTC)
        elif key.kind in (int, float):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise invalid
            if key.kind is int and not isinstance(value, int):
                raise invalid
            if not -INT64_MAX <= value <= INT64_MAX or not math.isfinite(value):
                raise invalid
            value = key.kind(value)
        elif not isinstance(value, key.kind):
            raise invalid
        if isinstance(value, str) and "\x00" in value:
            raise invalid
        pk = pk_field.to_python(pk)
        if isinstance(pk, int) and not 0 <= pk <= INT64_MAX:
            raise invalid
    except (
        ValueError,
        TypeError,
        OverflowError,
        RecursionError,
        binascii.Error,
        UnicodeDecodeError,
        DjangoValidationError,
    ) as exc:
        raise invalid from exc
    return value, pk


def keyset_page(
    queryset: QuerySet,
    *,
    ordering: str,
    keys: dict[str, SortKey],
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
    offset: int | None = None,
    prepare: Callable[[QuerySet], QuerySet] = lambda qs: qs,
) -> dict:
    """One page of ``queryset`` (already filtered, access rules included) in ``ordering``
    (a key of ``keys``): ``{"items": list, "count": int, "next": str | None}``.

    ``prepare`` adds what the output needs (``select_related``, prefetches,
    annotations) to the page's query. Runs 2 queries plus ``prepare``'s prefetches,
    whatever the page size. Raises ValidationFailed (422, ``invalid_cursor``).
    """
    key = keys[ordering]
    count = queryset.count()
    qs = queryset
    if key.expression is not None:
        qs = qs.alias(**{key.field: key.expression})
    if cursor:
        value, pk = _decode(cursor, ordering, key, queryset.model._meta.pk)
        if key.descending:
            after = Q(**{f"{key.field}__lt": value}) | Q(**{key.field: value, "pk__lt": pk})
        else:
            after = Q(**{f"{key.field}__gt": value}) | Q(**{key.field: value, "pk__gt": pk})
        qs = qs.filter(after)
    if key.descending:
        qs = qs.order_by(F(key.field).desc(), "-pk")
    else:
        qs = qs.order_by(F(key.field).asc(), "pk")
    start = 0 if cursor else (offset or 0)
    if key.expression is not None:  # the value for the next cursor
        qs = qs.annotate(**{f"_{key.field}_key": F(key.field)})
    rows = list(prepare(qs)[start : start + limit + 1])
    items, more = rows[:limit], len(rows) > limit
    next_cursor = None
    if more and items:
        last = items[-1]
        attr = f"_{key.field}_key" if key.expression is not None else key.field
        next_cursor = _encode(ordering, getattr(last, attr), last.pk)
    return {"items": items, "count": count, "next": next_cursor}


class LimitOffset(LimitOffsetPagination):
    """django-ninja's limit/offset pagination (``{"items", "count"}``) with bounds:
    ``limit`` 1..100 (default 100), ``offset`` 0..2**63 - 1 (422 beyond, where the
    database would fail). For short lists that need no cursor (comments of a video, a
    user's groups, live events)."""

    class Input(Schema):
        limit: int = Field(MAX_LIMIT, ge=1, le=MAX_LIMIT, description="page size")
        offset: Index = Field(0, description="positional start")
