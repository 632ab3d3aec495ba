"""/routing [days] (issue 18): for the ministry, how often appeals were redirected, from
where to where, the time lost before the redirect, how often the institution suggested
from the text was taken (and whether it was right), and the repeats linked to open
appeals. Read after the turn committed, through the reader (bot/dialog/reports.py)."""

from __future__ import annotations

import statistics
from datetime import timedelta

from bot import texts
from bot.dialog.turn import Turn
from bot.formatting import format_left
from storage.repositories import Repositories
from storage.routing_repo import RoutingFigures

DEFAULT_DAYS = 30
MAX_DAYS = 366
TOP_PAIRS = 10


def parse_days(arg: str) -> int | None:
    """The period of `/routing [days]`; None when `arg` is no number of days in range."""
    if not arg:
        return DEFAULT_DAYS
    if not (arg.isascii() and arg.isdigit()) or not 1 <= int(arg) <= MAX_DAYS:
        return None
    return int(arg)


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%".replace(".", ",") if whole else texts.NO_DATA


async def routing_report(t: Turn, reader: Repositories, days: int) -> None:
    figures = await reader.routing.figures(t.now - timedelta(days=days), t.now)
    t.say("\n".join(await _lines(reader, figures, days)))


async def _lines(reader: Repositories, f: RoutingFigures, days: int) -> list[str]:
    lines = [texts.ROUTING_TITLE.format(days=days, scope=texts.STATS_SCOPE_ALL),
             texts.ROUTING_REDIRECTS.format(appeals=f.redirected_appeals, filed=f.filed,
                                            share=_share(f.redirected_appeals, f.filed),
                                            redirects=f.redirects)]
    if f.lost_seconds:
        lost = [timedelta(seconds=s) for s in f.lost_seconds]
        lines.append(texts.ROUTING_LOST.format(
            median=format_left(timedelta(seconds=statistics.median(f.lost_seconds))),
            mean=format_left(sum(lost, timedelta()) / len(lost)),
            late=f.late))
    if f.pairs:
        names: dict[str, str] = {}
        for source, target, _ in f.pairs[:TOP_PAIRS]:
            for inst_id in (source, target):
                if inst_id not in names:
                    inst = await reader.institutions.get(inst_id) if inst_id else None
                    names[inst_id] = inst.display_name if inst else (inst_id or "?")
        lines.append(texts.ROUTING_PAIRS_TITLE)
        lines += [texts.ROUTING_PAIR.format(source=names[a], target=names[b], count=n)
                  for a, b, n in f.pairs[:TOP_PAIRS]]
    if f.suggested:
        lines.append(texts.ROUTING_SUGGESTIONS.format(
            shown=f.suggested, accepted=f.accepted, share=_share(f.accepted, f.suggested),
            kept=f.kept))
        lines.append(texts.ROUTING_SUGGESTION_QUALITY.format(
            kept_there=f.kept_then_sent_there, accepted_moved=f.accepted_then_moved))
    else:
        lines.append(texts.ROUTING_NO_SUGGESTIONS)
    lines.append(texts.ROUTING_REPEATS.format(count=f.repeats))
    return lines
