"""Citizen flows: menu, FAQ, finding an institution's page, filing an appeal, my appeals."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot import texts
from bot.appeals.service import AppealService
from bot.dialog.ports import DirectorySource, FaqSource
from bot.dialog.states import AppealDraft, Step
from bot.dialog.turn import Turn
from bot.dialog.types import Button
from bot.formatting import format_time, institution_card
from bot.payloads import (
    AppealHere,
    Cancel,
    Category,
    Confirm,
    Consent,
    Feedback,
    Menu,
    MenuItem,
    Pick,
    Suggestion,
)
from bot.screening import mask_personal_data
from directory import Directory
from directory.model import Institution, Match
from faq import FaqEntry, is_small_talk
from storage.records import Role
from textnorm import fold

log = logging.getLogger(__name__)

APPEAL_TEXT_MIN = 10
# The card for the admins (header, names, this text) must fit one 4096-character message.
APPEAL_TEXT_MAX = 3000


def menu_button(text: str, item: MenuItem) -> Button:
    return Menu(item).button(text)


def menu_buttons() -> list[list[Button]]:
    return [
        [menu_button(texts.BTN_FAQ, MenuItem.FAQ)],
        [menu_button(texts.BTN_FIND, MenuItem.FIND)],
        [menu_button(texts.BTN_APPEAL, MenuItem.APPEAL)],
        [menu_button(texts.BTN_MY, MenuItem.MY), menu_button(texts.BTN_HELP, MenuItem.HELP)],
    ]


# Typed words that mean "the menu" on every platform (VK's «Начать» button sends its label).
MENU_WORDS = frozenset({"начать", "меню", "главное меню", "start", "menu", "старт"})


def cancel_row() -> list[Button]:
    return [Cancel().button(texts.BTN_CANCEL)]


def to_menu_row() -> list[Button]:
    return [menu_button(texts.BTN_MENU, MenuItem.MENU)]


def handover_buttons() -> list[list[Button]]:
    """Where to go when the FAQ cannot help: a person, or the right institution."""
    return [
        [menu_button(texts.BTN_APPEAL, MenuItem.APPEAL)],
        [menu_button(texts.BTN_FIND, MenuItem.FIND)],
        to_menu_row(),
    ]


class CitizenFlows:
    def __init__(
        self, directory: DirectorySource, faq: FaqSource, appeals: AppealService,
        appeals_per_day: int = 0,
    ) -> None:
        self.appeals_per_day = appeals_per_day  # 0: no limit
        self.directory = directory
        self.faq = faq
        self.appeals = appeals

    # menu

    def stale(self, t: Turn) -> None:
        """A button from an old message, or one we did not make: back to the menu."""
        t.go(Step.IDLE)
        t.say(texts.STALE_BUTTON, menu_buttons())

    def menu(self, t: Turn, text: str = texts.MENU) -> None:
        t.go(Step.IDLE)
        t.say(text, menu_buttons())

    def start(self, t: Turn) -> None:
        t.go(Step.IDLE)
        t.say(texts.WELCOME)
        t.say(texts.MENU, menu_buttons())

    def help(self, t: Turn) -> None:
        t.say(texts.HELP, [to_menu_row()])

    # FAQ

    def ask_question(self, t: Turn) -> None:
        t.go(Step.FAQ_ASK)
        t.say(texts.FAQ_ASK, [cancel_row()])

    async def answer_question(self, t: Turn, question: str) -> None:
        t.go(Step.IDLE)
        if fold(question).strip(" !.") in MENU_WORDS:  # «Начать», «меню» typed, not pressed
            self.menu(t)
            return
        pleasantry = is_small_talk(question)
        if pleasantry is not None:  # a greeting is not a question the FAQ failed
            t.say(texts.SMALL_TALK_THANKS if pleasantry == "thanks" else texts.SMALL_TALK_GREETING,
                  menu_buttons())
            return
        result = t.lookups.faq(question)
        if result.answer is not None:
            self.show_entry(t, result.answer)
            return
        if any(ch.isalnum() for ch in question):  # an emoji or a dot is no FAQ gap
            masked = mask_personal_data(question[:500])  # 152-FZ: no names, phones, ...
            await t.repos.faq_stats.add_unanswered(masked, fold(masked)[:500],
                                                   t.inc.platform, t.now)
        if result.suggestions:
            rows = [[b] for e in result.suggestions
                    if (b := Suggestion(e.id).button_if_fits(e.question))]
            t.say(texts.FAQ_SUGGEST, rows + handover_buttons())
        else:
            t.say(texts.FAQ_NO_MATCH, handover_buttons())

    def show_entry(self, t: Turn, entry: FaqEntry) -> None:
        text = f"{entry.answer}"
        if entry.links:
            text += "\n\n" + texts.FAQ_LINKS + "\n" + "\n".join(entry.links)
        text += "\n\n" + texts.FAQ_ANSWER_FOOTER
        row = [b for b in (Feedback.of(True, entry.id).button_if_fits(texts.BTN_YES_HELPED),
                           Feedback.of(False, entry.id).button_if_fits(texts.BTN_NO_HELPED)) if b]
        t.say(text, [row] if row else [], faq_entry=entry.id)

    async def suggestion_chosen(self, t: Turn, entry_id: str) -> None:
        entry = self.faq.matcher.get(entry_id)
        if entry is None:
            self.stale(t)
            return
        t.go(Step.IDLE)
        self.show_entry(t, entry)

    async def feedback(self, t: Turn, helpful: bool, entry_id: str) -> None:
        # Once per answer: the answer message's id (or, without one, the entry that day).
        key = (f"{t.inc.chat_id}:{t.inc.message_id}" if t.inc.message_id
               else f"{entry_id}:{t.now:%Y-%m-%d}")
        if not await t.repos.faq_stats.add_feedback(entry_id, helpful, t.inc.platform,
                                                    t.inc.user_id, t.now, answer_key=key):
            t.say(texts.FEEDBACK_ALREADY, [to_menu_row()])
            return
        if helpful:
            t.say(texts.FAQ_THANKS, [to_menu_row()])
        else:
            t.say(texts.FAQ_SORRY, handover_buttons())

    # directory

    def ask_institution_name(self, t: Turn) -> None:
        t.go(Step.FIND_QUERY)
        t.say(texts.FIND_ASK, [cancel_row()])

    def search(self, t: Turn, query: str, limit: int = 5) -> list[Match] | None:
        """Matches, or None after telling the citizen why the query cannot be searched."""
        if len(fold(query)) < 2:
            t.say(texts.FIND_TOO_SHORT, [cancel_row()])
            return None
        matches = t.lookups.directory(query, limit)
        if not matches:
            t.say(texts.FIND_NOTHING.format(query=query[:100]), [cancel_row()])
            return None
        return matches

    def choice_buttons(self, matches: list[Match]) -> list[list[Button]]:
        rows = [[Pick(i).button(m.institution.display_name[:60])]
                for i, m in enumerate(matches)]
        return rows + [cancel_row()]

    async def _choose_institution(self, t: Turn, query: str, pick_step: Step,
                                  ) -> Institution | None:
        """The clear winner of a search; else None, after offering the top 3 as buttons."""
        matches = self.search(t, query)
        if matches is None:
            return None
        winner = Directory.clear_winner(matches) or (matches[0] if len(matches) == 1 else None)
        if winner is not None:  # one match is the match, not a list of one
            return winner.institution
        top = matches[:3]
        t.go(pick_step, candidates=[m.institution.id for m in top])
        t.say(texts.FIND_CHOOSE, self.choice_buttons(top))
        return None

    async def find(self, t: Turn, query: str) -> None:
        inst = await self._choose_institution(t, query, Step.FIND_PICK)
        if inst is not None:
            self.show_institution(t, inst)

    def show_institution(self, t: Turn, inst: Institution) -> None:
        t.go(Step.INST_SHOWN, institution_id=inst.id)
        t.say(institution_card(inst, t.inc.platform), [
            [AppealHere().button(texts.BTN_APPEAL_HERE)],
            to_menu_row(),
        ])

    async def picked(self, t: Turn, index: int) -> None:
        """A button from a list of candidates, in whichever flow showed it."""
        candidates = t.data("candidates") or []
        if not 0 <= index < len(candidates):
            self.stale(t)
            return
        inst = await t.repos.institutions.get(candidates[index])
        if inst is None or not inst.active:
            self.stale(t)
            return
        if t.step == Step.FIND_PICK:
            self.show_institution(t, inst)
        else:
            self.ask_category(t, inst)

    # filing an appeal

    async def over_daily_limit(self, t: Turn) -> bool:
        """Says so when the citizen filed as many appeals in 24 hours as they may."""
        if not self.appeals_per_day:
            return False
        count = await t.repos.appeals.filed_since(t.user.id, t.now - timedelta(days=1))
        if count < self.appeals_per_day:
            return False
        t.go(Step.IDLE)
        t.say(texts.APPEALS_PER_DAY.format(count=count), menu_buttons())
        return True

    async def start_appeal(self, t: Turn) -> None:
        if await self.over_daily_limit(t):
            return
        t.go(Step.APPEAL_INST)
        t.say(texts.APPEAL_ASK_INSTITUTION, [cancel_row()])

    async def appeal_here(self, t: Turn) -> None:
        inst_id = t.data("institution_id") if t.step == Step.INST_SHOWN else None
        inst = await t.repos.institutions.get(inst_id) if inst_id else None
        if inst is None or not inst.active:
            self.stale(t)
            return
        if not await self.over_daily_limit(t):
            self.ask_category(t, inst)

    async def appeal_institution(self, t: Turn, query: str) -> None:
        inst = await self._choose_institution(t, query, Step.APPEAL_PICK)
        if inst is not None:
            self.ask_category(t, inst)

    def ask_category(self, t: Turn, inst: Institution) -> None:
        t.go_drafting(Step.APPEAL_CATEGORY, AppealDraft(inst.id))
        rows = [[Category(key).button(title)] for key, title in texts.CATEGORIES.items()]
        t.say(texts.APPEAL_ASK_CATEGORY.format(institution=inst.display_name),
              rows + [cancel_row()])

    def category_chosen(self, t: Turn, key: str) -> None:
        if t.step != Step.APPEAL_CATEGORY or key not in texts.CATEGORIES:
            self.stale(t)
            return
        t.go_drafting(Step.APPEAL_TEXT, t.draft.with_category(key))
        t.say(texts.APPEAL_ASK_TEXT, [cancel_row()])

    def appeal_text(self, t: Turn) -> None:
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
        t.go_drafting(Step.APPEAL_CONSENT, draft.with_text(text))
        self.ask_consent(t)

    def ask_consent(self, t: Turn) -> None:
        t.say(texts.APPEAL_ASK_CONSENT, [
            [Consent("yes").button(texts.BTN_CONSENT_YES)],
            [Consent("no").button(texts.BTN_CONSENT_NO)],
            cancel_row(),
        ])

    async def repeat_question(self, t: Turn) -> None:
        """Text where a button was expected: say so and show the same buttons again."""
        t.say(texts.APPEAL_PRESS_BUTTON)
        if t.step == Step.APPEAL_CATEGORY:
            inst = await t.repos.institutions.get(t.draft.institution_id)
            if inst is not None:
                self.ask_category(t, inst)
                return
        elif t.step == Step.APPEAL_CONSENT:
            self.ask_consent(t)
            return
        elif t.step == Step.APPEAL_CONFIRM:
            await self.show_confirmation(t)
            return
        self.menu(t)

    async def consent(self, t: Turn, agreed: bool) -> None:
        if t.step != Step.APPEAL_CONSENT:
            self.stale(t)
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
                self.stale(t)
            return
        draft = t.draft
        if action == "edit":
            t.go_drafting(Step.APPEAL_TEXT, draft.with_text(""))
            t.say(texts.APPEAL_ASK_TEXT, [cancel_row()])
            return
        inst = await t.repos.institutions.get(draft.institution_id)
        if inst is None:
            self.stale(t)
            return
        if await self.over_daily_limit(t):
            return
        appeal = await self.appeals.file(t.repos, t.user, t.chat, inst, draft.category,
                                         draft.text, list(draft.attachments), t.now)
        tz = self.appeals.timezone_of(inst)
        t.go(Step.IDLE)
        filed = texts.APPEAL_FILED
        if not await t.repos.people.inbox_chats(inst.id):  # honest about where it went
            operators = await t.repos.people.staff_chats(Role.OPERATOR)
            filed = texts.APPEAL_FILED_VIA_OPERATORS if operators else texts.APPEAL_FILED_UNSEEN
        t.say(filed.format(
            number=appeal.number, institution=inst.display_name,
            first_due=format_time(appeal.first_response_due, tz),
            due=format_time(appeal.due_at, tz),
        ), menu_buttons(), appeal_id=appeal.id)
