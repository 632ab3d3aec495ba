"""Conversation state per (platform, chat, user): survives restarts, shared by all
transports; a task started in one chat is finished in that chat only."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from storage.records import DialogState, to_db
from storage.sql_port import SqlSession

# Also in the turn's opening batch (storage/turn_repo.py): one statement, two callers.
STATE_SQL = ("SELECT state, data FROM dialog_state WHERE platform = ? AND chat_id = ? "
             "AND user_id = ?")
SEEN_SQL = ("INSERT INTO seen_updates (platform, update_key, seen_at) VALUES (?, ?, ?) "
            "ON CONFLICT DO NOTHING")


def state_of(rows: list[sqlite3.Row]) -> DialogState:
    return DialogState(rows[0]["state"], json.loads(rows[0]["data"])) if rows else DialogState()


class DialogStateRepo:
    def __init__(self, conn: SqlSession) -> None:
        self._conn = conn

    async def get(self, platform: str, chat_id: str, user_id: str) -> DialogState:
        return state_of(await self._conn.execute_fetchall(STATE_SQL,
                                                          (platform, chat_id, user_id)))

    async def set(self, platform: str, chat_id: str, user_id: str, state: DialogState,
                  now: datetime) -> None:
        if state == DialogState():  # idle with nothing to remember: no row at all
            self._conn.defer(
                "DELETE FROM dialog_state WHERE platform = ? AND chat_id = ? AND user_id = ?",
                (platform, chat_id, user_id))
            return
        self._conn.defer(
            "INSERT INTO dialog_state (platform, chat_id, user_id, state, data, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(platform, chat_id, user_id) DO UPDATE SET "
            "state = excluded.state, data = excluded.data, updated_at = excluded.updated_at",
            (platform, chat_id, user_id, state.state, json.dumps(state.data, ensure_ascii=False),
             to_db(now)),
        )

    async def first_time(self, platform: str, update_key: str, now: datetime) -> bool:
        """Record an update as handled; False if it was handled before (a redelivery)."""
        cur = await self._conn.execute(SEEN_SQL, (platform, update_key, to_db(now)))
        return cur.rowcount == 1

    async def forget_updates_before(self, moment: datetime, limit: int = 1000) -> int:
        """At most `limit` of the updates seen before `moment` go, the oldest first (through
        seen_updates_age, then the primary key): the retention job's batch, a short
        transaction. Returns how many went: fewer than `limit` means none is left."""
        cur = await self._conn.execute(
            "DELETE FROM seen_updates WHERE (platform, update_key) IN ("
            "SELECT platform, update_key FROM seen_updates WHERE seen_at < ? "
            "ORDER BY seen_at LIMIT ?)", (to_db(moment), limit))
        return cur.rowcount
