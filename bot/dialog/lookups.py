"""The turn's FAQ match and directory search, done before its transaction when the step
they serve can be foreseen (issue 15: CPU work outside the database's lock).

The matching is pure CPU on the event loop. Inside a unit of work it held the writer's
lock while it ran, so no other turn's statements could use the database thread
meanwhile. The dialog remembers the step each conversation was left at (a hint kept in
memory, bounded), and before the unit opens it asks the matcher the question that step
will ask. The turn then finds the answer memoised; a wrong hint (another process moved
the conversation, a restart) costs nothing but the spare match, and the turn asks again
inside the unit as before.
"""

from __future__ import annotations

from collections import OrderedDict

from bot.dialog.ports import DirectorySource, FaqSource
from bot.dialog.states import Step
from bot.dialog.types import Incoming
from directory import Match
from faq.model import FaqResult

FAQ_STEPS = frozenset({Step.IDLE, Step.FAQ_ASK})
DIRECTORY_STEPS = frozenset({Step.FIND_QUERY, Step.FIND_PICK, Step.APPEAL_INST,
                             Step.APPEAL_PICK, Step.STAFF_REDIRECT})
SEARCH_LIMIT = 5  # CitizenFlows.search's default


class Lookups:
    """One turn's memo of matcher answers."""

    def __init__(self, faq: FaqSource, directory: DirectorySource) -> None:
        self._faq = faq
        self._directory = directory
        self._answers: dict[str, FaqResult] = {}
        self._matches: dict[tuple[str, int], list[Match]] = {}

    def faq(self, question: str) -> FaqResult:
        if (found := self._answers.get(question)) is None:
            found = self._answers[question] = self._faq.matcher.match(question)
        return found

    def directory(self, query: str, limit: int = SEARCH_LIMIT) -> list[Match]:
        if (found := self._matches.get((query, limit))) is None:
            found = self._matches[(query, limit)] = self._directory.current.search(
                query, limit=limit)
        return found


class StepHints:
    """The step each conversation was left at, as this process last saw it (a hint)."""

    def __init__(self, size: int = 50_000) -> None:
        self._size = size
        self._steps: OrderedDict[tuple[str, str, str], str] = OrderedDict()

    def left_at(self, inc: Incoming, step: str) -> None:
        key = (inc.platform, inc.chat_id, inc.user_id)
        self._steps[key] = step
        self._steps.move_to_end(key)
        if len(self._steps) > self._size:
            self._steps.popitem(last=False)

    def prepare(self, inc: Incoming, lookups: Lookups) -> None:
        """Ask ahead what the turn will ask, if the message is text the step reads."""
        text = inc.text.strip()
        if (not text or inc.payload or inc.event is not None or text.startswith("/")
                or inc.reply_to_message_id or inc.is_group):
            return
        step = self._steps.get((inc.platform, inc.chat_id, inc.user_id), Step.IDLE)
        if step in FAQ_STEPS:
            lookups.faq(text)
        elif step in DIRECTORY_STEPS:
            lookups.directory(text)
