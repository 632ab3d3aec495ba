"""Citizen follow-ups (issue 11, defect 4): a citizen's reply to a message of their appeal
(the answer, a notice) is an addition to that appeal, for the institution, not a question
for the FAQ."""

from __future__ import annotations

from bot import texts
from bot.appeals.service import FOLLOW_UP_WINDOW, AppealService
from bot.dialog.citizen import menu_buttons
from bot.dialog.states import Step
from bot.dialog.turn import Turn
from bot.formatting import days_genitive


async def follow_up(t: Turn, appeals: AppealService) -> bool:
    """A citizen's reply to a message of their appeal (the answer, a notice) is an
    addition to that appeal, for the institution. False: not a reply of that kind."""
    inc = t.inc
    appeal_id = await t.repos.appeals.appeal_of_message(inc.platform, inc.chat_id,
                                                        inc.reply_to_message_id or "")
    appeal = await t.repos.appeals.get(appeal_id) if appeal_id is not None else None
    if appeal is None or appeal.citizen_id != t.user.id or not (t.text or inc.attachments):
        return False
    if not appeals.accepts_follow_up(appeal, t.now):
        t.say(texts.FOLLOW_UP_TOO_LATE.format(
            number=appeal.number, days=days_genitive(FOLLOW_UP_WINDOW.days)), menu_buttons())
        return True
    inst = await appeals.follow_up(t.repos, appeal, t.user, t.text, inc.attachments,
                                   t.chat, t.now, inc.message_id)
    t.go(Step.IDLE)
    t.say(texts.FOLLOW_UP_SENT.format(number=appeal.number, institution=inst.display_name),
          menu_buttons())
    return True
