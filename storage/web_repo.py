"""The web console's storage (issue 17): sign-in links and sessions (only hashes of their
tokens), internal notes, and the queue page's reads: the filtered, paginated list of
appeals and what the appeal page shows besides the thread (attachments, the deliveries
of its cards and reminders).

The queue's statement carries the queue's condition word for word when it lists the
queue (storage/appeals_repo.py's QUEUE), so it walks the partial index appeals_queue_open
in deadline order; other statuses read a period (appeals_created) or an institution's
rows (appeals_queue); a search reads the full-text indexes of migration 0016 first
(on PostgreSQL the GIN indexes of the same names, over to_tsvector('simple', text)).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.appeals_repo import OPEN, QUEUE, appeal_of_row
from storage.dialect import Dialect
from storage.records import Appeal, AppealStatus, from_db, to_db
from storage.sql_port import SqlSession

# The deadline an open appeal works to now (bot/appeals/digests.py current_deadline).
WORKING_DEADLINE = ("(CASE WHEN first_response_at IS NULL AND first_response_due < due_at "
                    "THEN first_response_due ELSE due_at END)")
QUEUE_STATUSES = ("queue", "new", "in_progress")  # views of the queue: its partial index
STATUSES = ("queue", *(s.value for s in AppealStatus), "all")
# A search reads the newest this many matches in the texts (and as many in the answers):
# FTS5 gives them in rowid order and stops there. A common word ("врач*": a third of 1M
# appeals) would otherwise have every match looked up and sorted by deadline (630 ms).
SEARCH_CANDIDATES = 10_000
# The terms of an FTS5 expression as bot/web/queue.py writes it: "word"* "word"* (all of
# them, each a prefix); a bare word is taken as written.
_FTS5_TERM = re.compile(r'"((?:[^"]|"")*)"(\*?)|([^\s"*()]+)(\*?)')
# PostgreSQL's search of the same rows: the expressions of the GIN indexes appeals_fts and
# answers_fts (storage/migrations/postgresql/0017_baseline.sql) word for word, the newest
# SEARCH_CANDIDATES matches of each as in FTS5.
_PG_APPEALS_MATCH = ("(SELECT s.id FROM appeals s WHERE to_tsvector('simple', s.text) "
                     "@@ to_tsquery('simple', :match) ORDER BY s.id DESC LIMIT :candidates)")
_PG_ANSWERS_MATCH = ("(SELECT m.appeal_id FROM appeal_messages m WHERE m.kind = 'staff' "
                     "AND to_tsvector('simple', m.text) @@ to_tsquery('simple', :match) "
                     "ORDER BY m.id DESC LIMIT :candidates)")


@dataclass(frozen=True, slots=True)
class WebGrant:
    """Whom a sign-in link or a session signs in as."""

    user_id: int
    role: str  # admin | duty | operator | member
    institution_id: str | None  # None: every institution of that role


@dataclass(frozen=True, slots=True)
class Note:
    id: int
    appeal_id: int
    author_id: int
    text: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Delivery:
    """One outbox row of an appeal, for its timeline."""

    kind: str
    platform: str
    chat_id: str
    status: str
    created_at: datetime
    sent_at: datetime | None
    payload: str


@dataclass(frozen=True, slots=True)
class QueueQuery:
    """The queue page's filters, already checked (bot/web/queue.py)."""

    now: datetime
    scope: Sequence[str] | None  # institutions the user may see; None: all
    status: str = "queue"  # one of STATUSES
    institution: str | None = None
    category: str | None = None
    platform: str | None = None
    created_from: datetime | None = None
    created_before: datetime | None = None
    overdue: bool = False
    due_before: datetime | None = None  # "due within 24 h": now <= deadline < due_before
    match: str | None = None  # an FTS5 expression over the text and the answers
    appeal_id: int | None = None  # a number typed: its id (2026-000042 -> 42)
    number: str | None = None  # ... and the whole number, when typed with its year
    offset: int = 0
    limit: int = 50


def tsquery(match: str) -> str:
    """PostgreSQL's tsquery of an FTS5 expression: every term (AND), a term with * a
    prefix (`'word':*`). Each term quoted, so nothing typed is read as an operator; a term
    the parser splits (`abc_def`) is a phrase of its parts, as in FTS5."""
    terms = []
    for found in _FTS5_TERM.finditer(match):
        quoted, star, bare, bare_star = found.groups()
        word = quoted.replace('""', '"') if quoted is not None else bare
        if word.upper() in ("AND", "OR", "NOT") and quoted is None:
            continue
        escaped = word.replace("\\", "\\\\").replace("'", "''")
        terms.append(f"'{escaped}'" + (":*" if (star or bare_star) else ""))
    return " & ".join(terms)


