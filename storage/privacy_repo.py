"""Personal data removal (152-FZ): anonymising a person and their appeals, retention."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from storage.records import to_db
from storage.sql_port import SqlSession


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


class PrivacyRepo:
    def __init__(self, conn: SqlSession) -> None:
        self._conn = conn

    async def appeal_ids_of(self, user_id: int) -> list[int]:
        rows = await self._conn.execute_fetchall(
            "SELECT id FROM appeals WHERE citizen_id = ? ORDER BY id", (user_id,))
        return [row[0] for row in rows]

    async def anonymise_appeals(self, appeal_ids: list[int], placeholder: str,
                                now: datetime) -> None:
        """The texts and chats of these appeals go; numbers, dates, statuses and the
        audit trail stay."""
        if not appeal_ids:
            return
        marks = _marks(appeal_ids)
        self._conn.defer(
            f"UPDATE appeals SET text = ?, chat_id = '', anonymised_at = ? WHERE id IN ({marks})",
            (placeholder, to_db(now), *appeal_ids))
        # The thread goes but for the cards (their chats and message ids: the edits that
        # take the text out of the staff chats). A blanked row would keep nothing the
        # audit trail does not, and its emptied space would stay in its page.
        self._conn.defer(
            f"DELETE FROM appeal_messages WHERE appeal_id IN ({marks}) AND kind != 'card'",
            appeal_ids)
        self._conn.defer(
            f"UPDATE appeal_events SET detail = '{{}}' WHERE appeal_id IN ({marks}) "
            f"AND kind IN ('follow_up', 'answered')", appeal_ids)

    async def drop_messages(self, appeal_ids: list[int], chats: list[tuple[str, str]],
                            blank_payload: str) -> None:
        """Messages not yet sent to the person's chats or about their appeals are dropped;
        the kept card rows (they say which chats to edit) lose their payload."""
        for platform, chat_id in chats:
            self._conn.defer(
                "DELETE FROM outbox WHERE platform = ? AND chat_id = ?", (platform, chat_id))
        if appeal_ids:
            marks = _marks(appeal_ids)
            self._conn.defer(
                f"DELETE FROM outbox WHERE appeal_id IN ({marks}) AND status != 'sent'",
                appeal_ids)
            self._conn.defer(
                f"UPDATE outbox SET payload = ? WHERE appeal_id IN ({marks})",
                (blank_payload, *appeal_ids))

    async def anonymise_user(self, user_id: int, platform: str, platform_user_id: str,
                             now: datetime) -> None:
        """The person's row keeps its id (appeal statistics point at it) and nothing else;
        if they write again they are a new person."""
        self._conn.defer(
            "UPDATE users SET platform_user_id = ?, chat_id = '', display_name = '', "
            "forgotten_at = ? WHERE id = ?", (f"forgotten-{user_id}", to_db(now), user_id))
        self._conn.defer(
            "DELETE FROM dialog_state WHERE platform = ? AND user_id = ?",
            (platform, platform_user_id))
        self._conn.defer(
            "UPDATE faq_feedback SET user_id = '', answer_key = NULL "
            "WHERE platform = ? AND user_id = ?", (platform, platform_user_id))
        self._conn.defer("DELETE FROM group_members WHERE user_id = ?", (user_id,))

    # retention

    async def closed_appeals_before(self, moment: datetime, limit: int = 500) -> list[int]:
        rows = await self._conn.execute_fetchall(
            "SELECT id FROM appeals WHERE status = 'closed' AND anonymised_at IS NULL "
            # +id: the rows past the term from their index (appeals_to_anonymise), not a walk
            # of every appeal in id order
            "AND COALESCE(closed_at, updated_at) < ? ORDER BY +id LIMIT ?",
            (to_db(moment), limit))
        return [row[0] for row in rows]

    async def forget_questions_before(self, moment: datetime,
                                      limit: int = 1000) -> tuple[int, int]:
        """One batch: at most `limit` unanswered questions asked before `moment` go
        (faq_unanswered_age) and as many feedback rows lose their author
        (faq_feedback_identified: an anonymised row leaves it). (deleted, anonymised)."""
        stamp = to_db(moment)
        removed, anonymised = await self._conn.batch([
            ("DELETE FROM faq_unanswered WHERE id IN (SELECT id FROM faq_unanswered "
             "WHERE created_at < ? ORDER BY created_at LIMIT ?)", (stamp, limit)),
            ("UPDATE faq_feedback SET user_id = '', answer_key = NULL WHERE id IN ("
             "SELECT id FROM faq_feedback WHERE created_at < ? AND user_id != '' "
             "ORDER BY created_at LIMIT ?)", (stamp, limit)),
        ])
        return max(removed.rowcount, 0), max(anonymised.rowcount, 0)

    # compaction: a closed appeal no reply can reach any more keeps only its record

    async def appeals_to_compact(self, closed_before: datetime,
                                 limit: int = 100) -> list[tuple[int, str]]:
        """(id, closed_at) of the next closed appeals past the compaction mark, closed
        before the moment, in (closed_at, id) order (appeals_closed)."""
        rows = await self._conn.execute_fetchall(
            "SELECT id, closed_at FROM appeals WHERE closed_at IS NOT NULL AND closed_at < ? "
            "AND (closed_at, id) > (SELECT COALESCE(MAX(until), ''), COALESCE(MAX(last_id), 0) "
            "FROM retention_progress WHERE step = 'compaction') AND status = 'closed' "
            "ORDER BY closed_at, id LIMIT ?", (to_db(closed_before), limit))
        return [(int(row[0]), str(row[1])) for row in rows]

    async def compact_appeals(self, appeals: list[tuple[int, str]]) -> None:
        """Their delivered outbox rows go, a sent card's chat kept in card_copies (the status
        edits of a later /forget find it through outbox.card_chats); rows still to send
        stay. The mark moves past them. The thread: storage/appeals_repo.py prune_thread."""
        if not appeals:
            return
        appeal_ids = [appeal_id for appeal_id, _ in appeals]
        marks = _marks(appeal_ids)
        self._conn.defer(
            "INSERT INTO card_copies (appeal_id, institution_id, platform, chat_id) "
            f"SELECT appeal_id, institution_id, platform, chat_id FROM outbox "
            f"WHERE appeal_id IN ({marks}) AND kind = 'card' AND status = 'sent' "
            "AND institution_id IS NOT NULL ON CONFLICT DO NOTHING", appeal_ids)
        self._conn.defer(
            f"DELETE FROM outbox WHERE appeal_id IN ({marks}) AND status = 'sent'", appeal_ids)
        last_id, until = appeals[-1]
        self._conn.defer(
            "INSERT INTO retention_progress (step, until, last_id) VALUES ('compaction', ?, ?) "
            "ON CONFLICT (step) DO UPDATE SET until = excluded.until, last_id = excluded.last_id",
            (until, last_id))
