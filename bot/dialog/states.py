"""What a conversation remembers between messages: the step it is at, and the appeal a
citizen is writing. Both are stored as plain values (dialog_state: the step's string and
JSON data), so a restart, or an older row, carries on where it was."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any

from bot.message import Attachment
from storage.records import Routing, SuggestionOutcome

MAX_ATTACHMENTS = 10


class Step(StrEnum):
    IDLE = "idle"
    FAQ_ASK = "faq_ask"  # a question for the FAQ is next
    FIND_QUERY = "find_query"  # an institution's name is next
    FIND_PICK = "find_pick"  # ... or a button of the candidates
    INST_SHOWN = "inst_shown"  # an institution's page is shown («Написать обращение сюда»)
    APPEAL_INST = "appeal_inst"  # the appeal's institution is next
    APPEAL_PICK = "appeal_pick"
    APPEAL_CATEGORY = "appeal_category"
    APPEAL_TEXT = "appeal_text"
    APPEAL_ROUTE = "appeal_route"  # the institution the text points to: take it or keep ours
    APPEAL_CONSENT = "appeal_consent"
    APPEAL_CONFIRM = "appeal_confirm"
    STAFF_ANSWER = "staff_answer"  # a staff answer is next (bot/dialog/answers.py)
    STAFF_CONFIRM = "staff_confirm"  # ... shown back, waiting for «Отправить гражданину»
    STAFF_REDIRECT = "staff_redirect"  # the institution to redirect to is next
    FORGET_CONFIRM = "forget_confirm"


# Steps where a plain text message is the answer to the bot's question.
TEXT_STEPS = frozenset({
    Step.FAQ_ASK, Step.FIND_QUERY, Step.FIND_PICK, Step.APPEAL_INST, Step.APPEAL_PICK,
    Step.APPEAL_TEXT, Step.STAFF_ANSWER, Step.STAFF_CONFIRM, Step.STAFF_REDIRECT,
})
# Steps that wait for a button: a text gets the same question again.
BUTTON_STEPS = frozenset({Step.APPEAL_CATEGORY, Step.APPEAL_ROUTE, Step.APPEAL_CONSENT,
                          Step.APPEAL_CONFIRM})
ANSWER_STEPS = frozenset({Step.STAFF_ANSWER, Step.STAFF_CONFIRM})


@dataclass(frozen=True, slots=True)
class AppealDraft:
    """The appeal a citizen is filling in, step by step; stored as the state's data
    (keys institution_id, category, attachments, text, as they always were; suggested,
    first_choice, route: the institution suggested from the text and what came of it;
    guess: the category guessed from the text)."""

    institution_id: str
    category: str = ""
    attachments: tuple[Attachment, ...] = ()
    text: str = ""
    suggested: str = ""
    first_choice: str = ""
    route: str = ""  # a SuggestionOutcome, or "" while none was answered
    guess: str = ""

    @classmethod
    def of(cls, data: dict[str, Any]) -> AppealDraft:
        return cls(str(data.get("institution_id") or ""), str(data.get("category") or ""),
                   tuple(Attachment(**a) for a in data.get("attachments") or ()),
                   str(data.get("text") or ""), str(data.get("suggested") or ""),
                   str(data.get("first_choice") or ""), str(data.get("route") or ""),
                   str(data.get("guess") or ""))

    def data(self) -> dict[str, Any]:
        out: dict[str, Any] = {"institution_id": self.institution_id}
        if self.category:
            out["category"] = self.category
        if self.attachments:
            out["attachments"] = [asdict(a) for a in self.attachments]
        for key in ("text", "suggested", "first_choice", "route", "guess"):
            if value := getattr(self, key):
                out[key] = value
        return out

    @property
    def routing(self) -> Routing:
        """What the form learnt about where the appeal goes, as it is stored."""
        return Routing(self.suggested, self.first_choice,
                       SuggestionOutcome(self.route) if self.route else None)

    def routed(self, institution_id: str, outcome: SuggestionOutcome) -> AppealDraft:
        """The citizen answered the suggestion: `institution_id` is where it goes now."""
        return replace(self, institution_id=institution_id, route=outcome.value,
                       first_choice=self.first_choice or self.institution_id)

    def with_category(self, category: str) -> AppealDraft:
        return replace(self, category=category)

    def with_attachments(self, more: tuple[Attachment, ...]) -> AppealDraft:
        """Up to MAX_ATTACHMENTS in all: the ones over it are left out."""
        room = max(MAX_ATTACHMENTS - len(self.attachments), 0)
        return replace(self, attachments=self.attachments + more[:room])

    def with_text(self, text: str) -> AppealDraft:
        return replace(self, text=text)
