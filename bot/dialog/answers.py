"""The staff answer (issue 11, defect 2): written, shown back to its author with «Отправить
гражданину» / «Изменить» / «Отменить», and only then sent. The draft lives in the author's
state in that chat, so no one else can send it and it cannot be finished elsewhere. The
answer mode ends after a non-text message and after a timeout, saying so.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta

from bot import texts
from bot.appeals.service import AppealService
from bot.dialog.citizen import cancel_row
from bot.dialog.states import ANSWER_STEPS, Step
from bot.dialog.turn import Turn
from bot.message import Attachment
from bot.payloads import Staff, StaffVerb
from storage.records import Appeal, AppealStatus, Platform

ANSWER_MODE_TTL = timedelta(minutes=30)


def group_hint(t: Turn) -> str:
    """In a group the next text reaches the bot only as a reply to its message (in a VK
    conversation: or a mention of the community): say so."""
    if not t.inc.is_group:
        return ""
    return texts.IN_VK_CHAT_REPLY_HERE if t.inc.platform == Platform.VK else texts.IN_GROUP_REPLY_HERE


class AnswerFlows:
    def __init__(self, appeals: AppealService, confirm_in_private: bool = True) -> None:
        self.appeals = appeals
        self.confirm_in_private = confirm_in_private

    def start(self, t: Turn, appeal: Appeal) -> None:
        """«Ответить» pressed: the next text (in a group: a reply to this prompt) is the draft."""
        t.go(Step.STAFF_ANSWER, appeal_id=appeal.id, number=appeal.number,
             since=t.now.isoformat())
        t.say(texts.STAFF_ASK_ANSWER.format(number=appeal.number) + group_hint(t),
              [cancel_row()])

    def mode_over(self, t: Turn) -> bool:
        """In answer mode and it timed out, or this is not text: end it, say so."""
        if t.step not in ANSWER_STEPS:
            return False
        number = t.data("number") or str(t.data("appeal_id"))
        since = t.data("since")
        if since and t.now - datetime.fromisoformat(since) > ANSWER_MODE_TTL:
            t.go(Step.IDLE)
            t.say(texts.ANSWER_MODE_EXPIRED.format(
                number=number, minutes=int(ANSWER_MODE_TTL.total_seconds() // 60)))
            return True
        if not t.text and not t.inc.attachments:
            t.go(Step.IDLE)
            t.say(texts.ANSWER_MODE_ENDED.format(number=number))
            return True
        return False

    async def draft(self, t: Turn, appeal: Appeal, text: str,
                    attachments: tuple[Attachment, ...]) -> None:
        """The author's text for an appeal: shown back for a tap, or sent at once where
        confirmation is off (a private inbox, by setting)."""
        t.go(Step.IDLE)
        text = text.strip()
        if not text and not attachments:
            t.say(texts.ANSWER_NOT_TEXT)  # a sticker is not an answer, nor a reason to wait
            return
        if not t.inc.is_group and not self.confirm_in_private:
            await self._send(t, appeal, text, attachments, t.inc.message_id)
            return
        t.go(Step.STAFF_CONFIRM, appeal_id=appeal.id, number=appeal.number, text=text,
             attachments=[asdict(a) for a in attachments], message_id=t.inc.message_id,
             since=t.now.isoformat())
        t.say(texts.STAFF_CONFIRM_ANSWER.format(number=appeal.number, text=text or "—"),
              [[Staff(StaffVerb.SEND_ANSWER, appeal.id).button(texts.BTN_SEND_ANSWER)],
               [Staff(StaffVerb.EDIT_ANSWER, appeal.id).button(texts.BTN_EDIT_ANSWER)],
               cancel_row()])

    async def confirm(self, t: Turn, appeal: Appeal) -> None:
        """«Отправить гражданину»: the author's own draft of this appeal, once."""
        if t.step != Step.STAFF_CONFIRM or t.data("appeal_id") != appeal.id:
            if appeal.status == AppealStatus.ANSWERED:
                t.say(texts.ANSWER_ALREADY_SENT.format(number=appeal.number))
            else:
                t.say(texts.ANSWER_DRAFT_NOT_YOURS)
            return
        attachments = tuple(Attachment(**a) for a in t.data("attachments", []))
        text, message_id = t.data("text", ""), t.data("message_id")
        t.go(Step.IDLE)
        await self._send(t, appeal, text, attachments, message_id)

    def edit(self, t: Turn, appeal: Appeal) -> None:
        if t.step != Step.STAFF_CONFIRM or t.data("appeal_id") != appeal.id:
            t.say(texts.ANSWER_DRAFT_NOT_YOURS)
            return
        self.start(t, appeal)

    async def _send(self, t: Turn, appeal: Appeal, text: str,
                    attachments: tuple[Attachment, ...], message_id: str | None) -> None:
        await self.appeals.answer(t.repos, appeal, t.user, text, list(attachments), t.chat,
                                  t.now, message_id=message_id)
        t.say(texts.STAFF_ANSWER_QUEUED.format(number=appeal.number))
