"""Which database a deployment runs on (`DATABASE_URL`), and the SQL that differs.

`sqlite:///path` (the embedded default; `DATABASE_PATH` keeps working) or
`postgresql://user@host:port/db`. The repositories write SQL both servers run; where the
two must differ they ask their session's `dialect`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


class Dialect(StrEnum):
    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"

    def json_text(self, column: str, key: str) -> str:
        """A top-level field of a JSON text column, as text (NULL when absent)."""
        if self is Dialect.POSTGRESQL:
            return f"(({column})::jsonb ->> '{key}')"
        return f"json_extract({column}, '$.{key}')"

    def unindexed(self, column: str) -> str:
        """The column kept from choosing the index (SQLite's unary +: another index
        serves the statement better); PostgreSQL's planner needs no such hint."""
        return column if self is Dialect.POSTGRESQL else f"+{column}"

    def indexed_by(self, index: str) -> str:
        """SQLite's `INDEXED BY index` after a table name; PostgreSQL chooses for itself."""
        return "" if self is Dialect.POSTGRESQL else f" INDEXED BY {index}"

    def zero_padded(self, expr: str, width: int) -> str:
        """An integer as text, zero-padded to `width` digits (longer numbers whole)."""
        if self is Dialect.POSTGRESQL:
            return f"lpad(({expr})::text, GREATEST({width}, length(({expr})::text)), '0')"
        return f"printf('%0{width}d', {expr})"

    def seconds_between(self, start: str, end: str) -> str:
        """Seconds from one stored ISO time to another (both columns of TEXT)."""
        if self is Dialect.POSTGRESQL:
            return f"EXTRACT(EPOCH FROM (({end})::timestamptz - ({start})::timestamptz))"
        return f"((julianday({end}) - julianday({start})) * 86400)"

    def count_where(self, condition: str) -> str:
        """An aggregate: how many rows of the group meet the condition. SQLite sums the
        comparison's 0/1 (NULL over no rows); PostgreSQL cannot sum a boolean: a FILTER."""
        if self is Dialect.POSTGRESQL:
            return f"COUNT(*) FILTER (WHERE {condition})"
        return f"SUM({condition})"

    def as_double(self, expr: str) -> str:
        """A number as an 8-byte float (PostgreSQL's REAL is a 4-byte one): word for word
        the expression of an index over it (faq_feedback_totals_worst)."""
        if self is Dialect.POSTGRESQL:
            return f"CAST({expr} AS DOUBLE PRECISION)"
        return f"CAST({expr} AS REAL)"


class DatabaseUrlError(ValueError):
    """A DATABASE_URL this program cannot use; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class DatabaseUrl:
    dialect: Dialect
    target: str  # SQLite: the file's path (or ":memory:"); PostgreSQL: the libpq URL

    @classmethod
    def parse(cls, url: str) -> DatabaseUrl:
        url = url.strip()
        scheme, _, rest = url.partition("://")
        scheme = scheme.lower().split("+", 1)[0]  # postgresql+asyncpg:// as SQLAlchemy writes it
        if scheme == "sqlite":
            path = rest[1:] if rest.startswith("/") else rest  # sqlite:///rel, sqlite:////abs
            if not path:
                raise DatabaseUrlError("DATABASE_URL sqlite:/// needs a file path")
            return cls(Dialect.SQLITE, path)
        if scheme in ("postgresql", "postgres"):
            parts = urlsplit(url)
            if not parts.hostname and "host=" not in parts.query:
                raise DatabaseUrlError("DATABASE_URL postgresql:// needs a host")
            return cls(Dialect.POSTGRESQL, urlunsplit(("postgresql", *parts[1:])))
        raise DatabaseUrlError(
            f"DATABASE_URL must start with sqlite:/// or postgresql://, not {scheme or url!r}")

    @classmethod
    def of_path(cls, path: Path | str) -> DatabaseUrl:
        return cls(Dialect.SQLITE, str(path))

    def shown(self) -> str:
        """For logs and messages: the password left out."""
        if self.dialect is Dialect.SQLITE:
            return self.target
        parts = urlsplit(self.target)
        if parts.password is None:
            return self.target
        netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, netloc, *parts[2:]))
