"""FAQ feedback and unanswered questions: what operators read to improve the content."""

from __future__ import annotations

from datetime import datetime

from storage.records import to_db
from storage.sql_port import SqlSession


class FaqStatsRepo:
    def __init__(self, conn: SqlSession) -> None:
        self._conn = conn

    async def add_feedback(
        self, entry_id: str, helpful: bool, platform: str, user_id: str, now: datetime,
        answer_key: str | None = None,
    ) -> bool:
        """False when this person already rated this answer: it counts once."""
        cur = await self._conn.execute(
            "INSERT INTO faq_feedback (entry_id, helpful, platform, user_id, "
            "created_at, answer_key) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (entry_id, int(helpful), platform, user_id, to_db(now), answer_key),
        )
        return cur.rowcount == 1

    async def add_unanswered(
        self, question: str, normalized: str, platform: str, now: datetime
    ) -> None:
        self._conn.defer(
            "INSERT INTO faq_unanswered (question, normalized, platform, created_at) "
            "VALUES (?, ?, ?, ?)",
            (question, normalized, platform, to_db(now)),
        )

    async def top_unanswered(self, limit: int = 10) -> list[tuple[str, int]]:
        """Most frequent unanswered questions: (an example wording, count). The counts are
        kept by triggers (migration 0010), read in order; the example is one index seek."""
        rows = await self._conn.execute_fetchall(
            "SELECT (SELECT MAX(u.question) FROM faq_unanswered u "
            "WHERE u.normalized = t.normalized) AS q, t.asked AS n "
            "FROM faq_unanswered_totals t ORDER BY t.asked DESC, t.normalized LIMIT ?",
            (limit,))
        return [(row["q"], row["n"]) for row in rows]

    async def least_helpful(self, limit: int = 10) -> list[tuple[str, int, int]]:
        """Entries by share of "no": (entry id, helpful, not helpful). The totals are kept by
        triggers (migration 0010) and read in this order from their index."""
        share = f"{self._conn.dialect.as_double('no')} / (yes + no)"  # the index's words
        rows = await self._conn.execute_fetchall(
            "SELECT entry_id, yes, no FROM faq_feedback_totals WHERE no > 0 "
            f"ORDER BY {share} DESC, no DESC LIMIT ?",
            (limit,))
        return [(row["entry_id"], row["yes"], row["no"]) for row in rows]
