"""The appeal lifecycle: file, take, answer, redirect, close, rate, reopen.

Every method runs inside the caller's unit of work: the state change, its audit event
and the outbox messages it causes commit together, or not at all.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from bot import texts
from bot.appeals.deadlines import DeadlineClock
from bot.appeals.outbox import outbox_row
from bot.message import Attachment, Button, Message
from bot.screening import screen
from directory.model import Institution
from storage.records import Appeal, ChatRef, OutboxKind, User
from storage.repositories import Repositories

# A citizen may add to an appeal (and staff answer that) this long after its answer.
FOLLOW_UP_WINDOW = timedelta(days=30)


CARD_TEXT_MAX = 3000  # the form allows no more; older or imported rows are cut


def _cap(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[:limit - 1] + "…"


class AppealError(Exception):
    """An action that is not possible in the appeal's current state (shown to the user)."""


def card_buttons(appeal: Appeal) -> list[list[Button]]:
    if appeal.status == "new":
        return [
            [Button(texts.BTN_TAKE, f"st:take:{appeal.id}"),
             Button(texts.BTN_ANSWER, f"st:ans:{appeal.id}")],
            [Button(texts.BTN_REDIRECT, f"st:redir:{appeal.id}"),
             Button(texts.BTN_CLOSE, f"st:close:{appeal.id}")],
        ]
    if appeal.status == "in_progress":
        rows = [
            [Button(texts.BTN_ANSWER, f"st:ans:{appeal.id}")],
            [Button(texts.BTN_REDIRECT, f"st:redir:{appeal.id}"),
             Button(texts.BTN_CLOSE, f"st:close:{appeal.id}")],
        ]
        if appeal.extended_at is None:
            rows.append([Button(texts.BTN_EXTEND, f"st:ext:{appeal.id}")])
        return rows
    return []


def rating_buttons(appeal: Appeal) -> list[list[Button]]:
    return [
        [Button(f"{n} ⭐", f"rate:{appeal.id}:{n}") for n in range(1, 6)],
        [unsolved_button(appeal)],
    ]


def abuse_kinds(appeal: Appeal) -> str:
    return ", ".join(texts.ABUSE_MARKS.get(k, k) for k in appeal.abuse.split(",") if k)


def unsolved_button(appeal: Appeal) -> Button:
    """«Вопрос не решён» under one answer (or closing): it carries which one, so a button
    of an earlier answer reopens nothing."""
    return Button(texts.BTN_UNSOLVED, f"unsolved:{appeal.answers_given}:{appeal.id}")


