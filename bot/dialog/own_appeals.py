"""A citizen's own appeals: the list, rating an answer, «Вопрос не решён», /forget."""

from __future__ import annotations

from bot import texts
from bot.appeals.forgetting import forget
from bot.appeals.service import FOLLOW_UP_WINDOW, AppealService
from bot.dialog.citizen import cancel_row, menu_buttons
from bot.dialog.states import Step
from bot.dialog.turn import Turn
from bot.formatting import days_genitive, format_time
from bot.payloads import Forget
from storage.records import Appeal, DialogState


class OwnAppeals:
    def __init__(self, appeals: AppealService) -> None:
        self.appeals = appeals

    # my appeals

    async def my_appeals(self, t: Turn) -> None:
        items = await t.repos.appeals.of_citizen(t.user.id, limit=10)
        t.go(Step.IDLE)
        if not items:
            t.say(texts.MY_EMPTY, menu_buttons())
            return
        lines = [texts.MY_TITLE.format(count=len(items))]
        for appeal in items:
            inst = await t.repos.institutions.get(appeal.institution_id)
            tz = self.appeals.timezone_of(inst)
            deadline = (texts.MY_DEADLINE.format(due=format_time(appeal.due_at, tz))
                        if appeal.is_open else "")
            lines.append(texts.MY_ITEM.format(
                number=appeal.number,
                institution=inst.display_name if inst else appeal.institution_id,
                category=texts.CATEGORIES.get(appeal.category, appeal.category),
                status=texts.STATUSES[appeal.status], deadline=deadline,
            ))
        t.say("\n\n".join(lines), menu_buttons())

    # answers to the citizen's own appeals

    async def _own_appeal(self, t: Turn, appeal_id: int) -> Appeal | None:
        appeal = await t.repos.appeals.get(appeal_id)
        if appeal is None or appeal.citizen_id != t.user.id:
            t.say(texts.NOT_YOUR_APPEAL)
            return None
        return appeal

    async def rate(self, t: Turn, appeal_id: int, stars: int) -> None:
        appeal = await self._own_appeal(t, appeal_id)
        if appeal is None:
            return
        if not 1 <= stars <= 5:
            t.say(texts.STALE_BUTTON)
            return
        rated = await self.appeals.rate(t.repos, appeal, stars, t.now)
        t.say(texts.RATE_THANKS if rated else texts.ALREADY_RATED, menu_buttons())

    async def unsolved(self, t: Turn, appeal_id: int, answer: int | None = None) -> None:
        appeal = await self._own_appeal(t, appeal_id)
        if appeal is None:
            return
        if not appeal.is_open and not self.appeals.accepts_follow_up(appeal, t.now):
            t.say(texts.FOLLOW_UP_TOO_LATE.format(
                number=appeal.number, days=days_genitive(FOLLOW_UP_WINDOW.days)), menu_buttons())
            return
        appeal = await self.appeals.reopen(t.repos, appeal, t.now, answer)
        inst = await t.repos.institutions.get(appeal.institution_id)
        t.say(texts.REOPENED.format(number=appeal.number,
                                    institution=inst.display_name if inst else ""),
              menu_buttons())

    # the right to be forgotten

    def ask_forget(self, t: Turn) -> None:
        if t.actor.roles:
            t.say(texts.FORGET_STAFF)
            return
        t.go(Step.FORGET_CONFIRM)
        t.say(texts.FORGET_ASK, [[Forget("yes").button(texts.BTN_FORGET_YES)], cancel_row()])

    async def forget(self, t: Turn) -> None:
        if t.step != Step.FORGET_CONFIRM or t.actor.roles:
            t.say(texts.STALE_BUTTON, menu_buttons())
            return
        done = await forget(t.repos, self.appeals, t.user, t.now)
        t.state = DialogState()  # nothing of the person is kept, their state neither
        t.say(texts.FORGET_DONE.format(appeals=done.appeals, withdrawn=done.withdrawn))
