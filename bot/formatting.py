"""Filling the catalogue's templates (bot/texts): times in an institution's zone, what is
left until a deadline, a number of days, an appeal's state as a sentence, an institution's
page for a citizen."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from bot import texts
from directory.model import Institution
from storage.records import Platform

VK_SEARCH = "https://vk.com/search/communities?q={query}"
WEB_SEARCH = "https://yandex.ru/search/?text={query}"


def format_time(moment: datetime, timezone: str) -> str:
    """Local time of the institution, as people write it in Russia: 25.11.2026 18:00."""
    local = moment.astimezone(ZoneInfo(timezone))
    offset = local.utcoffset()
    hours = int(offset.total_seconds() // 3600) if offset is not None else 0
    name = texts.ZONE_MOSCOW if hours == 3 else texts.ZONE_UTC.format(hours=hours)
    return texts.TIME.format(local=local, zone=name)


def format_left(left: timedelta) -> str:
    """'5 ч 30 мин', '2 дн 3 ч'; '0 мин' for anything past due."""
    minutes = max(0, int(left.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return texts.LEFT_DAYS.format(days=days, hours=hours)
    if hours:
        return texts.LEFT_HOURS.format(hours=hours, minutes=mins)
    return texts.LEFT_MINUTES.format(minutes=mins)


def days_genitive(count: int) -> str:
    """'7 дней', '1 дня', '21 дня': a number of days after «позже», «больше»."""
    one = count % 10 == 1 and count % 100 != 11
    return (texts.DAY_GENITIVE if one else texts.DAYS_GENITIVE).format(count=count)


def appeal_state(number: str, status: str, unavailable: bool = True) -> str:
    """"На обращение № … уже дан ответ. Это действие недоступно." and the like."""
    return texts.APPEAL_STATE[status].format(number=number) + (
        texts.ACTION_UNAVAILABLE if unavailable else "")


def institution_card(inst: Institution, platform: str) -> str:
    """What a citizen sees for an institution: name (and its former names), address,
    official pages, phone."""
    lines = [inst.name]
    if inst.former_names:
        lines.append(texts.INSTITUTION_FORMER_NAMES.format(names="; ".join(inst.former_names)))
    place = ", ".join(part for part in (inst.city, inst.address) if part)
    if place:
        lines.append(texts.INSTITUTION_ADDRESS.format(place=place))
    if inst.phone:
        lines.append(texts.INSTITUTION_PHONE.format(phone=inst.phone))
    pages = [(label, url) for label, url in (
        (texts.PAGE_LABELS["vk"], inst.vk), (texts.PAGE_LABELS["telegram"], inst.telegram),
        (texts.PAGE_LABELS["ok"], inst.ok), (texts.PAGE_LABELS["website"], inst.website),
    ) if url]
    lines.append("")
    if pages:
        lines.append(texts.OFFICIAL_PAGES)
        lines.extend(texts.OFFICIAL_PAGE.format(label=label, url=url) for label, url in pages)
        lines.append(texts.OFFICIAL_MARK)
    else:
        lines.append(texts.NO_PAGES)
        query = quote(inst.display_name)
        if platform == Platform.TELEGRAM:
            lines.append(texts.SEARCH_HINT_TELEGRAM)
        else:
            lines.append(texts.SEARCH_HINT_VK.format(url=VK_SEARCH.format(query=query)))
        if platform not in (Platform.TELEGRAM, Platform.VK):
            lines.append(texts.SEARCH_HINT_WEB.format(url=WEB_SEARCH.format(query=query)))
    return "\n".join(lines)