class AppealService:
    def __init__(self, deadlines: DeadlineClock, default_timezone: str) -> None:
        self.deadlines = deadlines
        self.default_timezone = default_timezone

    def timezone_of(self, inst: Institution | None) -> str:
        return (inst.timezone if inst and inst.timezone else "") or self.default_timezone

    async def institution(self, repos: Repositories, institution_id: str) -> Institution:
        inst = await repos.institutions.get(institution_id)
        if inst is None:  # appeals keep their institution: rows are deactivated, not deleted
            raise AppealError(texts.APPEAL_NOT_FOUND)
        return inst

    # rendering

    async def card_text(self, repos: Repositories, appeal: Appeal, suffix: str = "",
                        actionable: bool = True) -> str:
        inst = await self.institution(repos, appeal.institution_id)
        citizen = await repos.people.get_user(appeal.citizen_id)
        tz = self.timezone_of(inst)
        text = texts.CARD.format(  # every field capped: a card always fits one message
            number=appeal.number,
            institution=_cap(inst.display_name, 200),
            category=_cap(texts.CATEGORIES.get(appeal.category, appeal.category), 80),
            status=texts.STATUSES[appeal.status],
            citizen=_cap(citizen.display_name if citizen and citizen.display_name
                         else "гражданин", 100),
            platform=texts.PLATFORM_NAMES.get(appeal.platform, appeal.platform),
            created=texts.format_time(appeal.created_at, tz),
            first_due=texts.format_time(appeal.first_response_due, tz),
            due=texts.format_time(appeal.due_at, tz),
            text=_cap(appeal.text, CARD_TEXT_MAX),
        )
        if appeal.undelivered_at is not None:
            text += texts.CARD_UNDELIVERED.format(
                reason=texts.UNDELIVERED_REASONS.get(appeal.undelivered_reason or "",
                                                     appeal.undelivered_reason or ""),
                since=texts.format_time(appeal.undelivered_at, tz))
        if appeal.abuse:
            text += "\n\n" + texts.CARD_ABUSE.format(kinds=abuse_kinds(appeal))
        if await repos.staff.ban_of(appeal.citizen_id) is not None:
            text += "\n" + texts.CARD_BANNED
        if appeal.is_open and actionable:
            text += texts.CARD_HINT
        return text + suffix

    # outbox helpers

    async def _post_card(
        self, repos: Repositories, appeal: Appeal, now: datetime, prefix: str = "",
        attachments: tuple[Attachment, ...] = (), *, operators_only: bool = False,
    ) -> None:
        """A new card in every working inbox chat of the appeal's institution (the
        operators if none works)."""
        inst = await self.institution(repos, appeal.institution_id)
        chats = [] if operators_only else await repos.people.inbox_chats(inst.id)
        if not chats:
            # Nobody receives this institution's appeals: the ministry must see it.
            if not operators_only:
                prefix = texts.STAFF_NEW_NO_INBOX.format(institution=inst.display_name) + prefix
            chats = await repos.people.staff_chats("operator")
        message = Message(prefix + await self.card_text(repos, appeal), card_buttons(appeal),
                          attachments, card_of=appeal.id)
        await repos.outbox.add_many([
            outbox_row(chat.platform, chat.chat_id, message, OutboxKind.CARD,
                       appeal_id=appeal.id, institution_id=inst.id) for chat in chats], now)

    async def repost_to_operators(self, repos: Repositories, appeal: Appeal, now: datetime,
                                  prefix: str) -> None:
        """The institution's inbox is unreachable: its open appeal goes to the operators."""
        if appeal.is_open:
            await self._post_card(repos, appeal, now, prefix, operators_only=True)

    async def refresh_cards(self, repos: Repositories, appeal: Appeal, now: datetime,
                            redirected_to: Institution | None = None) -> None:
        """Edit the cards the appeal's institution got, to show the new status and buttons.

        After a redirect the old institution's cards lose their buttons: it is not theirs.
        """
        if redirected_to is None:
            message = Message(await self.card_text(repos, appeal), card_buttons(appeal))
        else:
            suffix = texts.CARD_REDIRECTED.format(institution=redirected_to.display_name)
            message = Message(await self.card_text(repos, appeal, suffix, actionable=False))
        chats = await repos.outbox.card_chats(appeal.id, appeal.institution_id)
        await repos.outbox.add_many([
            outbox_row(chat.platform, chat.chat_id, replace(message, card_of=appeal.id),
                       OutboxKind.CARD_EDIT, appeal_id=appeal.id) for chat in chats], now)

    async def _tell_citizen(
        self, repos: Repositories, appeal: Appeal, text: str, now: datetime,
        buttons: list[list[Button]] | None = None, attachments: tuple[Attachment, ...] = (),
    ) -> None:
        """To the chat and platform the citizen wrote from."""
        await repos.outbox.add(outbox_row(
            appeal.platform, appeal.chat_id,
            Message(text, buttons or [], attachments, appeal_id=appeal.id),
            OutboxKind.CITIZEN, appeal_id=appeal.id), now)

    async def schedule_reminders(self, repos: Repositories, appeal: Appeal, now: datetime,
                                 after: int | None = None) -> Appeal:
        """Point the appeal at its next reminder rung (state in the row, not in memory)."""
        if after is None:
            after = appeal.reminder_stage - 1
        stage = None
        if appeal.is_open:
            stage = self.deadlines.next_stage(
                appeal.created_at, appeal.first_response_due, appeal.due_at, after=after,
                first_response_done=appeal.first_response_at is not None, now=now)
        if stage is None:
            return await repos.appeals.update(appeal.id, now, next_reminder_at=None)
        return await repos.appeals.update(appeal.id, now, next_reminder_at=stage.at,
                                          reminder_stage=stage.number)

    # lifecycle

    async def file(
        self, repos: Repositories, citizen: User, chat: ChatRef, inst: Institution,
        category: str, text: str, attachments: list[Attachment], now: datetime,
    ) -> Appeal:
        deadlines = self.deadlines.for_new_appeal(now, category, self.timezone_of(inst), inst.id)
        appeal = await repos.appeals.create(
            citizen_id=citizen.id, platform=chat.platform, chat_id=chat.chat_id,
            institution_id=inst.id, category=category, text=text, now=now,
            first_response_due=deadlines.first_response_due, due_at=deadlines.due_at,
        )
        await repos.appeals.add_event(appeal.id, "created", now, citizen.id,
                                      institution_id=inst.id, category=category)
        await repos.appeals.add_message(appeal.id, "citizen", chat.platform, chat.chat_id, now,
                                        text=text, author_id=citizen.id)
        marks = screen(text)  # 59-FZ art. 11: flagged for the staff, never dropped
        if marks:
            appeal = await repos.appeals.update(appeal.id, now, abuse=",".join(sorted(marks)))
        appeal = await self.schedule_reminders(repos, appeal, now, after=-1)
        await self._post_card(repos, appeal, now, attachments=tuple(
            a if a.platform else replace(a, platform=chat.platform) for a in attachments))
        return appeal

    def _require_open(self, appeal: Appeal) -> None:
        if not appeal.is_open:
            raise AppealError(texts.appeal_state(appeal.number, appeal.status))

    async def take(self, repos: Repositories, appeal: Appeal, actor: User, now: datetime) -> Appeal:
        self._require_open(appeal)
        if appeal.status == "in_progress":
            raise AppealError(texts.appeal_state(appeal.number, appeal.status, unavailable=False))
        appeal = await repos.appeals.update(
            appeal.id, now, status="in_progress", assignee_id=actor.id,
            first_response_at=appeal.first_response_at or now,
        )
        await repos.appeals.add_event(appeal.id, "taken", now, actor.id)
        appeal = await self.schedule_reminders(repos, appeal, now)
        inst = await self.institution(repos, appeal.institution_id)
        await self._tell_citizen(repos, appeal, texts.CITIZEN_TAKEN.format(
            number=appeal.number, institution=inst.display_name), now)
        await self.refresh_cards(repos, appeal, now)
        return appeal

    def accepts_follow_up(self, appeal: Appeal, now: datetime) -> bool:
        """Open, or answered/closed within the follow-up window."""
        end = appeal.closed_at or appeal.answered_at
        return appeal.is_open or (end is not None and now - end <= FOLLOW_UP_WINDOW)

    async def follow_up(self, repos: Repositories, appeal: Appeal, citizen: User, text: str,
                        attachments: tuple[Attachment, ...], chat: ChatRef, now: datetime,
                        message_id: str | None = None) -> Institution:
        """The citizen adds to their appeal: to the chats that got its card (the inbox, or
        the operators), as an addition they can answer."""
        await repos.appeals.add_message(appeal.id, "citizen", chat.platform, chat.chat_id, now,
                                        text=text, message_id=message_id, author_id=citizen.id)
        await repos.appeals.add_event(appeal.id, "follow_up", now, citizen.id)
        inst = await self.institution(repos, appeal.institution_id)
        chats = (await repos.outbox.card_chats(appeal.id, inst.id)
                 or await repos.people.inbox_chats(inst.id)
                 or await repos.people.staff_chats("operator"))
        message = Message(
            texts.FOLLOW_UP_STAFF.format(number=appeal.number, institution=inst.display_name,
                                         status=texts.STATUSES[appeal.status], text=text or "—"),
            [[Button(texts.BTN_ANSWER, f"st:ans:{appeal.id}")]],
            tuple(a if a.platform else replace(a, platform=chat.platform) for a in attachments),
            appeal_id=appeal.id)
        await repos.outbox.add_many([
            outbox_row(c.platform, c.chat_id, message, OutboxKind.FOLLOW_UP, appeal_id=appeal.id,
                       institution_id=inst.id) for c in chats], now)
        return inst

    async def answer(
        self, repos: Repositories, appeal: Appeal, actor: User, text: str,
        attachments: list[Attachment], source: ChatRef, now: datetime,
        message_id: str | None = None,
    ) -> Appeal:
        """Also to an answered appeal: a further answer (to a citizen's follow-up)."""
        if appeal.status != "answered":
            self._require_open(appeal)
        appeal = await repos.appeals.update(
            appeal.id, now, status="answered", answered_at=now,
            assignee_id=appeal.assignee_id or actor.id, answers_given=appeal.answers_given + 1,
            first_response_at=appeal.first_response_at or now, next_reminder_at=None,
        )
        await repos.appeals.add_event(appeal.id, "answered", now, actor.id)
        await repos.appeals.add_message(appeal.id, "staff", source.platform, source.chat_id, now,
                                        text=text, message_id=message_id, author_id=actor.id)
        inst = await self.institution(repos, appeal.institution_id)
        await self._tell_citizen(
            repos, appeal,
            texts.CITIZEN_ANSWER.format(number=appeal.number, institution=inst.display_name,
                                        text=text)
            + "\n\n" + texts.CITIZEN_RATE,
            now, buttons=rating_buttons(appeal),
            attachments=tuple(a if a.platform else replace(a, platform=source.platform)
                              for a in attachments),
        )
        await self.refresh_cards(repos, appeal, now)
        return appeal

    async def redirect(
        self, repos: Repositories, appeal: Appeal, actor: User, target: Institution,
        now: datetime,
    ) -> Appeal:
        """To the competent institution; the clock keeps running (59-FZ), the citizen is told."""
        self._require_open(appeal)
        if target.id == appeal.institution_id:
            raise AppealError(texts.STAFF_REDIRECT_SAME)
        old = appeal
        await self.refresh_cards(repos, old, now, redirected_to=target)
        appeal = await repos.appeals.update(
            appeal.id, now, institution_id=target.id, status="new", assignee_id=None,
        )
        late = self.redirect_is_late(old, now)
        await repos.appeals.add_event(appeal.id, "redirected", now, actor.id,
                                      from_institution=old.institution_id,
                                      to_institution=target.id, **({"late": True} if late else {}))
        await self._tell_citizen(repos, appeal, texts.CITIZEN_REDIRECTED.format(
            number=appeal.number, institution=target.display_name,
            due=texts.format_time(appeal.due_at, self.timezone_of(target))), now)
        await self._post_card(repos, appeal, now)
        return appeal

    async def extend(self, repos: Repositories, appeal: Appeal, actor: User,
                     now: datetime) -> Appeal:
        """The one extension 59-FZ allows; the citizen is told the new deadline."""
        self._require_open(appeal)
        if appeal.extended_at is not None:
            raise AppealError(texts.ALREADY_EXTENDED.format(number=appeal.number))
        inst = await self.institution(repos, appeal.institution_id)
        tz = self.timezone_of(inst)
        new_due = self.deadlines.extended(appeal.due_at, tz, inst.id)
        appeal = await repos.appeals.update(appeal.id, now, due_at=new_due, extended_at=now)
        await repos.appeals.add_event(appeal.id, "extended", now, actor.id,
                                      due_at=new_due.isoformat())
        # the final-deadline ladder starts again for the new date
        appeal = await self.schedule_reminders(
            repos, appeal, now, after=len(self.deadlines.policy.first_response_steps) - 1)
        await self._tell_citizen(repos, appeal, texts.CITIZEN_EXTENDED.format(
            number=appeal.number, institution=inst.display_name,
            due=texts.format_time(new_due, tz)), now)
        await self.refresh_cards(repos, appeal, now)
        return appeal

    def redirect_is_late(self, appeal: Appeal, now: datetime) -> bool:
        return now > self.deadlines.redirect_deadline(appeal.created_at)

    async def close(self, repos: Repositories, appeal: Appeal, actor: User, now: datetime,
                    reason: str = "other") -> Appeal:
        """Closed with a reason (texts.CLOSE_REASONS) the citizen is told, with the way back."""
        self._require_open(appeal)
        appeal = await repos.appeals.update(appeal.id, now, status="closed", closed_at=now,
                                            next_reminder_at=None,
                                            answers_given=appeal.answers_given + 1)
        await repos.appeals.add_event(appeal.id, "closed", now, actor.id, reason=reason)
        inst = await self.institution(repos, appeal.institution_id)
        if reason == "abuse":  # 59-FZ art. 11: the author is warned; no way back to press
            await self._tell_citizen(repos, appeal, texts.CITIZEN_ABUSE_WARNING.format(
                number=appeal.number, kinds=abuse_kinds(appeal)), now)
        else:
            await self._tell_citizen(repos, appeal, texts.CITIZEN_CLOSED_BECAUSE.format(
                number=appeal.number, institution=inst.display_name,
                reason=texts.CLOSE_REASONS.get(reason, reason)), now,
                buttons=[[unsolved_button(appeal)]])
        await self.refresh_cards(repos, appeal, now)
        return appeal

    async def rate(self, repos: Repositories, appeal: Appeal, stars: int, now: datetime) -> bool:
        """Rating an answer closes the appeal. False when it was rated already."""
        if appeal.rating is not None or appeal.status != "answered":
            return False
        appeal = await repos.appeals.update(appeal.id, now, rating=stars, status="closed",
                                            closed_at=now)
        await repos.appeals.add_event(appeal.id, "rated", now, appeal.citizen_id, stars=stars)
        await self.refresh_cards(repos, appeal, now)
        return True

    async def reopen(self, repos: Repositories, appeal: Appeal, now: datetime,
                     answer: int | None = None) -> Appeal:
        """The citizen says the answer did not solve it: back to the institution. Once per
        answer: `answer` is the one the button was under (None: a button of before)."""
        if appeal.status not in ("answered", "closed"):
            raise AppealError(texts.appeal_state(appeal.number, appeal.status))
        stale = answer is not None and answer != appeal.answers_given
        if stale or appeal.reopens >= max(appeal.answers_given, 1):
            raise AppealError(texts.REOPEN_ALREADY.format(number=appeal.number))
        status = "in_progress" if appeal.assignee_id else "new"
        appeal = await repos.appeals.update(appeal.id, now, status=status, answered_at=None,
                                            closed_at=None, rating=None,
                                            reopens=appeal.reopens + 1)
        await repos.appeals.add_event(appeal.id, "reopened", now, appeal.citizen_id)
        appeal = await self.schedule_reminders(repos, appeal, now)
        await self._post_card(
            repos, appeal, now, prefix=texts.CARD_REOPENED.format(number=appeal.number) + "\n\n"
        )
        return appeal
