"""Staff reports (/queue, /stats, /gaps, /faqstats) read after the turn committed, through
the database's read-only reader: the turn's unit of work checks who asks and commits; the
report's reads never hold the writer's lock, so no citizen waits behind them."""

from __future__ import annotations

from bot.dialog.turn import Turn
from bot.dialog.types import Reply
from storage.store import Store


async def run_reports(db: Store, turn: Turn) -> list[Reply]:
    """The turn's reports, read in one snapshot; the replies they said (to be queued)."""
    if not turn.reports:
        return []
    before = len(turn.replies)
    async with db.read() as reader:
        for report in turn.reports:
            await report(reader)
    return turn.replies[before:]