def _where(q: QueueQuery, dialect: Dialect = Dialect.SQLITE) -> tuple[str, dict[str, Any]]:
    parts: list[str] = []
    params: dict[str, Any] = {"now": to_db(q.now)}
    if q.status in QUEUE_STATUSES or q.overdue or q.due_before is not None:
        parts.append(QUEUE)  # word for word: the partial index serves it
    if q.status in ("new", "in_progress", "answered", "closed"):
        parts.append(f"status = '{AppealStatus(q.status).value}'")
    if q.overdue or q.due_before is not None:
        parts.append(OPEN)
    if q.overdue:
        parts.append(f"{WORKING_DEADLINE} < :now")
    if q.due_before is not None:
        parts.append(f"{WORKING_DEADLINE} >= :now AND {WORKING_DEADLINE} < :due_before")
        params["due_before"] = to_db(q.due_before)
    if q.scope is not None:
        names = {f"s{n}": inst for n, inst in enumerate(q.scope)} or {"s0": ""}
        parts.append(f"institution_id IN ({', '.join(':' + k for k in names)})")
        params |= names
    if q.institution is not None:
        parts.append("institution_id = :institution")
        params["institution"] = q.institution
    if q.category is not None:
        parts.append("category = :category")
        params["category"] = q.category
    if q.platform is not None:
        parts.append("platform = :platform")
        params["platform"] = q.platform
    if q.created_from is not None:
        parts.append("created_at >= :created_from")
        params["created_from"] = to_db(q.created_from)
    if q.created_before is not None:
        parts.append("created_at < :created_before")
        params["created_before"] = to_db(q.created_before)
    if (found := (_pg_found if dialect is Dialect.POSTGRESQL else _found)(q, params)):
        parts.append(found)
    return " AND ".join(parts) or "1 = 1", params


def _found(q: QueueQuery, params: dict[str, Any]) -> str | None:
    """What a search finds: the number, the id, the matches of the text or an answer."""
    found: list[str] = []
    if q.number is not None:
        found.append("number = :number")
        params["number"] = q.number
    if q.appeal_id is not None:
        found.append("id = :appeal_id")
        params["appeal_id"] = q.appeal_id
    if q.match is not None:
        found.append("id IN (SELECT rowid FROM appeals_fts WHERE appeals_fts MATCH :match "
                     "ORDER BY rowid DESC LIMIT :candidates)")
        found.append("id IN (SELECT m.appeal_id FROM answers_fts f JOIN appeal_messages m "
                     "ON m.id = f.rowid WHERE answers_fts MATCH :match "
                     "ORDER BY f.rowid DESC LIMIT :candidates)")
        params["match"] = q.match
        params["candidates"] = SEARCH_CANDIDATES
    return "(" + " OR ".join(found) + ")" if found else None


def _pg_found(q: QueueQuery, params: dict[str, Any]) -> str | None:
    """_found on PostgreSQL: the ids of every way found in one `id IN (... UNION ALL ...)`,
    a semi-join on the primary key (an OR of IN (subquery) is a filter on every appeal)."""
    found: list[str] = []
    if q.number is not None:
        found.append("(SELECT n.id FROM appeals n WHERE n.number = :number)")
        params["number"] = q.number
    if q.appeal_id is not None:
        found.append("(SELECT CAST(:appeal_id AS BIGINT))")
        params["appeal_id"] = q.appeal_id
    if q.match is not None:
        found += [_PG_APPEALS_MATCH, _PG_ANSWERS_MATCH]
        params["match"] = tsquery(q.match)
        params["candidates"] = SEARCH_CANDIDATES
    return f"id IN ({' UNION ALL '.join(found)})" if found else None


