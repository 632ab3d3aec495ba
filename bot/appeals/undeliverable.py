"""What the core decides when a message cannot be delivered (the delivery's FailureHandler).

- A chat that is gone (bot removed from the group, blocked, chat deleted): if it is an
  institution's inbox, the inbox is disabled, the cards still to go there and the
  institution's later cards go to the operators (unless another inbox of it works), and
  the operators are alerted. If an answer or notice could not reach a citizen, the appeal
  records it, its cards show it, and the staff who answered are told.
- A chat that moved (Telegram group -> supergroup): its inbox and its queued messages
  move to the new id.
- A platform that refuses the token: operators on the other platforms are alerted.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot import texts
from bot.appeals.outbox import outbox_row
from bot.appeals.regions import operator_chats
from bot.appeals.service import AppealService
from bot.delivery.ports import Failure, SendError
from bot.formatting import format_time
from bot.message import Message
from storage.records import OutboxItem, OutboxKind, Role
from storage.repositories import Repositories

log = logging.getLogger(__name__)


class DeliveryOutcomes:
    def __init__(self, appeals: AppealService) -> None:
        self.appeals = appeals

    async def unreachable(self, repos: Repositories, item: OutboxItem, error: SendError,
                          now: datetime) -> None:
        if error.failure is Failure.MIGRATED and error.moved_to:
            await self.chat_moved(repos, item.platform, item.chat_id, error.moved_to)
            return
        await self.chat_gone(repos, item.platform, item.chat_id, str(error.failure), str(error),
                             now)

    async def chat_moved(self, repos: Repositories, platform: str, old: str, new: str) -> None:
        moved = await repos.people.move_inbox(platform, old, new)
        await repos.staff.move_group(platform, old, new)
        rows = await repos.outbox.move_chat(platform, old, new)
        log.info("%s chat %s moved to %s: %s inbox bindings, %s messages follow", platform,
                 old, new, moved, rows)

    async def chat_gone(self, repos: Repositories, platform: str, chat_id: str, reason: str,
                        detail: str, now: datetime) -> None:
        """Settle every message still to go to an unreachable chat."""
        rows = await repos.outbox.unsent_of_chat(platform, chat_id)
        await repos.outbox.mark_failed([r.id for r in rows], reason, detail, now)
        institutions = await repos.people.disable_inbox(platform, chat_id, reason, now)
        for inst_id in institutions:
            await self._inbox_lost(repos, inst_id, platform, reason, now)
        for row in rows:
            if row.appeal_id is None:
                continue
            if row.kind is OutboxKind.CITIZEN:
                await self._citizen_unreachable(repos, row.appeal_id, reason, now)
            elif row.kind in (OutboxKind.CARD, OutboxKind.FOLLOW_UP) and row.institution_id:
                await self._reroute(repos, row.appeal_id, row.institution_id, now)
        if rows and not institutions:
            log.warning("%s chat %s unreachable (%s): %s messages not delivered", platform,
                        chat_id, detail, len(rows))

    async def given_up(self, repos: Repositories, item: OutboxItem, error: SendError,
                       now: datetime) -> None:
        if item.appeal_id is None:
            return
        reason = "expired" if error.failure is not Failure.REJECTED else "rejected"
        if item.kind is OutboxKind.CITIZEN:
            await self._citizen_unreachable(repos, item.appeal_id, reason, now)
        elif item.kind is OutboxKind.CARD and item.institution_id:
            await self._reroute(repos, item.appeal_id, item.institution_id, now)

    async def platform_paused(self, repos: Repositories, platform: str, error: SendError,
                              now: datetime) -> None:
        name = texts.PLATFORM_NAMES.get(platform, platform)
        text = texts.PLATFORM_PAUSED.format(platform=name, error=str(error)[:100])
        chats = [c for c in await repos.people.staff_chats(Role.OPERATOR)
                 if c.platform != platform]
        await repos.outbox.add_many([outbox_row(c.platform, c.chat_id, Message(text),
                                                OutboxKind.ALERT) for c in chats], now)

    # internals

    async def _inbox_lost(self, repos: Repositories, institution_id: str, platform: str,
                          reason: str, now: datetime) -> None:
        inst = await repos.institutions.get(institution_id)
        name = inst.display_name if inst else institution_id
        tz = self.appeals.timezone_of(inst)
        text = texts.INBOX_UNREACHABLE.format(
            institution=name, platform=texts.PLATFORM_NAMES.get(platform, platform),
            since=format_time(now, tz), reason=texts.INBOX_REASONS.get(reason, reason))
        operators = await operator_chats(repos, inst.region_key if inst else "")
        if not operators:
            log.error("inbox of %s unreachable (%s) and no operators to tell", name, reason)
        await repos.outbox.add_many([outbox_row(c.platform, c.chat_id, Message(text),
                                                OutboxKind.ALERT, institution_id=institution_id)
                                     for c in operators], now)

    async def _reroute(self, repos: Repositories, appeal_id: int, institution_id: str,
                       now: datetime) -> None:
        """A card that could not reach its inbox goes to the operators (unless another
        inbox of the institution works: it has its own copy)."""
        appeal = await repos.appeals.get(appeal_id)
        if appeal is None or appeal.institution_id != institution_id:
            return
        if await repos.people.inbox_chats(institution_id):
            return
        inst = await repos.institutions.get(institution_id)
        name = inst.display_name if inst else institution_id
        await self.appeals.cards.repost_to_operators(
            repos, appeal, now, texts.CARD_REROUTED.format(institution=name))

    async def _citizen_unreachable(self, repos: Repositories, appeal_id: int, reason: str,
                                   now: datetime) -> None:
        appeal = await repos.appeals.get(appeal_id)
        if appeal is None or appeal.undelivered_at is not None:
            return
        appeal = await repos.appeals.update(appeal.id, now, undelivered_at=now,
                                            undelivered_reason=reason)
        await repos.appeals.add_event(appeal.id, "undelivered", now, None, reason=reason)
        await self.appeals.cards.refresh(repos, appeal, now)
        text = texts.STAFF_ANSWER_UNDELIVERED.format(
            number=appeal.number, reason=texts.UNDELIVERED_REASONS.get(reason, reason))
        author = await repos.appeals.last_staff_chat(appeal.id)
        chats = [author] if author else await repos.people.inbox_chats(appeal.institution_id)
        await repos.outbox.add_many([outbox_row(c.platform, c.chat_id, Message(text),
                                                OutboxKind.ALERT, appeal_id=appeal.id)
                                     for c in chats], now)
