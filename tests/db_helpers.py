"""Reading the bot's database in tests as an operator would: plain SQL on the file, read-only
(the bot writes in WAL mode, so a reader sees every committed turn)."""

from __future__ import annotations

import sqlite3
from typing import Any

from bot.app import App


def rows(app: App, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    uri = f"file:{app.settings.database_path}?mode=ro"
    with sqlite3.connect(uri, uri=True) as conn:
        return [tuple(r) for r in conn.execute(sql, args)]
