"""Duty: who is on duty (the roster, region time), the /duty command that shows and edits
the roster, and its import from a CSV file (`python -m bot import-duty`).

Everyone with the duty role stands in for a day the roster leaves empty: reminders in
non-working time and the handoff before days off always reach someone.

Where several regions share the deployment, a duty person may be bound to a region (the
invite's --region) and a roster entry covers the region of its person's role ('': every
region); an appeal's reminders go to those on duty for its institution's region.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from bot import texts
from bot.appeals.access import Actor
from bot.appeals.calendar import zone
from directory.regions import region_key
from storage.records import Platform, User
from storage.repositories import Repositories

MAX_DAYS = 366  # one /duty set|rotate|clear


# who is on duty


async def on_duty(repos: Repositories, day: date, region: str = "") -> list[User]:
    """The people on duty that day; everyone with the duty role if the roster has nobody.
    For a region (a key): the roster's entries of that region and of none, else the duty
    staff of that region and of none; with nobody there either, as for no region."""
    if region:
        near = (region, "")
        people = await repos.duty.on_duty(day, near) or await repos.duty.duty_staff(near)
        if people:
            return people
    return await repos.duty.on_duty(day) or await repos.duty.duty_staff()


async def on_duty_during(repos: Repositories, first: date, last: date) -> list[User]:
    """Everyone on duty on any day from `first` to `last`; everyone with the duty role if
    the roster has nobody then."""
    people = {u.id: u for day in (await repos.duty.roster(first, last)).values() for u in day}
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
    change = RosterChange(words[0])
    refs = [r.strip() for r in words[3].split(",") if r.strip()] if len(words) > 3 else []
    try:
        count = await change_roster(repos, change, first, last, refs, now)
    except RosterError as exc:
        if exc.problem is RosterProblem.UNKNOWN_STAFF:
            return texts.DUTY_UNKNOWN_STAFF.format(ref=exc.ref)
        if exc.problem is RosterProblem.NO_PEOPLE:
            return texts.DUTY_USAGE
        return texts.DUTY_BAD_DATES
    if change is RosterChange.CLEAR:
        return texts.DUTY_CLEARED.format(first=f"{first:%d.%m.%Y}", last=f"{last:%d.%m.%Y}")
    return texts.DUTY_SAVED.format(count=count)


# changing the roster: the rules of /duty and of the console's roster page


class RosterChange(StrEnum):
    SET = "set"  # every person named, every day
    ROTATE = "rotate"  # one person a day, in turn
    CLEAR = "clear"  # nobody assigned on those days


class RosterProblem(StrEnum):
    BACKWARDS = "backwards"  # the last day before the first
    TOO_LONG = "too_long"  # more than MAX_DAYS at once
    NO_PEOPLE = "no_people"  # set or rotate naming nobody
    UNKNOWN_STAFF = "unknown_staff"  # not a user id of someone with the duty role


class RosterError(ValueError):
    """Why a roster change was refused (each front end says it in its own words)."""

    def __init__(self, problem: RosterProblem, ref: str = "") -> None:
        super().__init__(problem, ref)
        self.problem = problem
        self.ref = ref  # the person as given, for UNKNOWN_STAFF


async def change_roster(repos: Repositories, change: RosterChange, first: date, last: date,
                        refs: Sequence[str], now: datetime) -> int:
    """Set, rotate or clear the roster from `first` to `last` (inclusive) with the people
    whose user ids `refs` are (as typed: checked here); the number of days; RosterError
    says what is wrong before anything is changed."""
    if last < first:
        raise RosterError(RosterProblem.BACKWARDS)
    if (last - first).days > MAX_DAYS:
        raise RosterError(RosterProblem.TOO_LONG)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    if change is RosterChange.CLEAR:
        await repos.duty.clear(first, last)
        return len(days)
    if not refs:
        raise RosterError(RosterProblem.NO_PEOPLE)
    known = await repos.duty.duty_regions()  # a person's entries cover their role's region
    people = []
    for ref in refs:
        # ASCII digits of a sane length only: int() of others fails or takes long
        user_id = int(ref) if ref.isascii() and ref.isdigit() and len(ref) < 19 else None
        if user_id is None or user_id not in known:
            raise RosterError(RosterProblem.UNKNOWN_STAFF, ref[:20])
        people.append(user_id)
    if change is RosterChange.SET:
        pairs = [(d, p) for d in days for p in people]
    else:
        pairs = [(d, people[i % len(people)]) for i, d in enumerate(days)]
    await repos.duty.assign([(d, p, known[p]) for d, p in pairs], now)
    return len(days)


# the roster from a CSV file: `date,platform,user_id` (a header row, one line a day and
# person; date as YYYY-MM-DD; user_id as the platform shows it), and an optional `region`
# column (the region the entry covers, as the directory names it; empty: the region of the
# person's duty role)


@dataclass(frozen=True, slots=True)
class DutyRow:
    day: date
    platform: Platform
    user_id: str
    region: str = ""  # a region key; '': the person's role's


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
            rows.append(DutyRow(day, Platform(platform), user_id,
                                region_key(raw.get("region") or "")))
    return rows, errors


async def import_duty(repos: Repositories, rows: list[DutyRow],
                      now: datetime) -> tuple[int, list[str]]:
    """Assign the rows whose person has the duty role; the others are reported."""
    duty_ids = await repos.duty.duty_regions()
    pairs: list[tuple[date, int, str]] = []
    errors: list[str] = []
    for row in rows:
        user = await repos.people.find_user(row.platform, row.user_id)
        if user is None or user.id not in duty_ids:
            errors.append(f"{row.day}: {row.platform} {row.user_id} — не дежурный "
                          "(сначала примите приглашение с ролью duty)")
            continue
        pairs.append((row.day, user.id, row.region or duty_ids[user.id]))
    await repos.duty.assign(pairs, now)
    return len(pairs), errors
