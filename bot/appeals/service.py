"""The appeal lifecycle: file, take, answer, redirect, extend, close, rate, reopen.

Every method runs inside the caller's unit of work: the state change, its audit event
and the outbox messages it causes commit together, or not at all. What staff chats show
of an appeal (its cards) is bot/appeals/cards.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import texts
from bot.appeals.cards import Cards, abuse_kinds, follow_up_message, rating_buttons, unsolved_button
from bot.appeals.deadlines import DeadlineClock
from bot.appeals.errors import AppealError
from bot.appeals.observer import AppealObserver, Unobserved
from bot.appeals.outbox import citizen_row, outbox_row
from bot.appeals.region_rules import RegionalDeadlines
from bot.appeals.regions import operator_chats
from bot.formatting import appeal_state, format_time
from bot.message import Attachment, Button, Message, stamped
from bot.screening import screen
from directory.model import Institution
from storage.records import Appeal, AppealStatus, ChatRef, OutboxKind, Routing, User
from storage.repositories import Repositories

__all__ = ["FOLLOW_UP_WINDOW", "AppealError", "AppealService"]

# A citizen may add to an appeal (and staff answer that) this long after its answer.
FOLLOW_UP_WINDOW = timedelta(days=30)


class AppealService:
    def __init__(self, deadlines: DeadlineClock | RegionalDeadlines, default_timezone: str,
                 observer: AppealObserver | None = None) -> None:
        # Each region's deadline clock (REGIONS_PATH); `deadlines` is the deployment's own.
        self.regional = (deadlines if isinstance(deadlines, RegionalDeadlines)
                         else RegionalDeadlines(deadlines))
        self.deadlines = self.regional.base
        self.default_timezone = default_timezone
        self.cards = Cards(default_timezone)
        self.observer = observer or Unobserved()  # the metrics (bot/metrics.py)

    def _first_response(self, appeal: Appeal, now: datetime) -> None:
        if appeal.first_response_at is None:
            self.observer.first_response((now - appeal.created_at).total_seconds())

    def timezone_of(self, inst: Institution | None) -> str:
        return self.cards.timezone_of(inst)

    def clock_of(self, inst: Institution | None) -> DeadlineClock:
        """The deadline policy and calendar of the institution's region."""
        return self.regional.of(inst)

    async def institution(self, repos: Repositories, institution_id: str) -> Institution:
        return await self.cards.institution(repos, institution_id)

    async def _tell_citizen(
        self, repos: Repositories, appeal: Appeal, text: str, now: datetime,
        buttons: list[list[Button]] | None = None, attachments: tuple[Attachment, ...] = (),
    ) -> None:
        await repos.outbox.add(citizen_row(appeal, text, buttons, attachments), now)

    async def schedule_reminders(self, repos: Repositories, appeal: Appeal, now: datetime,
                                 after: int | None = None) -> Appeal:
        """Point the appeal at its next reminder rung (state in the row, not in memory)."""
        if after is None:
            after = appeal.reminder_stage - 1
        stage = None
        if appeal.is_open:
            clock = self.clock_of(await repos.institutions.get(appeal.institution_id))
            stage = clock.next_stage(
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
        routing: Routing | None = None,
    ) -> Appeal:
        clock = self.clock_of(inst)
        deadlines = clock.for_new_appeal(now, category, self.timezone_of(inst), inst.id)
        # the first reminder rung and the abuse marks go in with the row (one trip)
        stage = clock.next_stage(now, deadlines.first_response_due, deadlines.due_at,
                                 after=-1, first_response_done=False, now=now)
        marks = screen(text)  # 59-FZ art. 11: flagged for the staff, never dropped
        appeal = await repos.appeals.create(
            citizen_id=citizen.id, platform=chat.platform, chat_id=chat.chat_id,
            institution_id=inst.id, category=category, text=text, now=now,
            first_response_due=deadlines.first_response_due, due_at=deadlines.due_at,
            abuse=",".join(sorted(marks)), next_reminder_at=stage.at if stage else None,
            reminder_stage=stage.number if stage else 0, routing=routing,
        )
        await repos.appeals.add_event(appeal.id, "created", now, citizen.id,
                                      institution_id=inst.id, category=category)
        # the thread opens with appeals.text: the opening message is not stored twice
        await self.cards.post(repos, appeal, now, attachments=stamped(attachments, chat.platform))
        self.observer.appeal_filed(chat.platform)
        return appeal

    def _require_open(self, appeal: Appeal) -> None:
        if not appeal.is_open:
            raise AppealError(appeal_state(appeal.number, appeal.status))

    async def take(self, repos: Repositories, appeal: Appeal, actor: User, now: datetime) -> Appeal:
        self._require_open(appeal)
        if appeal.status == AppealStatus.IN_PROGRESS:
            raise AppealError(appeal_state(appeal.number, appeal.status, unavailable=False))
        self._first_response(appeal, now)
        appeal = await repos.appeals.update(
            appeal.id, now, status=AppealStatus.IN_PROGRESS, assignee_id=actor.id,
            first_response_at=appeal.first_response_at or now,
        )
        await repos.appeals.add_event(appeal.id, "taken", now, actor.id)
        appeal = await self.schedule_reminders(repos, appeal, now)
        inst = await self.institution(repos, appeal.institution_id)
        await self._tell_citizen(repos, appeal, texts.CITIZEN_TAKEN.format(
            number=appeal.number, institution=inst.display_name), now)
        await self.cards.refresh(repos, appeal, now)
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
        await self._to_card_chats(repos, appeal, inst, follow_up_message(
            appeal, inst, text, stamped(attachments, chat.platform)), now)
        return inst

    async def link_repeat(self, repos: Repositories, appeal: Appeal, citizen: User, text: str,
                          attachments: tuple[Attachment, ...], chat: ChatRef,
                          now: datetime) -> Appeal:
        """A near-identical appeal of the citizen to the same institution (bot/appeals/
        repeats.py): an addition to the open one, marked as a repeat on its cards."""
        await repos.appeals.add_message(appeal.id, "citizen", chat.platform, chat.chat_id, now,
                                        text=text, author_id=citizen.id)
        await repos.appeals.add_event(appeal.id, "repeated", now, citizen.id)
        appeal = await repos.appeals.update(appeal.id, now, repeats=appeal.repeats + 1)
        inst = await self.institution(repos, appeal.institution_id)
        await self._to_card_chats(repos, appeal, inst, follow_up_message(
            appeal, inst, text, stamped(attachments, chat.platform), repeat=True), now)
        await self.cards.refresh(repos, appeal, now)
        return appeal

    async def _to_card_chats(self, repos: Repositories, appeal: Appeal, inst: Institution,
                             message: Message, now: datetime) -> None:
        """To the chats that got the appeal's card (its inbox, or the operators)."""
        chats = (await repos.outbox.card_chats(appeal.id, inst.id)
                 or await repos.people.inbox_chats(inst.id)
                 or await operator_chats(repos, inst.region_key))
        await repos.outbox.add_many([
            outbox_row(c.platform, c.chat_id, message, OutboxKind.FOLLOW_UP, appeal_id=appeal.id,
                       institution_id=inst.id) for c in chats], now)

    async def answer(
        self, repos: Repositories, appeal: Appeal, actor: User, text: str,
        attachments: list[Attachment], source: ChatRef, now: datetime,
        message_id: str | None = None,
    ) -> Appeal:
        """Also to an answered appeal: a further answer (to a citizen's follow-up)."""
        if appeal.status != AppealStatus.ANSWERED:
            self._require_open(appeal)
        self._first_response(appeal, now)
        appeal = await repos.appeals.update(
            appeal.id, now, status=AppealStatus.ANSWERED, answered_at=now,
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
            now, buttons=rating_buttons(appeal), attachments=stamped(attachments, source.platform),
        )
        await self.cards.refresh(repos, appeal, now)
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
        await self.cards.refresh(repos, old, now, redirected_to=target)
        appeal = await repos.appeals.update(
            appeal.id, now, institution_id=target.id, status=AppealStatus.NEW, assignee_id=None,
        )
        late = self.redirect_is_late(old, now)
        await repos.appeals.add_event(appeal.id, "redirected", now, actor.id,
                                      from_institution=old.institution_id,
                                      to_institution=target.id, **({"late": True} if late else {}))
        await self._tell_citizen(repos, appeal, texts.CITIZEN_REDIRECTED.format(
            number=appeal.number, institution=target.display_name,
            due=format_time(appeal.due_at, self.timezone_of(target))), now)
        await self.cards.post(repos, appeal, now)
        return appeal

    async def extend(self, repos: Repositories, appeal: Appeal, actor: User,
                     now: datetime) -> Appeal:
        """The one extension 59-FZ allows; the citizen is told the new deadline."""
        self._require_open(appeal)
        if appeal.extended_at is not None:
            raise AppealError(texts.ALREADY_EXTENDED.format(number=appeal.number))
        inst = await self.institution(repos, appeal.institution_id)
        tz = self.timezone_of(inst)
        clock = self.clock_of(inst)
        new_due = clock.extended(appeal.due_at, tz, inst.id)
        appeal = await repos.appeals.update(appeal.id, now, due_at=new_due, extended_at=now)
        await repos.appeals.add_event(appeal.id, "extended", now, actor.id,
                                      due_at=new_due.isoformat())
        # the final-deadline ladder starts again for the new date
        appeal = await self.schedule_reminders(
            repos, appeal, now, after=len(clock.policy.first_response_steps) - 1)
        await self._tell_citizen(repos, appeal, texts.CITIZEN_EXTENDED.format(
            number=appeal.number, institution=inst.display_name,
            due=format_time(new_due, tz)), now)
        await self.cards.refresh(repos, appeal, now)
        return appeal

    def redirect_is_late(self, appeal: Appeal, now: datetime) -> bool:
        return now > self.deadlines.redirect_deadline(appeal.created_at)

    @property
    def redirect_window(self) -> timedelta:
        """How soon after registration an appeal should reach the competent institution."""
        return self.deadlines.policy.redirect_within

    async def close(self, repos: Repositories, appeal: Appeal, actor: User, now: datetime,
                    reason: str = "other") -> Appeal:
        """Closed with a reason (texts.CLOSE_REASONS) the citizen is told, with the way back."""
        self._require_open(appeal)
        appeal = await repos.appeals.update(appeal.id, now, status=AppealStatus.CLOSED,
                                            closed_at=now, next_reminder_at=None,
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
        await self.cards.refresh(repos, appeal, now)
        return appeal

    async def rate(self, repos: Repositories, appeal: Appeal, stars: int, now: datetime) -> bool:
        """Rating an answer closes the appeal. False when it was rated already."""
        if appeal.rating is not None or appeal.status != AppealStatus.ANSWERED:
            return False
        appeal = await repos.appeals.update(appeal.id, now, rating=stars, status=AppealStatus.CLOSED,
                                            closed_at=now)
        await repos.appeals.add_event(appeal.id, "rated", now, appeal.citizen_id, stars=stars)
        await self.cards.refresh(repos, appeal, now)
        return True

    async def reopen(self, repos: Repositories, appeal: Appeal, now: datetime,
                     answer: int | None = None) -> Appeal:
        """The citizen says the answer did not solve it: back to the institution. Once per
        answer: `answer` is the one the button was under (None: a button of before)."""
        if appeal.status not in (AppealStatus.ANSWERED, AppealStatus.CLOSED):
            raise AppealError(appeal_state(appeal.number, appeal.status))
        stale = answer is not None and answer != appeal.answers_given
        if stale or appeal.reopens >= max(appeal.answers_given, 1):
            raise AppealError(texts.REOPEN_ALREADY.format(number=appeal.number))
        status = AppealStatus.IN_PROGRESS if appeal.assignee_id else AppealStatus.NEW
        appeal = await repos.appeals.update(appeal.id, now, status=status, answered_at=None,
                                            closed_at=None, rating=None,
                                            reopens=appeal.reopens + 1)
        await repos.appeals.add_event(appeal.id, "reopened", now, appeal.citizen_id)
        appeal = await self.schedule_reminders(repos, appeal, now)
        await self.cards.post(
            repos, appeal, now, prefix=texts.CARD_REOPENED.format(number=appeal.number) + "\n\n"
        )
        return appeal
