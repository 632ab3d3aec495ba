"""Dead letters for operators: updates a transport could not read were skipped (so they
never stall the others) and kept, raw, for 90 days; `python -m bot dead-letters` lists
them, `python -m bot dead-letters ID` prints one's JSON."""

from __future__ import annotations

from datetime import timedelta

from bot import texts
from storage.repositories import Repositories

DEAD_LETTERS_KEEP = timedelta(days=90)
SHOWN = 20


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
        received=texts.format_time(letter.received_at, timezone)) for letter in letters]
    lines.append(texts.DEAD_LETTER_HINT)
    return lines


async def dead_letter_raw(repos: Repositories, letter_id: int) -> str | None:
    letter = await repos.dead_letters.get(letter_id)
    return letter.raw if letter is not None else None
