"""Appeals, their audit trail and their message thread."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from storage.dialect import Dialect
from storage.records import (
    OPEN_STATUSES,
    Appeal,
    AppealEvent,
    AppealStatus,
    ChatRef,
    DueReminder,
    Routing,
    SuggestionOutcome,
    ThreadMessage,
    from_db,
    to_db,
)
from storage.sql_port import SqlSession

_OPEN = ", ".join(f"'{status.value}'" for status in OPEN_STATUSES)
# The staff queue: open appeals, and answered ones whose answer did not reach the citizen.
# Statuses as literals, word for word the condition of the partial indexes appeals_queue_open
# and appeals_open_status (migration 0010): a partial index serves only a query that carries
# its condition, and `status IN (?, ?)` bound as parameters does not.
QUEUE = (f"(status IN ({_OPEN}) OR (status = '{AppealStatus.ANSWERED.value}' "
         "AND undelivered_at IS NOT NULL))")
OPEN = f"status IN ({_OPEN})"
# The deadline an appeal of the queue works to now: bot/appeals/digests.py current_deadline.
_WORKING_DEADLINE = ("(CASE WHEN first_response_at IS NULL AND first_response_due < due_at "
                     "THEN first_response_due ELSE due_at END)")


def _scope(institution_ids: Sequence[str]) -> tuple[str, dict[str, str]]:
    """` AND institution_id IN (:i0, ...)` and its named parameters."""
    names = {f"i{n}": inst for n, inst in enumerate(institution_ids)}
    return f" AND institution_id IN ({', '.join(':' + k for k in names)})", names


def appeal_of_row(row: aiosqlite.Row) -> Appeal:
    return Appeal(
        id=row["id"], number=row["number"], citizen_id=row["citizen_id"],
        platform=row["platform"], chat_id=row["chat_id"], institution_id=row["institution_id"],
        category=row["category"], text=row["text"], status=AppealStatus(row["status"]),
        assignee_id=row["assignee_id"], rating=row["rating"],
        created_at=from_db(row["created_at"]), updated_at=from_db(row["updated_at"]),
        first_response_due=from_db(row["first_response_due"]), due_at=from_db(row["due_at"]),
        first_response_at=from_db(row["first_response_at"]),
        answered_at=from_db(row["answered_at"]), closed_at=from_db(row["closed_at"]),
        next_reminder_at=from_db(row["next_reminder_at"]), reminder_stage=row["reminder_stage"],
        overdue_at=from_db(row["overdue_at"]), escalated_at=from_db(row["escalated_at"]),
        extended_at=from_db(row["extended_at"]),
        undelivered_at=from_db(row["undelivered_at"]),
        undelivered_reason=row["undelivered_reason"],
        answers_given=row["answers_given"], reopens=row["reopens"], abuse=row["abuse"],
        anonymised_at=from_db(row["anonymised_at"]),
        suggested_institution_id=row["suggested_institution_id"],
        first_choice_id=row["first_choice_id"],
        suggestion=SuggestionOutcome(row["suggestion"]) if row["suggestion"] else None,
        repeats=row["repeats"],
    )


_FILED = ("citizen_id, platform, chat_id, institution_id, category, text, status, created_at, "
          "updated_at, first_response_due, due_at, abuse, next_reminder_at, reminder_stage, "
          "suggested_institution_id, first_choice_id, suggestion")


class AppealRepo:
    def __init__(self, conn: SqlSession) -> None:
        self._conn = conn

    async def create(
        self, *, citizen_id: int, platform: str, chat_id: str, institution_id: str,
        category: str, text: str, now: datetime, first_response_due: datetime, due_at: datetime,
        abuse: str = "", next_reminder_at: datetime | None = None, reminder_stage: int = 0,
        routing: Routing | None = None,
    ) -> Appeal:
        """The new row as filed, with its first reminder rung, abuse marks and what the
        bot suggested from the text (one trip)."""
        stamp = to_db(now)
        dialect = self._conn.dialect
        routing = routing or Routing()
        values = (citizen_id, platform, chat_id, institution_id, category, text, stamp, stamp,
                  to_db(first_response_due), to_db(due_at), abuse,
                  to_db(next_reminder_at) if next_reminder_at else None, reminder_stage,
                  routing.suggested or None, routing.first_choice or None,
                  routing.outcome.value if routing.outcome else None)
        # The number citizens quote: year and a sequence, e.g. 2026-000042, written with
        # the row from the id taken first: PostgreSQL's sequence (several workers filing
        # at once never wait on each other's unnumbered '' in the UNIQUE column); on
        # SQLite the rowid it would choose itself, the largest + 1, read inside the
        # unit's write lock (one statement, no UPDATE of the row just written).
        next_id = ("SELECT nextval(pg_get_serial_sequence('appeals', 'id')) AS id"
                   if dialect is Dialect.POSTGRESQL else
                   "SELECT COALESCE(MAX(id), 0) + 1 AS id FROM appeals")
        rows = await self._conn.execute_fetchall(
            f"WITH n AS ({next_id}) "
            f"INSERT INTO appeals (id, number, {_FILED}) SELECT n.id, CAST(? AS TEXT) || "
            f"'-' || {dialect.zero_padded('n.id', 6)}, "
            "?, ?, ?, ?, ?, ?, 'new', ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM n RETURNING *",
            (str(now.year), *values))
        return appeal_of_row(rows[0])

    async def bulk_insert(self, rows: list[dict[str, Any]]) -> None:
        """Many appeals at once (a migration of historical appeals, load tests).
        Each row: the columns of create() plus number, status, next_reminder_at, reminder_stage."""
        columns = ("number", "citizen_id", "platform", "chat_id", "institution_id", "category",
                   "text", "status", "created_at", "updated_at", "first_response_due", "due_at",
                   "next_reminder_at", "reminder_stage")
        self._conn.defer_many(
            f"INSERT INTO appeals ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})",
            [tuple(to_db(r[c]) if isinstance(r[c], datetime) else r[c] for c in columns)
             for r in rows],
        )

    async def get(self, appeal_id: int) -> Appeal | None:
        async with self._conn.execute("SELECT * FROM appeals WHERE id = ?", (appeal_id,)) as cur:
            row = await cur.fetchone()
        return appeal_of_row(row) if row else None

    async def by_number(self, number: str) -> Appeal | None:
        rows = list(await self._conn.execute_fetchall(
            "SELECT * FROM appeals WHERE number = ?", (number,)))
        return appeal_of_row(rows[0]) if rows else None

    async def update(self, appeal_id: int, now: datetime, **fields: Any) -> Appeal:
        """Set columns of one appeal (values may be datetimes) and bump updated_at."""
        allowed = {
            "status", "assignee_id", "rating", "institution_id", "first_response_at",
            "answered_at", "closed_at", "due_at", "first_response_due", "next_reminder_at",
            "reminder_stage", "overdue_at", "escalated_at", "extended_at", "undelivered_at",
            "undelivered_reason", "answers_given", "reopens", "abuse", "repeats",
        }
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        values = [to_db(v) if isinstance(v, datetime) else v for v in fields.values()]
        sets = ", ".join(f"{name} = ?" for name in fields)
        self._conn.defer(
            f"UPDATE appeals SET {sets}, updated_at = ? WHERE id = ?",
            (*values, to_db(now), appeal_id),
        )
        appeal = await self.get(appeal_id)
        assert appeal is not None
        return appeal

    async def filed_since(self, citizen_id: int, since: datetime) -> int:
        rows = await self._conn.execute_fetchall(
            "SELECT COUNT(*) FROM appeals WHERE citizen_id = ? AND created_at >= ?",
            (citizen_id, to_db(since)))
        return int(next(iter(rows))[0])

    async def of_citizen(self, citizen_id: int, limit: int = 10) -> list[Appeal]:
        async with self._conn.execute(
            "SELECT * FROM appeals WHERE citizen_id = ? ORDER BY id DESC LIMIT ?",
            (citizen_id, limit),
        ) as cur:
            return [appeal_of_row(row) for row in await cur.fetchall()]

    async def open_queue(
        self, institution_ids: Sequence[str] | None, limit: int = 20
    ) -> list[Appeal]:
        """Open appeals by deadline, and answered ones whose answer did not reach the
        citizen; None means every institution (operators, duty)."""
        sql = f"SELECT * FROM appeals WHERE {QUEUE}"
        params: dict[str, Any] = {"limit": limit}
        if institution_ids is not None:
            if not institution_ids:
                return []
            where, names = _scope(institution_ids)
            sql += where
            params |= names
        sql += " ORDER BY due_at, first_response_due, id LIMIT :limit"
        return [appeal_of_row(row) for row in await self._conn.execute_fetchall(sql, params)]

    async def queue_counts(self, institution_id: str | None, now: datetime,
                           until: datetime) -> tuple[int, int, int, int]:
        """(in the queue, new, due from now until `until`, overdue) of an institution's
        queue (None: every institution's), each against the deadline it works to now (the
        first response while none was given and it comes first, else the final one): the
        digests' figures, counted over the whole queue in one statement, not over its
        first rows."""
        scope = "" if institution_id is None else " AND institution_id = :inst"
        rows = await self._conn.execute_fetchall(
            f"SELECT COUNT(*), COUNT(*) FILTER (WHERE status = '{AppealStatus.NEW.value}'), "
            "COUNT(*) FILTER (WHERE d >= :now AND d < :until), COUNT(*) FILTER (WHERE d < :now) "
            f"FROM (SELECT status, {_WORKING_DEADLINE} AS d FROM appeals WHERE {QUEUE}{scope}) AS q",
            {"now": to_db(now), "until": to_db(until), "inst": institution_id})
        total, new, due_soon, overdue = next(iter(rows))  # aggregates: always one row
        return int(total), int(new), int(due_soon), int(overdue)

    async def queue_sizes(self) -> dict[str, int]:
        """How many appeals each institution has in the queue (appeals_queue_open_inst)."""
        rows = await self._conn.execute_fetchall(
            f"SELECT institution_id, COUNT(*) FROM appeals WHERE {QUEUE} "
            "GROUP BY institution_id")
        return {str(row[0]): int(row[1]) for row in rows}

    async def falling_due(self, before: datetime, limit: int) -> list[Appeal]:
        """The first appeals of the queue (in its order) whose working deadline comes
        before the moment: the handoff digest's lines."""
        rows = await self._conn.execute_fetchall(
            f"SELECT * FROM appeals WHERE {QUEUE} AND {_WORKING_DEADLINE} < :before "
            "ORDER BY due_at, first_response_due, id LIMIT :limit",
            {"before": to_db(before), "limit": limit})
        return [appeal_of_row(row) for row in rows]

    async def stats(self, institution_ids: Sequence[str] | None, now: datetime,
                    since: datetime) -> dict[str, Any]:
        """Figures for /stats: open by status, overdue, and the period's answers and ratings.
        Each figure reads its own index: the open ones the open appeals, the period's the
        period (never the whole history); one statement, one round trip."""
        where, params = "", {"now": to_db(now), "since": to_db(since)}
        period = ""  # +institution_id: the period's figures read their date index
        if institution_ids is not None:
            where, names = _scope(institution_ids or [""])
            period = where.replace("institution_id", self._conn.dialect.unindexed("institution_id"))
            params |= names
        sql = (
            "SELECT o.new, o.in_progress, o.overdue, "
            f"(SELECT COUNT(*) FROM appeals WHERE created_at >= :since{period}), "
            f"(SELECT COUNT(*) FROM appeals WHERE answered_at >= :since{period}), "
            "(SELECT COUNT(*) FROM appeals WHERE first_response_at >= :since "
            f"AND first_response_at <= first_response_due{period}), "
            f"(SELECT COUNT(*) FROM appeals WHERE first_response_at >= :since{period}), "
            f"(SELECT AVG(rating) FROM appeals WHERE closed_at >= :since{period}) "
            f"FROM (SELECT COUNT(*) FILTER (WHERE status = '{AppealStatus.NEW.value}') AS new, "
            f"COUNT(*) FILTER (WHERE status = '{AppealStatus.IN_PROGRESS.value}') AS in_progress, "
            f"COUNT(*) FILTER (WHERE due_at < :now) AS overdue FROM appeals WHERE {OPEN}{where}) AS o"
        )
        rows = await self._conn.execute_fetchall(sql, params)
        row = next(iter(rows))  # aggregates: always one row
        keys = ("new", "in_progress", "overdue", "received", "answered",
                "first_response_on_time", "first_responses", "avg_rating")
        return {k: (v if v is not None else (None if k == "avg_rating" else 0))
                for k, v in zip(keys, row, strict=True)}

    async def reminders_due(self, now: datetime, limit: int) -> list[DueReminder]:
        """Open appeals whose next reminder is due: the partial index keeps this
        proportional to the number due, not to the number open."""
        async with self._conn.execute(
            "SELECT id, number, platform, chat_id, institution_id, created_at, "
            "first_response_due, due_at, first_response_at IS NOT NULL, escalated_at IS NOT NULL, "
            "reminder_stage FROM appeals WHERE next_reminder_at IS NOT NULL "
            "AND next_reminder_at <= ? AND status IN ('new', 'in_progress') "
            "ORDER BY next_reminder_at LIMIT ?",
            (to_db(now), limit),
        ) as cur:
            rows = await cur.fetchall()
        parse = datetime.fromisoformat
        return [DueReminder(r[0], r[1], r[2], r[3], r[4], parse(r[5]), parse(r[6]), parse(r[7]),
                            bool(r[8]), bool(r[9]), r[10]) for r in rows]

    async def set_reminder_states(self, rows: list[tuple[Any, ...]], now: datetime) -> None:
        """Batch: (next_reminder_at, reminder_stage, overdue_at, escalated_at, id)."""
        del now  # reminder progress is bookkeeping, not a change a person made: no updated_at
        self._conn.defer_many(
            "UPDATE appeals SET next_reminder_at = ?, reminder_stage = ?, "
            "overdue_at = COALESCE(overdue_at, ?), escalated_at = COALESCE(escalated_at, ?) "
            "WHERE id = ?",
            [(to_db(a), b, to_db(c), to_db(d), e) for a, b, c, d, e in rows],
        )

    async def add_events(self, rows: list[tuple[int, str, dict[str, Any]]],
                         now: datetime) -> None:
        """Batch of system events: (appeal_id, kind, detail)."""
        stamp = to_db(now)
        self._conn.defer_many(
            "INSERT INTO appeal_events (appeal_id, actor_id, kind, detail, created_at) "
            "VALUES (?, NULL, ?, ?, ?)",
            [(a, k, json.dumps(d, ensure_ascii=False), stamp) for a, k, d in rows],
        )

    async def open_of_institution(self, institution_id: str, limit: int = 200) -> list[Appeal]:
        return await self.open_queue([institution_id], limit)

    # audit trail

    async def add_event(
        self, appeal_id: int, kind: str, now: datetime, actor_id: int | None = None,
        **detail: Any,
    ) -> None:
        self._conn.defer(
            "INSERT INTO appeal_events (appeal_id, actor_id, kind, detail, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (appeal_id, actor_id, kind, json.dumps(detail, ensure_ascii=False), to_db(now)),
        )

    async def events(self, appeal_id: int) -> list[AppealEvent]:
        async with self._conn.execute(
            "SELECT * FROM appeal_events WHERE appeal_id = ? ORDER BY id", (appeal_id,)
        ) as cur:
            return [
                AppealEvent(row["id"], row["appeal_id"], row["actor_id"], row["kind"],
                            json.loads(row["detail"]), from_db(row["created_at"]))
                for row in await cur.fetchall()
            ]

    # thread

    async def add_message(
        self, appeal_id: int, kind: str, platform: str, chat_id: str, now: datetime, *,
        text: str = "", message_id: str | None = None, author_id: int | None = None,
    ) -> None:
        self._conn.defer(
            "INSERT INTO appeal_messages (appeal_id, kind, platform, chat_id, message_id, "
            "author_id, text, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (appeal_id, kind, platform, chat_id, message_id, author_id, text, to_db(now)),
        )

    async def thread(self, appeal_id: int) -> list[ThreadMessage]:
        """The appeal's conversation in order. It opens with the citizen's text as filed,
        kept once in appeals.text (id 0 here); an opening row stored by an earlier version
        (the same text at the same moment) is that message, shown once."""
        rows = await self._conn.execute_fetchall(
            "SELECT 0 AS id, id AS appeal_id, 'citizen' AS kind, platform, chat_id, "
            "NULL AS message_id, text, created_at FROM appeals WHERE id = :id UNION ALL "
            "SELECT id, appeal_id, kind, platform, chat_id, message_id, text, created_at "
            "FROM appeal_messages WHERE appeal_id = :id ORDER BY 1",
            {"id": appeal_id})
        thread = [ThreadMessage(row[0], row[1], row[2], row[3], row[4], row[5], row[6],
                                from_db(row[7])) for row in rows]
        if not thread:
            return []
        opening, rest = thread[0], thread[1:]
        first_citizen = next((m for m in rest if m.kind == "citizen"), None)
        if first_citizen is not None and (first_citizen.text, first_citizen.created_at) == (
                opening.text, opening.created_at):
            return rest
        return thread

    async def appeal_of_message(self, platform: str, chat_id: str, message_id: str) -> int | None:
        """Which appeal a platform message (a card, a forwarded answer) belongs to."""
        async with self._conn.execute(
            "SELECT appeal_id FROM appeal_messages WHERE platform = ? AND chat_id = ? "
            "AND message_id = ?",
            (platform, chat_id, message_id),
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else None

    async def card_messages(self, appeal_id: int) -> list[tuple[str, str, str]]:
        """(platform, chat_id, message_id) of every card posted for an appeal."""
        async with self._conn.execute(
            "SELECT platform, chat_id, message_id FROM appeal_messages WHERE appeal_id = ? "
            "AND kind = 'card' AND message_id IS NOT NULL ORDER BY id",
            (appeal_id,),
        ) as cur:
            return [(row[0], row[1], row[2]) for row in await cur.fetchall()]

    async def prune_thread(self, appeal_ids: list[int]) -> None:
        """Closed appeals no reply can reach any more (retention's compaction): the notices
        go (their message id only let a reply find the appeal), so does an opening message
        stored by an earlier version (it repeats appeals.text, where the thread opens), and
        the citizen's other messages and the staff answers lose their message ids (a reply to
        them found the appeal). Their texts and the cards' message ids stay (the record; the
        edits a later /forget makes)."""
        if not appeal_ids:
            return
        marks = ", ".join("?" for _ in appeal_ids)
        self._conn.defer(
            f"DELETE FROM appeal_messages WHERE appeal_id IN ({marks}) AND (kind = 'notice' "
            "OR (kind = 'citizen' AND id = (SELECT MIN(m.id) FROM appeal_messages m "
            "WHERE m.appeal_id = appeal_messages.appeal_id AND m.kind = 'citizen') "
            "AND text = (SELECT a.text FROM appeals a WHERE a.id = appeal_messages.appeal_id)))",
            appeal_ids)
        self._conn.defer(
            f"UPDATE appeal_messages SET message_id = NULL WHERE appeal_id IN ({marks}) "
            "AND kind IN ('citizen', 'staff') AND message_id IS NOT NULL", appeal_ids)

    async def last_staff_chat(self, appeal_id: int) -> ChatRef | None:
        """The chat the latest staff answer of an appeal came from."""
        rows = list(await self._conn.execute_fetchall(
            "SELECT platform, chat_id FROM appeal_messages WHERE appeal_id = ? AND kind = 'staff' "
            "ORDER BY id DESC LIMIT 1", (appeal_id,)))
        return ChatRef(rows[0][0], rows[0][1]) if rows else None
