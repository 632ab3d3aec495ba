"""The transports' OperatorAlerts port (handlers/ports.py): a transport that notices trouble
of its own (MAX dropped the webhook subscription) tells the ministry operators the way the
delivery's alerts do (bot/appeals/undeliverable.py): an ALERT row in the outbox for every
operator chat, in one unit of work, and the delivery woken."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot import texts
from bot.appeals.outbox import outbox_row
from bot.clock import Clock
from bot.message import Message
from storage.records import OutboxKind, Role
from storage.store import Store

log = logging.getLogger(__name__)


def _nothing() -> None:
    return None


class OperatorAlerts:
    def __init__(self, db: Store, clock: Clock, notify: Callable[[], None] = _nothing) -> None:
        self.db = db
        self.clock = clock
        self.notify = notify  # the delivery's wake()

    async def transport_problem(self, platform: str, problem: str, /) -> int:
        """Queue the alert for `problem` (a key of texts.TRANSPORT_ALERTS) to every operator
        chat, on every platform (the platform in trouble may still send); returns how many
        chats it was queued for."""
        name = texts.PLATFORM_NAMES.get(platform, platform)
        template = texts.TRANSPORT_ALERTS.get(problem)
        if template is None:
            raise ValueError(f"no alert text for {problem!r}")
        text = template.format(platform=name)
        now = self.clock.now()
        async with self.db.unit() as repos:
            operators = await repos.people.staff_chats(Role.OPERATOR)
            await repos.outbox.add_many([outbox_row(c.platform, c.chat_id, Message(text),
                                                    OutboxKind.ALERT) for c in operators], now)
        if not operators:
            log.error("%s: %s, and no operators to tell", platform, problem)
        self.notify()
        return len(operators)
