"""Reading the bot's database in tests as an operator would: plain SQL on the file, read-only
(the bot writes in WAL mode, so a reader sees every committed turn)."""

from __future__ import annotations

import sqlite3
from typing import Any

from bot.app import App
from storage.dialect import Dialect
from tests.pg import fetch_rows, in_own_loop


def rows(app: App, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    if app.settings.database.dialect is Dialect.POSTGRESQL:
        return in_own_loop(fetch_rows(app.settings.database.target, sql, args))
    uri = f"file:{app.settings.database_path}?mode=ro"
    with sqlite3.connect(uri, uri=True) as conn:
        return [tuple(r) for r in conn.execute(sql, args)]


def write(app: App, sql: str, *args: Any) -> None:
    """What no flow would let in, written straight into the database."""
    if app.settings.database.dialect is Dialect.POSTGRESQL:
        in_own_loop(fetch_rows(app.settings.database.target, sql, args))
        return
    with sqlite3.connect(app.settings.database_path) as conn:
        conn.execute(sql, args)
    conn.close()
