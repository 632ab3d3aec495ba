"""Duty: who is on duty (the roster, region time), the /duty command that shows and edits
the roster, and its import from a CSV file (`python -m bot import-duty`).

Everyone with the duty role stands in for a day the roster leaves empty: reminders in
non-working time and the handoff before days off always reach someone.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from bot import texts
from bot.appeals.access import Actor
from bot.appeals.calendar import zone
from storage.records import Platform, User
from storage.repositories import Repositories

MAX_DAYS = 366  # one /duty set|rotate|clear


# who is on duty


async def on_duty(repos: Repositories, day: date) -> list[User]:
    """The people on duty that day; everyone with the duty role if the roster has nobody."""
    return await repos.duty.on_duty(day) or await repos.duty.duty_staff()


async def on_duty_during(repos: Repositories, first: date, last: date) -> list[User]:
    """Everyone on duty on any day from `first` to `last`; everyone with the duty role if
    the roster has nobody then."""
    people: dict[int, User] = {}
    day = first
    while day <= last:
        for user in await repos.duty.on_duty(day):
            people[user.id] = user
        day += timedelta(days=1)
    return list(people.values()) or await repos.duty.duty_staff()


# the /duty command


def _names(people: list[User]) -> str:
    return ", ".join(
        f"{u.display_name or u.platform_user_id} ({texts.PLATFORM_NAMES.get(u.platform, u.platform)})"
        for u in people)


async def duty_command(repos: Repositories, actor: Actor, arg: str, now: datetime,
                       timezone: str) -> str:
    """The answer to `/duty [staff | set|rotate|clear FIRST LAST [IDS]]`: staff see the
    roster, operators also change it."""
    words = arg.split()
    if not actor.is_staff:  # the roster names staff: not for citizens
        return texts.STAFF_ONLY
    if not words:
        return await _now_and_next(repos, actor, now.astimezone(zone(timezone)).date())
    if not actor.is_operator:
        return texts.STAFF_ONLY
    if words[0] == "staff":
        people = await repos.duty.duty_staff()
        if not people:
            return texts.DUTY_STAFF_EMPTY
        return "\n".join([texts.DUTY_STAFF_TITLE] + [
            f"{u.id} · {u.display_name or u.platform_user_id} · "
            f"{texts.PLATFORM_NAMES.get(u.platform, u.platform)}" for u in people])
    if words[0] in ("set", "rotate", "clear") and len(words) >= 3:
        return await _change(repos, words, now)
    return texts.DUTY_USAGE


async def _now_and_next(repos: Repositories, actor: Actor, today: date) -> str:
    now_people = await repos.duty.on_duty(today)
    lines = [texts.DUTY_NOW.format(people=_names(now_people)) if now_people
             else texts.DUTY_NOW_NOBODY]
    next_day = await repos.duty.next_duty_day(today)
    if next_day is not None:
        lines.append(texts.DUTY_NEXT.format(
            day=f"{next_day:%d.%m.%Y}", people=_names(await repos.duty.on_duty(next_day))))
    else:
        lines.append(texts.DUTY_NEXT_NOBODY)
    if actor.is_operator:
        lines.append("\n" + texts.DUTY_USAGE)
    return "\n".join(lines)


async def _change(repos: Repositories, words: list[str], now: datetime) -> str:
    try:
        first, last = date.fromisoformat(words[1]), date.fromisoformat(words[2])
    except ValueError:
        return texts.DUTY_BAD_DATES
    if last < first or (last - first).days > MAX_DAYS:
        return texts.DUTY_BAD_DATES
    if words[0] == "clear":
        await repos.duty.clear(first, last)
        return texts.DUTY_CLEARED.format(first=f"{first:%d.%m.%Y}", last=f"{last:%d.%m.%Y}")
    if len(words) < 4:
        return texts.DUTY_USAGE
    known = {u.id for u in await repos.duty.duty_staff()}
    refs = [r.strip() for r in words[3].split(",") if r.strip()]
    for ref in refs:
        if not ref.isdigit() or int(ref) not in known:
            return texts.DUTY_UNKNOWN_STAFF.format(ref=ref[:20])
    people = [int(r) for r in refs]
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    if words[0] == "set":
        pairs = [(d, p) for d in days for p in people]
    else:  # rotate: one person a day, in turn
        pairs = [(d, people[i % len(people)]) for i, d in enumerate(days)]
    await repos.duty.assign(pairs, now)
    return texts.DUTY_SAVED.format(count=len(days))


# the roster from a CSV file: `date,platform,user_id` (a header row, one line a day and
# person; date as YYYY-MM-DD; user_id as the platform shows it)


@dataclass(frozen=True, slots=True)
class DutyRow:
    day: date
    platform: Platform
    user_id: str


class DutyFileError(ValueError):
    """The file as a whole cannot be read (not UTF-8, not text, not CSV): one line."""


def read_text(path: Path) -> str:
    """A CSV file's text (UTF-8, with or without BOM), or DutyFileError saying why not."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DutyFileError(texts.FILE_UNREADABLE.format(
            path=path, detail=exc.strerror or type(exc).__name__)) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 ("Unicode text" of Excel)
        raise DutyFileError(texts.FILE_NOT_UTF8.format(path=path, line=1))
    if b"\x00" in data:
        raise DutyFileError(texts.FILE_BINARY.format(path=path))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DutyFileError(texts.FILE_NOT_UTF8.format(path=path, line=line)) from None


def parse_duty_csv(path: Path) -> tuple[list[DutyRow], list[str]]:
    """The good rows and one line per bad row; DutyFileError for a file that cannot be
    read at all."""
    try:
        return _parse(read_text(path))
    except csv.Error as exc:
        raise DutyFileError(texts.FILE_BROKEN_CSV.format(path=path, detail=exc)) from None


def _parse(text: str) -> tuple[list[DutyRow], list[str]]:
    rows: list[DutyRow] = []
    errors: list[str] = []
    with io.StringIO(text, newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"date", "platform", "user_id"} - set(reader.fieldnames or [])
        if missing:
            return [], [f"файл: нет колонок {', '.join(sorted(missing))}"]
        for number, raw in enumerate(reader, start=2):
            try:
                day = date.fromisoformat((raw["date"] or "").strip())
            except ValueError:
                errors.append(f"строка {number}, колонка date: ожидается дата ГГГГ-ММ-ДД")
                continue
            platform = (raw["platform"] or "").strip().lower()
            if platform not in tuple(Platform):
                errors.append(f"строка {number}, колонка platform: ожидается telegram или vk")
                continue
            user_id = (raw["user_id"] or "").strip()
            if not user_id:
                errors.append(f"строка {number}, колонка user_id: пусто")
                continue
            rows.append(DutyRow(day, Platform(platform), user_id))
    return rows, errors


async def import_duty(repos: Repositories, rows: list[DutyRow],
                      now: datetime) -> tuple[int, list[str]]:
    """Assign the rows whose person has the duty role; the others are reported."""
    duty_ids = {u.id for u in await repos.duty.duty_staff()}
    pairs: list[tuple[date, int]] = []
    errors: list[str] = []
    for row in rows:
        user = await repos.people.find_user(row.platform, row.user_id)
        if user is None or user.id not in duty_ids:
            errors.append(f"{row.day}: {row.platform} {row.user_id} — не дежурный "
                          "(сначала примите приглашение с ролью duty)")
            continue
        pairs.append((row.day, user.id))
    await repos.duty.assign(pairs, now)
    return len(pairs), errors
