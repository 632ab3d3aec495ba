"""Citizen flows: menu, FAQ, finding an institution's page (the appeal form is
bot/dialog/appeal_form.py, one's own appeals bot/dialog/own_appeals.py)."""

from __future__ import annotations

import logging

from bot import texts
from bot.dialog.ports import DirectorySource, FaqSource
from bot.dialog.states import Step
from bot.dialog.turn import Turn
from bot.dialog.types import Button
from bot.formatting import institution_card
from bot.payloads import (
    AppealHere,
    Cancel,
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
from textnorm import fold

log = logging.getLogger(__name__)

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
    def __init__(self, directory: DirectorySource, faq: FaqSource) -> None:
        self.directory = directory
        self.faq = faq

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
        """Matches, or None after telling the citizen why the query cannot be searched.
        The region the person last filed an appeal in comes first (the same name may be
        an institution of several regions)."""
        if len(fold(query)) < 2:
            t.say(texts.FIND_TOO_SHORT, [cancel_row()])
            return None
        matches = t.lookups.directory(query, limit, prefer=t.user.region)
        if not matches:
            t.say(texts.FIND_NOTHING.format(query=query[:100]), [cancel_row()])
            return None
        return matches

    def choice_buttons(self, matches: list[Match]) -> list[list[Button]]:
        rows = [[Pick(i).button(m.institution.display_name[:60])]
                for i, m in enumerate(matches)]
        return rows + [cancel_row()]

    async def choose_institution(self, t: Turn, query: str, pick_step: Step,
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
        inst = await self.choose_institution(t, query, Step.FIND_PICK)
        if inst is not None:
            self.show_institution(t, inst)

    def show_institution(self, t: Turn, inst: Institution) -> None:
        t.go(Step.INST_SHOWN, institution_id=inst.id)
        t.say(institution_card(inst, t.inc.platform), [
            [AppealHere().button(texts.BTN_APPEAL_HERE)],
            to_menu_row(),
        ])

    async def picked_institution(self, t: Turn, index: int) -> Institution | None:
        """A button from a list of candidates, in whichever flow showed it; None after
        saying the button is stale."""
        candidates = t.data("candidates") or []
        inst = (await t.repos.institutions.get(candidates[index])
                if 0 <= index < len(candidates) else None)
        if inst is None or not inst.active:
            self.stale(t)
            return None
        return inst

    async def picked(self, t: Turn, index: int) -> None:
        inst = await self.picked_institution(t, index)
        if inst is not None:
            self.show_institution(t, inst)