class WebRepo:
    def __init__(self, conn: SqlSession) -> None:
        self._conn = conn

    # sign-in links and sessions

    async def add_link(self, token_hash: str, grant: WebGrant, now: datetime,
                       expires_at: datetime) -> None:
        """A new link; the expired ones go (the table stays as small as the last minutes)."""
        self._conn.defer("DELETE FROM web_links WHERE expires_at < ?", (to_db(now),))
        self._conn.defer(
            "INSERT INTO web_links (token_hash, user_id, role, institution_id, created_at, "
            "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            (token_hash, grant.user_id, grant.role, grant.institution_id, to_db(now),
             to_db(expires_at)))

    async def use_link(self, token_hash: str, now: datetime) -> WebGrant | None:
        """The link's grant, marked used in the same statement (a second use finds it
        used); None: unknown, used or expired."""
        rows = await self._conn.execute_fetchall(
            "UPDATE web_links SET used_at = :now WHERE token_hash = :hash AND used_at IS NULL "
            "AND expires_at > :now RETURNING user_id, role, institution_id",
            {"now": to_db(now), "hash": token_hash})
        return WebGrant(int(rows[0][0]), str(rows[0][1]), rows[0][2]) if rows else None

    async def add_session(self, token_hash: str, grant: WebGrant, now: datetime,
                          expires_at: datetime) -> None:
        self._conn.defer("DELETE FROM web_sessions WHERE expires_at < ?", (to_db(now),))
        self._conn.defer(
            "INSERT INTO web_sessions (token_hash, user_id, role, institution_id, created_at, "
            "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            (token_hash, grant.user_id, grant.role, grant.institution_id, to_db(now),
             to_db(expires_at)))

    async def session(self, token_hash: str, now: datetime) -> WebGrant | None:
        """The session's grant while it has not expired."""
        rows = await self._conn.execute_fetchall(
            "SELECT user_id, role, institution_id FROM web_sessions WHERE token_hash = ? "
            "AND expires_at > ?", (token_hash, to_db(now)))
        return WebGrant(int(rows[0][0]), str(rows[0][1]), rows[0][2]) if rows else None

    async def end_session(self, token_hash: str) -> None:
        self._conn.defer("DELETE FROM web_sessions WHERE token_hash = ?", (token_hash,))

    async def group_institutions(self, user_id: int) -> list[str]:
        """Institutions whose staff group lists this person as a member."""
        rows = await self._conn.execute_fetchall(
            "SELECT DISTINCT c.institution_id FROM group_members g JOIN inbox_chats c "
            "ON c.platform = g.platform AND c.chat_id = g.chat_id AND c.is_group = 1 "
            "WHERE g.user_id = ? ORDER BY 1", (user_id,))
        return [str(row[0]) for row in rows]

    # the queue

    async def queue(self, q: QueueQuery) -> list[Appeal]:
        """One page in deadline order (the chat's /queue order: due_at, first response)."""
        where, params = _where(q, self._conn.dialect)
        rows = await self._conn.execute_fetchall(
            f"SELECT * FROM appeals WHERE {where} ORDER BY due_at, first_response_due, id "
            "LIMIT :limit OFFSET :offset", params | {"limit": q.limit, "offset": q.offset})
        return [appeal_of_row(row) for row in rows]

    async def queue_count(self, q: QueueQuery, cap: int) -> int:
        """How many appeals the filters find, counted up to `cap` (the page says "more")."""
        where, params = _where(q, self._conn.dialect)
        rows = await self._conn.execute_fetchall(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM appeals WHERE {where} LIMIT :cap) AS q",
            params | {"cap": cap})
        return int(rows[0][0])

    # the appeal page

    async def add_note(self, appeal_id: int, author_id: int, text: str, now: datetime) -> None:
        """An internal note, and its audit event (the text stays in the note alone)."""
        rows = await self._conn.execute_fetchall(
            "INSERT INTO appeal_notes (appeal_id, author_id, text, created_at) "
            "VALUES (?, ?, ?, ?) RETURNING id", (appeal_id, author_id, text, to_db(now)))
        detail = json.dumps({"note": int(rows[0][0])}, separators=(",", ":"))  # json_object's
        self._conn.defer(
            "INSERT INTO appeal_events (appeal_id, actor_id, kind, detail, created_at) "
            "VALUES (?, ?, 'note', ?, ?)", (appeal_id, author_id, detail, to_db(now)))

    async def notes(self, appeal_id: int) -> list[Note]:
        rows = await self._conn.execute_fetchall(
            "SELECT id, appeal_id, author_id, text, created_at FROM appeal_notes "
            "WHERE appeal_id = ? ORDER BY id", (appeal_id,))
        return [Note(r[0], r[1], r[2], r[3], from_db(r[4])) for r in rows]

    async def deliveries(self, appeal_id: int) -> list[Delivery]:
        """The appeal's cards, reminders, escalations, notices and follow-ups in the outbox
        (what retention left of them), in order."""
        rows = await self._conn.execute_fetchall(
            "SELECT kind, platform, chat_id, status, created_at, sent_at, payload FROM outbox "
            "WHERE appeal_id = ? AND kind IN ('card', 'reminder', 'escalation', 'citizen', "
            "'follow_up') ORDER BY id", (appeal_id,))
        return [Delivery(r[0], r[1], r[2], r[3], from_db(r[4]), from_db(r[5]), r[6])
                for r in rows]

    async def people(self, user_ids: Sequence[int]) -> dict[int, str]:
        """Names (or platform ids) of the people an appeal's timeline names."""
        if not user_ids:
            return {}
        marks = ", ".join("?" for _ in user_ids)
        rows = await self._conn.execute_fetchall(
            f"SELECT id, display_name, platform, platform_user_id FROM users WHERE id IN ({marks})",
            list(user_ids))
        return {int(r[0]): str(r[1] or f"{r[2]}:{r[3]}") for r in rows}
