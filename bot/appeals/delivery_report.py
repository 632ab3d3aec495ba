"""What operators see of the delivery: the backlog per platform, the oldest message still to
go, failures by class, disabled inboxes (`/stats` and `python -m bot outbox`); and what an
operator can do about a failed message: send it again, or send it to the operators."""

from __future__ import annotations

from datetime import datetime

from bot import texts
from bot.appeals.outbox import outbox_row
from bot.appeals.regions import operators_of
from bot.appeals.service import AppealService
from bot.formatting import format_time
from bot.message import decode
from storage.records import OutboxItem, OutboxKind, Role
from storage.repositories import Repositories


async def delivery_lines(repos: Repositories, timezone: str) -> list[str]:
    lines = [texts.DELIVERY_TITLE.strip()]
    backlog = await repos.outbox.backlog()
    for platform, count, oldest in backlog:
        lines.append(texts.DELIVERY_BACKLOG.format(
            platform=texts.PLATFORM_NAMES.get(platform, platform), count=count,
            oldest=format_time(oldest, timezone)))
    if not backlog:
        lines.append(texts.DELIVERY_NO_BACKLOG)
    for platform, failure, count in await repos.outbox.failures():
        lines.append(texts.DELIVERY_FAILED.format(
            platform=texts.PLATFORM_NAMES.get(platform, platform),
            reason=texts.FAILURE_NAMES.get(failure, failure), count=count))
    for inbox in await repos.people.disabled_inboxes():
        inst = await repos.institutions.get(inbox.institution_id)
        lines.append(texts.DELIVERY_DISABLED_INBOX.format(
            institution=inst.display_name if inst else inbox.institution_id,
            platform=texts.PLATFORM_NAMES.get(inbox.platform, inbox.platform),
            since=format_time(inbox.disabled_at, timezone) if inbox.disabled_at else "?"))
    return lines


async def reroute_failed(repos: Repositories, appeals: AppealService, item: OutboxItem,
                         now: datetime) -> int:
    """A failed message goes to the operators instead (those of its institution's region:
    a card as a fresh card, anything else as it was); returns how many operator chats it
    was queued for."""
    appeal = await repos.appeals.get(item.appeal_id) if item.appeal_id is not None else None
    about = appeal.institution_id if appeal is not None else item.institution_id
    operators = (await operators_of(repos, about) if about
                 else await repos.people.staff_chats(Role.OPERATOR))
    if not operators:
        return 0
    if item.kind is OutboxKind.CARD and item.appeal_id is not None:
        if appeal is not None:
            inst = await repos.institutions.get(appeal.institution_id)
            await appeals.cards.repost_to_operators(repos, appeal, now, texts.CARD_REROUTED.format(
                institution=inst.display_name if inst else appeal.institution_id))
            return len(operators)
    message = decode(item.payload)
    await repos.outbox.add_many([
        outbox_row(c.platform, c.chat_id, message, item.kind, appeal_id=item.appeal_id,
                   institution_id=item.institution_id) for c in operators], now)
    await repos.outbox.mark_failed([item.id], "rerouted", item.error or "", now)
    return len(operators)
