"""Appeal cards: what staff chats show of an appeal (its text and buttons), posted to the
institution's inbox chats (the operators' when none works) and edited, every copy, when
the appeal changes. Also the other messages staff chats get about an appeal's citizen:
their follow-ups, the rating buttons of an answer."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot import texts
from bot.appeals.errors import AppealError
from bot.appeals.outbox import outbox_row
from bot.appeals.regions import operator_chats
from bot.formatting import format_time
from bot.message import Attachment, Button, Message
from bot.payloads import Rate, Staff, StaffVerb, Unsolved
from directory.model import Institution
from storage.records import Appeal, AppealStatus, OutboxKind
from storage.repositories import Repositories

CARD_TEXT_MAX = 3000  # the form allows no more; older or imported rows are cut


def _cap(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[:limit - 1] + "…"


def card_buttons(appeal: Appeal) -> list[list[Button]]:
    def staff(text: str, verb: StaffVerb) -> Button:
        return Staff(verb, appeal.id).button(text)

    if appeal.status == AppealStatus.NEW:
        return [
            [staff(texts.BTN_TAKE, StaffVerb.TAKE), staff(texts.BTN_ANSWER, StaffVerb.ANSWER)],
            [staff(texts.BTN_REDIRECT, StaffVerb.REDIRECT),
             staff(texts.BTN_CLOSE, StaffVerb.CLOSE)],
        ]
    if appeal.status == AppealStatus.IN_PROGRESS:
        rows = [
            [staff(texts.BTN_ANSWER, StaffVerb.ANSWER)],
            [staff(texts.BTN_REDIRECT, StaffVerb.REDIRECT),
             staff(texts.BTN_CLOSE, StaffVerb.CLOSE)],
        ]
        if appeal.extended_at is None:
            rows.append([staff(texts.BTN_EXTEND, StaffVerb.EXTEND)])
        return rows
    return []


def rating_buttons(appeal: Appeal) -> list[list[Button]]:
    return [
        [Rate(appeal.id, n).button(f"{n} ⭐") for n in range(1, 6)],
        [unsolved_button(appeal)],
    ]


def unsolved_button(appeal: Appeal) -> Button:
    """«Вопрос не решён» under one answer (or closing): it carries which one, so a button
    of an earlier answer reopens nothing."""
    return Unsolved(appeal.answers_given, appeal.id).button(texts.BTN_UNSOLVED)


def open_card_button(appeal_id: int, number: str, institution: str) -> Button:
    """A button that shows an appeal's card with its actions (queues, reminders)."""
    return Staff(StaffVerb.CARD, appeal_id).button(
        texts.BTN_OPEN_CARD.format(number=number, institution=institution)[:60])


def abuse_kinds(appeal: Appeal) -> str:
    return ", ".join(texts.ABUSE_MARKS.get(k, k) for k in appeal.abuse.split(",") if k)


def follow_up_message(appeal: Appeal, inst: Institution, text: str,
                      attachments: tuple[Attachment, ...], repeat: bool = False) -> Message:
    """A citizen's addition to their appeal (or a repeat of it, linked to it), as its staff
    chats see it: they may answer."""
    return Message(
        (texts.REPEAT_STAFF if repeat else texts.FOLLOW_UP_STAFF).format(
            number=appeal.number, institution=inst.display_name,
            status=texts.STATUSES[appeal.status], text=text or "—"),
        [[Staff(StaffVerb.ANSWER, appeal.id).button(texts.BTN_ANSWER)]], attachments,
        appeal_id=appeal.id)


class Cards:
    def __init__(self, default_timezone: str) -> None:
        self.default_timezone = default_timezone

    def timezone_of(self, inst: Institution | None) -> str:
        return (inst.timezone if inst and inst.timezone else "") or self.default_timezone

    async def institution(self, repos: Repositories, institution_id: str) -> Institution:
        inst = await repos.institutions.get(institution_id)
        if inst is None:  # appeals keep their institution: rows are deactivated, not deleted
            raise AppealError(texts.APPEAL_NOT_FOUND)
        return inst

    async def text(self, repos: Repositories, appeal: Appeal, suffix: str = "",
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
                         else texts.CARD_CITIZEN, 100),
            platform=texts.PLATFORM_NAMES.get(appeal.platform, appeal.platform),
            created=format_time(appeal.created_at, tz),
            first_due=format_time(appeal.first_response_due, tz),
            due=format_time(appeal.due_at, tz),
            text=_cap(appeal.text, CARD_TEXT_MAX),
        )
        if appeal.undelivered_at is not None:
            text += texts.CARD_UNDELIVERED.format(
                reason=texts.UNDELIVERED_REASONS.get(appeal.undelivered_reason or "",
                                                     appeal.undelivered_reason or ""),
                since=format_time(appeal.undelivered_at, tz))
        if appeal.repeats:
            text += texts.CARD_REPEATS.format(count=appeal.repeats)
        if appeal.abuse:
            text += "\n\n" + texts.CARD_ABUSE.format(kinds=abuse_kinds(appeal))
        if await repos.staff.ban_of(appeal.citizen_id) is not None:
            text += "\n" + texts.CARD_BANNED
        if appeal.is_open and actionable:
            text += texts.CARD_HINT
        return text + suffix

    async def post(
        self, repos: Repositories, appeal: Appeal, now: datetime, prefix: str = "",
        attachments: tuple[Attachment, ...] = (), *, operators_only: bool = False,
    ) -> None:
        """A new card in every working inbox chat of the appeal's institution (the
        operators of its region if none works: bot/appeals/regions.py)."""
        inst = await self.institution(repos, appeal.institution_id)
        chats = [] if operators_only else await repos.people.inbox_chats(inst.id)
        if not chats:
            # Nobody receives this institution's appeals: the ministry must see it.
            if not operators_only:
                prefix = texts.STAFF_NEW_NO_INBOX.format(institution=inst.display_name) + prefix
            chats = await operator_chats(repos, inst.region_key)
        message = Message(prefix + await self.text(repos, appeal), card_buttons(appeal),
                          attachments, card_of=appeal.id)
        await repos.outbox.add_many([
            outbox_row(chat.platform, chat.chat_id, message, OutboxKind.CARD,
                       appeal_id=appeal.id, institution_id=inst.id) for chat in chats], now)

    async def repost_to_operators(self, repos: Repositories, appeal: Appeal, now: datetime,
                                  prefix: str) -> None:
        """The institution's inbox is unreachable: its open appeal goes to the operators."""
        if appeal.is_open:
            await self.post(repos, appeal, now, prefix, operators_only=True)

    async def refresh(self, repos: Repositories, appeal: Appeal, now: datetime,
                      redirected_to: Institution | None = None) -> None:
        """Edit the cards the appeal's institution got, to show the new status and buttons.

        After a redirect the old institution's cards lose their buttons: it is not theirs.
        """
        if redirected_to is None:
            message = Message(await self.text(repos, appeal), card_buttons(appeal))
        else:
            suffix = texts.CARD_REDIRECTED.format(institution=redirected_to.display_name)
            message = Message(await self.text(repos, appeal, suffix, actionable=False))
        chats = await repos.outbox.card_chats(appeal.id, appeal.institution_id)
        await repos.outbox.add_many([
            outbox_row(chat.platform, chat.chat_id, replace(message, card_of=appeal.id),
                       OutboxKind.CARD_EDIT, appeal_id=appeal.id) for chat in chats], now)
