"""The appeal form: institution, text, (the institution the text points to), category
(guessed from the text, for the citizen to confirm), consent, confirmation; filing, or
linking a repeat of an open appeal to it (issue 18)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot import texts
from bot.appeals.regions import operator_chats
from bot.appeals.repeats import REPEAT_WINDOW, repeat_of
from bot.appeals.service import AppealService
from bot.dialog.citizen import CitizenFlows, cancel_row, menu_buttons
from bot.dialog.states import AppealDraft, Step
from bot.dialog.turn import Turn
from bot.dialog.types import Button
from bot.formatting import format_time
from bot.payloads import Category, Confirm, Consent, Route
from directory.model import Institution
from storage.records import Appeal, SuggestionOutcome

APPEAL_TEXT_MIN = 10
# The card for the admins (header, names, this text) must fit one 4096-character message.
APPEAL_TEXT_MAX = 3000


class AppealForm:
    def __init__(self, citizen: CitizenFlows, appeals: AppealService,
                 appeals_per_day: int = 0) -> None:
        self.citizen = citizen
        self.appeals = appeals
        self.appeals_per_day = appeals_per_day  # 0: no limit

    async def over_daily_limit(self, t: Turn, count: int | None = None) -> bool:
        """Says so when the citizen filed as many appeals in 24 hours as they may (`count`
        of them, when read already)."""
        if not self.appeals_per_day:
            return False
        if count is None:
            count = await t.repos.appeals.filed_since(t.user.id, t.now - timedelta(days=1))
        if count < self.appeals_per_day:
            return False
        t.go(Step.IDLE)
        t.say(texts.APPEALS_PER_DAY.format(count=count), menu_buttons())
        return True

    # the institution

    async def start(self, t: Turn) -> None:
        if await self.over_daily_limit(t):
            return
        t.go(Step.APPEAL_INST)
        t.say(texts.APPEAL_ASK_INSTITUTION, [cancel_row()])

    async def here(self, t: Turn) -> None:
        """«Написать обращение сюда» under an institution's page."""
        inst_id = t.data("institution_id") if t.step == Step.INST_SHOWN else None
        inst = await t.repos.institutions.get(inst_id) if inst_id else None
        if inst is None or not inst.active:
            self.citizen.stale(t)
            return
        if not await self.over_daily_limit(t):
            self.ask_text(t, AppealDraft(inst.id), inst)

    async def institution(self, t: Turn, query: str) -> None:
        inst = await self.citizen.choose_institution(t, query, Step.APPEAL_PICK)
        if inst is not None:
            self.ask_text(t, AppealDraft(inst.id), inst)

    async def picked(self, t: Turn, index: int) -> None:
        inst = await self.citizen.picked_institution(t, index)
        if inst is not None:
            self.ask_text(t, AppealDraft(inst.id), inst)

    # the text, and where it points

    def ask_text(self, t: Turn, draft: AppealDraft, inst: Institution) -> None:
        t.go_drafting(Step.APPEAL_TEXT, draft)
        t.say(texts.APPEAL_ASK_TEXT_FOR.format(institution=inst.display_name), [cancel_row()])

    async def text(self, t: Turn) -> None:
        text = t.text
        draft = t.draft.with_attachments(t.inc.attachments)
        if len(text) < APPEAL_TEXT_MIN:
            t.go_drafting(Step.APPEAL_TEXT, draft)
            t.say(texts.APPEAL_ATTACHMENT_ADDED.format(count=len(draft.attachments),
                                                       min=APPEAL_TEXT_MIN)
                  if t.inc.attachments and not text else
                  texts.APPEAL_TEXT_TOO_SHORT.format(min=APPEAL_TEXT_MIN), [cancel_row()])
            return
        if len(text) > APPEAL_TEXT_MAX:
            t.go_drafting(Step.APPEAL_TEXT, draft)
            t.say(texts.TOO_LONG.format(limit=APPEAL_TEXT_MAX), [cancel_row()])
            return
        draft = replace(draft.with_text(text), guess=t.lookups.category(text) or "")
        pointed = None if draft.route else t.lookups.pointed_to(text)  # asked once per draft
        if pointed is not None and pointed.active and pointed.id != draft.institution_id:
            chosen = await t.repos.institutions.get(draft.institution_id)
            draft = replace(draft, suggested=pointed.id)
            t.go_drafting(Step.APPEAL_ROUTE, draft)
            self.ask_route(t, pointed, chosen)
            return
        await self.after_text(t, draft)

    def ask_route(self, t: Turn, suggested: Institution, chosen: Institution | None) -> None:
        chosen_name = chosen.display_name if chosen else "?"
        t.say(texts.APPEAL_ROUTE_SUGGEST.format(suggested=suggested.display_name,
                                                chosen=chosen_name), [
            [Route("accept").button(texts.BTN_ROUTE_ACCEPT.format(
                institution=suggested.display_name))],
            [Route("keep").button(texts.BTN_ROUTE_KEEP.format(institution=chosen_name))],
            cancel_row(),
        ])

    async def route_chosen(self, t: Turn, accepted: bool) -> None:
        draft = t.draft
        if t.step != Step.APPEAL_ROUTE or not draft.suggested:
            self.citizen.stale(t)
            return
        target = draft.suggested if accepted else draft.institution_id
        inst = await t.repos.institutions.get(target)
        if inst is None or not inst.active:  # the directory changed meanwhile
            target, accepted = draft.institution_id, False
        draft = draft.routed(target, SuggestionOutcome.ACCEPTED if accepted
                             else SuggestionOutcome.KEPT)
        if accepted and inst is not None:
            t.say(texts.APPEAL_ROUTE_ACCEPTED.format(institution=inst.display_name))
        await self.after_text(t, draft)

    async def after_text(self, t: Turn, draft: AppealDraft) -> None:
        """The category, unless chosen already (a form begun before the text came first)."""
        if draft.category:
            t.go_drafting(Step.APPEAL_CONSENT, draft)
            self.ask_consent(t)
        else:
            self.ask_category(t, draft)

    # the category

    def ask_category(self, t: Turn, draft: AppealDraft) -> None:
        t.go_drafting(Step.APPEAL_CATEGORY, draft)
        rows: list[list[Button]] = []
        guess = draft.guess if draft.guess in texts.CATEGORIES else ""
        if guess:
            rows.append([Category(guess).button(
                texts.CATEGORY_GUESS_MARK + texts.CATEGORIES[guess])])
        rows += [[Category(key).button(title)] for key, title in texts.CATEGORIES.items()
                 if key != guess]
        t.say(texts.APPEAL_CATEGORY_GUESS.format(category=texts.CATEGORIES[guess]) if guess
              else texts.APPEAL_ASK_CATEGORY_ONLY, rows + [cancel_row()])

    async def category_chosen(self, t: Turn, key: str) -> None:
        if t.step != Step.APPEAL_CATEGORY or key not in texts.CATEGORIES:
            self.citizen.stale(t)
            return
        draft = t.draft.with_category(key)
        if draft.text:
            t.go_drafting(Step.APPEAL_CONSENT, draft)
            self.ask_consent(t)
            return
        # a form begun when the category came before the text (a state stored before)
        inst = await t.repos.institutions.get(draft.institution_id)
        if inst is None:
            self.citizen.stale(t)
            return
        self.ask_text(t, draft, inst)

    # consent and confirmation

    def ask_consent(self, t: Turn) -> None:
        t.say(texts.APPEAL_ASK_CONSENT, [
            [Consent("yes").button(texts.BTN_CONSENT_YES)],
            [Consent("no").button(texts.BTN_CONSENT_NO)],
            cancel_row(),
        ])

    async def repeat_question(self, t: Turn) -> None:
        """Text where a button was expected: say so and show the same buttons again."""
        t.say(texts.APPEAL_PRESS_BUTTON)
        draft = t.draft
        if t.step == Step.APPEAL_CATEGORY:
            self.ask_category(t, draft)
            return
        if t.step == Step.APPEAL_ROUTE and draft.suggested:
            suggested = await t.repos.institutions.get(draft.suggested)
            if suggested is not None:
                self.ask_route(t, suggested, await t.repos.institutions.get(draft.institution_id))
                return
        elif t.step == Step.APPEAL_CONSENT:
            self.ask_consent(t)
            return
        elif t.step == Step.APPEAL_CONFIRM:
            await self.show_confirmation(t)
            return
        self.citizen.menu(t)

    async def consent(self, t: Turn, agreed: bool) -> None:
        if t.step != Step.APPEAL_CONSENT:
            self.citizen.stale(t)
            return
        if not agreed:
            t.go(Step.IDLE)
            t.say(texts.APPEAL_CONSENT_REFUSED, menu_buttons())
            return
        t.go_drafting(Step.APPEAL_CONFIRM, t.draft)
        await self.show_confirmation(t)

    async def show_confirmation(self, t: Turn) -> None:
        draft = t.draft
        inst = await t.repos.institutions.get(draft.institution_id)
        count = len(draft.attachments)
        t.say(texts.APPEAL_CONFIRM.format(
            institution=inst.display_name if inst else "?",
            category=texts.CATEGORIES.get(draft.category, "?"),
            text=draft.text,
            attachments=texts.APPEAL_ATTACHMENTS.format(count=count) if count else "",
        ), [
            [Confirm("send").button(texts.BTN_SEND)],
            [Confirm("edit").button(texts.BTN_EDIT_TEXT)],
            cancel_row(),
        ])

    async def confirm(self, t: Turn, action: str) -> None:
        if t.step != Step.APPEAL_CONFIRM:
            latest = await t.repos.appeals.of_citizen(t.user.id, limit=1)
            if (action == "send" and latest
                    and t.now - latest[0].created_at < timedelta(minutes=10)):
                t.say(texts.APPEAL_ALREADY_SENT.format(number=latest[0].number))  # a double tap
            else:
                self.citizen.stale(t)
            return
        draft = t.draft
        if action == "edit":
            t.go_drafting(Step.APPEAL_TEXT, draft.with_text(""))
            t.say(texts.APPEAL_ASK_TEXT, [cancel_row()])
            return
        inst = await t.repos.institutions.get(draft.institution_id)
        if inst is None:
            self.citizen.stale(t)
            return
        today, recent = await t.repos.routing.before_filing(
            t.user.id, inst.id, t.now - timedelta(days=1), t.now - REPEAT_WINDOW)
        if (first := repeat_of(draft.text, recent)) is not None:
            await self.link_repeat(t, draft, inst, first)  # not a new appeal: no limit
            return
        if await self.over_daily_limit(t, today):
            return
        appeal = await self.appeals.file(t.repos, t.user, t.chat, inst, draft.category,
                                         draft.text, list(draft.attachments), t.now,
                                         routing=draft.routing)
        tz = self.appeals.timezone_of(inst)
        t.go(Step.IDLE)
        filed = texts.APPEAL_FILED
        if not await t.repos.people.inbox_chats(inst.id):  # honest about where it went
            operators = await operator_chats(t.repos, inst.region_key)  # got the card
            filed = texts.APPEAL_FILED_VIA_OPERATORS if operators else texts.APPEAL_FILED_UNSEEN
        if inst.region:  # their directory searches prefer its region from now on (last:
            await t.repos.people.set_region(t.user, inst.region)  # a write of `users`)
        t.say(filed.format(
            number=appeal.number, institution=inst.display_name,
            first_due=format_time(appeal.first_response_due, tz),
            due=format_time(appeal.due_at, tz),
        ), menu_buttons(), appeal_id=appeal.id)

    async def link_repeat(self, t: Turn, draft: AppealDraft, inst: Institution,
                          first: Appeal) -> None:
        """The same text to the same institution within a week, while the first is open:
        an addition to that appeal, and the citizen is told."""
        appeal = await self.appeals.link_repeat(t.repos, first, t.user, draft.text,
                                                draft.attachments, t.chat, t.now)
        tz = self.appeals.timezone_of(inst)
        t.go(Step.IDLE)
        t.say(texts.APPEAL_REPEAT_LINKED.format(
            number=appeal.number, institution=inst.display_name,
            date=format_time(appeal.created_at, tz), due=format_time(appeal.due_at, tz),
        ), menu_buttons(), appeal_id=appeal.id)
