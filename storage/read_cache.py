"""A unit of work's cache of reads (both sessions: storage/session.py, pg_session.py).

`cached` reads (an institution, its inbox chats, the operators) are asked once per unit
however many steps of the turn need them, until the unit writes to one of the tables the
read depends on; a batch that read the same rows already can `prime` them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

_WRITTEN = re.compile(r"\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|"
                      r"UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+(\w+)", re.IGNORECASE)
_READ = re.compile(r"\s*(?:SELECT|WITH|PRAGMA\s+\w+\s*$|BEGIN|COMMIT|ROLLBACK)", re.IGNORECASE)


def forgotten_tables(sql: str) -> frozenset[str] | None:
    """Which tables a statement may change: None for a read (nothing to forget), an empty
    set for a statement we cannot place (forget all)."""
    if _READ.match(sql):
        return None
    written = _WRITTEN.match(sql)
    return frozenset() if written is None else frozenset((written.group(1).lower(),))


class ReadCache:
    def __init__(self) -> None:
        self._entries: dict[tuple[str, tuple[Any, ...]], tuple[frozenset[str], list[Any]]] = {}

    def get(self, sql: str, params: Sequence[Any]) -> list[Any] | None:
        hit = self._entries.get((sql, tuple(params)))
        return None if hit is None else hit[1]

    def put(self, sql: str, params: Sequence[Any], tables: frozenset[str], rows: list[Any]) -> None:
        """`tables`: every table the read depends on, including what triggers write."""
        self._entries[(sql, tuple(params))] = (tables, rows)

    def forget(self, sql: str) -> None:
        """A statement of the unit is about to run: drop the reads it may change."""
        if not self._entries:
            return
        tables = forgotten_tables(sql)
        if tables is None:
            return
        if not tables:
            self._entries.clear()
            return
        for key in [k for k, (read, _) in self._entries.items() if read & tables]:
            del self._entries[key]
