"""Dead letters for operators: updates a transport could not read were skipped (so they
never stall the others) and kept, raw, for 90 days; `python -m bot dead-letters` lists
them, `python -m bot dead-letters ID` prints one's JSON."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot import texts
from bot.clock import Clock
from bot.formatting import format_time
from storage.repositories import Repositories
from storage.store import Store

DEAD_LETTERS_KEEP = timedelta(days=90)
SHOWN = 20


@dataclass(frozen=True, slots=True)
class Unreadable:
    """An update a transport skipped: its id (if it has a usable one), what was wrong (by
    field and error type, never the contents) and its raw text."""

    update_id: str | None
    reason: str
    raw: str


class DeadLetterStore:
    """Where the transports keep what they could not read (their DeadLetters port)."""

    def __init__(self, db: Store, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def keep(self, platform: str, letters: Sequence[Unreadable]) -> None:
        """All in one transaction; a redelivered one is kept once."""
        async with self.db.unit() as repos:
            for letter in letters:
                await repos.dead_letters.add(platform, letter.update_id, letter.reason,
                                             letter.raw, self.clock.now())


async def dead_letter_lines(repos: Repositories, timezone: str, limit: int = SHOWN) -> list[str]:
    """The count and the most recent ones, one line each (no contents: the reason names
    fields and error types only)."""
    count = await repos.dead_letters.count()
    if not count:
        return [texts.DEAD_LETTERS_NONE]
    letters = await repos.dead_letters.recent(limit)
    lines = [texts.DEAD_LETTERS_TITLE.format(days=DEAD_LETTERS_KEEP.days, count=count,
                                             shown=len(letters))]
    lines += [texts.DEAD_LETTER_LINE.format(
        id=letter.id, platform=texts.PLATFORM_NAMES.get(letter.platform, letter.platform),
        update_id=letter.update_id or "—", reason=letter.reason,
        received=format_time(letter.received_at, timezone)) for letter in letters]
    lines.append(texts.DEAD_LETTER_HINT)
    return lines


async def dead_letter_raw(repos: Repositories, letter_id: int) -> str | None:
    letter = await repos.dead_letters.get(letter_id)
    return letter.raw if letter is not None else None
