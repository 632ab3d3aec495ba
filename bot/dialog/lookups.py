"""The turn's FAQ match, directory search, and an appeal text's institution and category,
done before its transaction when the step they serve can be foreseen (issue 15: CPU work
outside the database's lock).

The matching is pure CPU on the event loop. Inside a unit of work it held the writer's
lock while it ran, so no other turn's statements could use the database thread
meanwhile. The dialog remembers the step each conversation was left at (a hint kept in
memory, bounded), and before the unit opens it asks the matcher the question that step
will ask. The turn then finds the answer memoised; a wrong hint (another process moved
the conversation, a restart) costs nothing but the spare match, and the turn asks again
inside the unit as before. A citizen's searches prefer the region they last filed an
appeal in (users.region): the hint keeps that region too, so the search asked ahead is
the one the turn asks.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor

from bot.dialog.ports import CategoryGuesser, DirectorySource, FaqSource
from bot.dialog.states import Step
from bot.dialog.types import Incoming
from directory import Match
from directory.model import Institution
from faq.model import FaqResult

FAQ_STEPS = frozenset({Step.IDLE, Step.FAQ_ASK})
DIRECTORY_STEPS = frozenset({Step.FIND_QUERY, Step.FIND_PICK, Step.APPEAL_INST,
                             Step.APPEAL_PICK, Step.STAFF_REDIRECT})
SEARCH_LIMIT = 5  # CitizenFlows.search's default


class Lookups:
    """One turn's memo of matcher answers."""

    def __init__(self, faq: FaqSource, directory: DirectorySource,
                 categories: CategoryGuesser) -> None:
        self._faq = faq
        self._directory = directory
        self._categories = categories
        self._answers: dict[str, FaqResult] = {}
        self._matches: dict[tuple[str, int, str], list[Match]] = {}
        self._mentioned: dict[str, Institution | None] = {}
        self._guesses: dict[str, str | None] = {}

    def faq(self, question: str) -> FaqResult:
        if (found := self._answers.get(question)) is None:
            found = self._answers[question] = self._faq.matcher.match(question)
        return found

    def directory(self, query: str, limit: int = SEARCH_LIMIT, prefer: str = "") -> list[Match]:
        """The directory's matches; `prefer`: a region (as institutions' rows write it)
        whose institutions come first, the others still found."""
        key = (query, limit, prefer)
        if (found := self._matches.get(key)) is None:
            found = self._matches[key] = self._directory.current.search(
                query, limit=limit, boost_region=prefer or None)
        return found

    def pointed_to(self, text: str) -> Institution | None:
        """The institution an appeal's text points to, as the one that answers for it (a
        FAP's ЦРБ), or None when the text names none clearly (issue 18)."""
        if text not in self._mentioned:
            directory = self._directory.current
            found = directory.mentions(text, limit=1)
            self._mentioned[text] = (directory.competent(found[0].institution.id)
                                     if found else None)
        return self._mentioned[text]

    def category(self, text: str) -> str | None:
        if text not in self._guesses:
            self._guesses[text] = self._categories.guess(text)
        return self._guesses[text]


class StepHints:
    """The step each conversation was left at, as this process last saw it (a hint)."""

    def __init__(self, size: int = 50_000) -> None:
        self._size = size
        # (step, region the person's searches prefer) per conversation
        self._steps: OrderedDict[tuple[str, str, str], tuple[str, str]] = OrderedDict()
        self._model_thread: ThreadPoolExecutor | None = None

    def left_at(self, inc: Incoming, step: str, region: str = "") -> None:
        key = (inc.platform, inc.chat_id, inc.user_id)
        self._steps[key] = (step, region)
        self._steps.move_to_end(key)
        if len(self._steps) > self._size:
            self._steps.popitem(last=False)

    async def ahead(self, inc: Incoming, lookups: Lookups, *, heavy: bool) -> None:
        """prepare(); `heavy`: the FAQ has a ranking model (FAQ_RANKER), whose match takes
        some 16 ms of CPU: then on one thread of its own (the model wants one), not on the
        event loop every chat shares."""
        if not heavy:
            self.prepare(inc, lookups)
            return
        if self._model_thread is None:
            self._model_thread = ThreadPoolExecutor(1, thread_name_prefix="faq-model")
        await asyncio.get_running_loop().run_in_executor(self._model_thread, self.prepare,
                                                         inc, lookups)

    def prepare(self, inc: Incoming, lookups: Lookups) -> None:
        """Ask ahead what the turn will ask, if the message is text the step reads."""
        text = inc.text.strip()
        if (not text or inc.payload or inc.event is not None or text.startswith("/")
                or inc.reply_to_message_id or inc.is_group):
            return
        step, region = self._steps.get((inc.platform, inc.chat_id, inc.user_id),
                                       (Step.IDLE, ""))
        if step in FAQ_STEPS:
            lookups.faq(text)
        elif step in DIRECTORY_STEPS:
            lookups.directory(text, prefer=region)
        elif step == Step.APPEAL_TEXT:
            lookups.pointed_to(text)
            lookups.category(text)
