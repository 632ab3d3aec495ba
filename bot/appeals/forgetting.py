"""The right to be forgotten (152-FZ art. 21); the retention of personal data is
bot/appeals/retention.py.

`forget` withdraws the person's open appeals (the institution is told), then anonymises
their name, texts and chat ids across appeals, the outbox, the FAQ tables and dialog state.
Appeal numbers, dates, statuses and ratings stay: the statistics are anonymous.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import texts
from bot.appeals.outbox import outbox_row
from bot.appeals.regions import operators_of
from bot.appeals.service import AppealService
from bot.message import Message, encode
from storage.records import AppealStatus, OutboxKind, User
from storage.repositories import Repositories

BLANK = encode(Message(""))


@dataclass(frozen=True, slots=True)
class Forgotten:
    appeals: int
    withdrawn: int


async def forget(repos: Repositories, service: AppealService, person: User,
                 now: datetime) -> Forgotten:
    """Everything in one transaction: the caller's unit of work."""
    ids = await repos.privacy.appeal_ids_of(person.id)
    appeals = [a for a in [await repos.appeals.get(i) for i in ids] if a is not None]
    chats = sorted({(a.platform, a.chat_id) for a in appeals if a.chat_id}
                   | ({(person.platform, person.chat_id)} if person.chat_id else set()))
    await repos.privacy.drop_messages(ids, chats, BLANK)
    withdrawn = 0
    for appeal in appeals:
        if appeal.is_open:
            await _withdraw(repos, service, appeal.id, now)
            withdrawn += 1
    await repos.privacy.anonymise_appeals(ids, texts.FORGOTTEN_TEXT, now)
    await repos.privacy.anonymise_user(person.id, person.platform, person.platform_user_id, now)
    for appeal_id in ids:  # the staff chats' cards lose the text too
        anonymised = await repos.appeals.get(appeal_id)
        if anonymised is not None:
            await service.cards.refresh(repos, anonymised, now)
    await repos.staff.audit("citizen", "forgotten", str(person.id), f"{len(ids)} appeals", now)
    return Forgotten(len(ids), withdrawn)


async def _withdraw(repos: Repositories, service: AppealService, appeal_id: int,
                    now: datetime) -> None:
    appeal = await repos.appeals.update(appeal_id, now, status=AppealStatus.CLOSED, closed_at=now,
                                        next_reminder_at=None)
    await repos.appeals.add_event(appeal.id, "closed", now, appeal.citizen_id,
                                  reason="withdrawn")
    notice = Message(texts.CARD_WITHDRAWN_FORGOTTEN.format(number=appeal.number),
                     appeal_id=appeal.id)
    chats = (await repos.outbox.card_chats(appeal.id, appeal.institution_id)
             or await repos.people.inbox_chats(appeal.institution_id)
             or await operators_of(repos, appeal.institution_id))
    await repos.outbox.add_many([
        outbox_row(c.platform, c.chat_id, notice, OutboxKind.MESSAGE, appeal_id=appeal.id,
                   institution_id=appeal.institution_id) for c in chats], now)

