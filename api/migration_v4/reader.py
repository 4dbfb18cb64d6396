"""Reading an Esup-Pod V4 database: a plain psycopg 3 connection to a PostgreSQL
database holding V4's dump, opened read-only.

Why not a second Django database alias: V4's tables are not our models; mirroring them
as unmanaged models would be hundreds of lines that only ever run ``SELECT``s, and a
second alias would join our transactions and routers. One read-only connection
(``SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY``: the server refuses any write)
streams each table with a server-side cursor, independent of the transactions the
import commits on our side.

MySQL/MariaDB V4 databases are not read directly: convert them to PostgreSQL first
(``pgloader``, see docs/migration.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

#: rows fetched per round trip by the server-side cursors
BATCH = 2000


class SourceError(Exception):
    """The V4 database cannot be read: a bad URL, a refused connection, a missing table."""


def check_url(url: str) -> str:
    """``url`` if it is a PostgreSQL URL (``postgres://`` or ``postgresql://``), else
    SourceError naming the accepted schemes."""
    scheme = urlsplit(url).scheme
    if scheme in ("postgres", "postgresql"):
        return url
    if scheme in ("mysql", "mariadb"):
        raise SourceError(
            "MySQL/MariaDB sources are not read directly: load V4's database into "
            "PostgreSQL with pgloader first (docs/migration.md)."
        )
    raise SourceError("--source must be a postgres://user:password@host:port/database URL.")


class V4Source:
    """A read-only connection to a V4 database. ``rows(table, columns)`` streams dicts;
    ``columns(table)`` tells which columns a table has (V4 versions differ: e.g.
    ``video_comment.direct_parent_id``, ``authentication_accessgroup.auto_sync``)."""

    def __init__(self, url: str) -> None:
        try:
            self.conn = psycopg.connect(check_url(url), autocommit=True, connect_timeout=10)
            self.conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        except psycopg.Error as exc:
            raise SourceError(f"cannot connect to the V4 database: {exc}".strip()) from None
        self.conn.autocommit = False
        self._columns: dict[str, set[str]] = {}

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> V4Source:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def columns(self, table: str) -> set[str]:
        """The column names of ``table`` (empty if there is no such table)."""
        if table not in self._columns:
            with self.conn.cursor() as cur:
                cur.execute(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND table_name = %s",
                    (table,),
                )
                self._columns[table] = {row[0] for row in cur.fetchall()}
            self.conn.rollback()
        return self._columns[table]

    def has_table(self, table: str) -> bool:
        return bool(self.columns(table))

    def rows(
        self, table: str, columns: list[str], *, optional: tuple[str, ...] = (), order: str = "id"
    ) -> Iterator[dict]:
        """Every row of ``table`` as a dict of ``columns`` (SourceError if one is missing)
        plus the ``optional`` ones the table has (missing ones read as None), ordered by
        ``order``."""
        present = self.columns(table)
        if not present:
            raise SourceError(f"the V4 database has no table {table!r}")
        missing = [c for c in columns if c not in present]
        if missing:
            raise SourceError(f"V4 table {table!r} lacks the columns {', '.join(missing)}")
        wanted = columns + [c for c in optional if c in present]
        query = sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
            sql.SQL(", ").join(sql.Identifier(c) for c in wanted),
            sql.Identifier(table),
            sql.Identifier(order),
        )
        try:
            with self.conn.cursor(name=f"v4_{table}", row_factory=dict_row) as cur:
                cur.itersize = BATCH
                cur.execute(query)
                for row in cur:
                    for name in optional:
                        row.setdefault(name, None)
                    yield row
        finally:
            self.conn.rollback()

    def pairs(self, table: str, left: str, right: str) -> list[tuple[int, int]]:
        """The ``(left, right)`` id pairs of a many-to-many table (empty when missing)."""
        if not self.has_table(table):
            return []
        return [(r[left], r[right]) for r in self.rows(table, [left, right], order=left)]
