"""FAQ feedback and unanswered questions: what operators read to improve the content."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.records import to_db


class FaqStatsRepo:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def add_feedback(
        self, entry_id: str, helpful: bool, platform: str, user_id: str, now: datetime,
        answer_key: str | None = None,
    ) -> bool:
        """False when this person already rated this answer: it counts once."""
        cur = await self._conn.execute(
            "INSERT OR IGNORE INTO faq_feedback (entry_id, helpful, platform, user_id, "
            "created_at, answer_key) VALUES (?, ?, ?, ?, ?, ?)",
            (entry_id, int(helpful), platform, user_id, to_db(now), answer_key),
        )
        return cur.rowcount == 1

    async def add_unanswered(
        self, question: str, normalized: str, platform: str, now: datetime
    ) -> None:
        await self._conn.execute(
            "INSERT INTO faq_unanswered (question, normalized, platform, created_at) "
            "VALUES (?, ?, ?, ?)",
            (question, normalized, platform, to_db(now)),
        )

    async def top_unanswered(self, limit: int = 10) -> list[tuple[str, int]]:
        """Most frequent unanswered questions: (an example wording, count)."""
        async with self._conn.execute(
            "SELECT MAX(question) AS q, COUNT(*) AS n FROM faq_unanswered "
            "GROUP BY normalized ORDER BY n DESC, q LIMIT ?",
            (limit,),
        ) as cur:
            return [(row["q"], row["n"]) for row in await cur.fetchall()]

    async def least_helpful(self, limit: int = 10) -> list[tuple[str, int, int]]:
        """Entries by share of "no": (entry id, helpful, not helpful)."""
        async with self._conn.execute(
            "SELECT entry_id, SUM(helpful) AS yes, SUM(1 - helpful) AS no FROM faq_feedback "
            "GROUP BY entry_id HAVING no > 0 "
            "ORDER BY CAST(no AS REAL) / COUNT(*) DESC, no DESC LIMIT ?",
            (limit,),
        ) as cur:
            return [(row["entry_id"], row["yes"], row["no"]) for row in await cur.fetchall()]
