"""One turn of a conversation: the incoming message, who sent it, and what to answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.appeals.access import Actor
from bot.dialog.lookups import Lookups
from bot.dialog.states import AppealDraft, Step
from bot.dialog.types import Button, Incoming, Reply
from storage.records import ChatRef, DialogState, User
from storage.repositories import Repositories

# A report's reads, run after the turn committed, through the database's read-only reader
# (bot/dialog/reports.py): it never holds the writer's lock, so citizens do not wait on it.
Report = Callable[[Repositories], Awaitable[None]]


@dataclass
class Turn:
    inc: Incoming
    repos: Repositories
    user: User
    actor: Actor
    now: datetime
    state: DialogState
    lookups: Lookups  # the FAQ and directory, memoised (and maybe asked before the unit)
    replies: list[Reply] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)

    @property
    def chat(self) -> ChatRef:
        return ChatRef(self.inc.platform, self.inc.chat_id)

    @property
    def text(self) -> str:
        return self.inc.text.strip()

    def say(self, text: str, buttons: list[list[Button]] | None = None, *,
            card_of: int | None = None, appeal_id: int | None = None,
            faq_entry: str | None = None) -> None:
        self.replies.append(Reply(text, buttons or [], card_of=card_of, appeal_id=appeal_id,
                                  faq_entry=faq_entry))

    def report(self, job: Report) -> None:
        """Read `job` after the commit, through the reader; what it says comes after."""
        self.reports.append(job)

    @property
    def step(self) -> str:
        """The step the conversation is at (a Step; an older row's may be unknown)."""
        return self.state.state

    def go(self, step: Step, **data: Any) -> None:
        self.state = DialogState(step, data)

    def data(self, key: str, default: Any = None) -> Any:
        return self.state.data.get(key, default)

    @property
    def draft(self) -> AppealDraft:
        """The appeal being written (meaningful in the appeal_* steps)."""
        return AppealDraft.of(self.state.data)

    def go_drafting(self, step: Step, draft: AppealDraft) -> None:
        self.go(step, **draft.data())
