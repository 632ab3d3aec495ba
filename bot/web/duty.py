"""The duty roster page: who is on duty each day of the coming weeks (region time), which
days are working days by the production calendar, and where a day off has nobody assigned;
operators change it through the same core function as the chat's /duty (change_roster).
Everyone the chat shows the roster to (staff) sees the page; only operators change it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

import holidays
from aiohttp import web
from multidict import MultiDictProxy

from bot import texts
from bot.appeals.calendar import BusinessCalendar, zone
from bot.appeals.duty import MAX_DAYS, RosterChange, RosterError, RosterProblem, change_roster
from bot.web.context import WebContext, context_of, viewer
from bot.web.render import message_page, render, see_other
from storage.records import User
from storage.repositories import Repositories

DEFAULT_WEEKS = 4
MOST_WEEKS = 12
FROM_RANGE = timedelta(days=2 * MAX_DAYS)  # how far from today ?from= may look

Form = MultiDictProxy[str | bytes | bytearray | web.FileField]


class DayKind(StrEnum):
    WORKING = "working"
    WORKING_WEEKEND = "working_weekend"  # a Saturday or Sunday made a working day
    WEEKEND = "weekend"
    HOLIDAY = "holiday"  # a holiday, a transferred day off, a region's extra day off


WORKING = (DayKind.WORKING, DayKind.WORKING_WEEKEND)


class PageProblem(ValueError):
    """What is wrong with the address or the form, for the person (a text of bot/texts)."""


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    label: str
    today: bool
    kind: DayKind
    kind_text: str
    holiday: str  # the holiday's name, when it has one
    people: list[str]
    warning: str | None  # a day off with nobody assigned

    @property
    def working(self) -> bool:
        return self.kind in WORKING


@dataclass(frozen=True, slots=True)
class View:
    """The period shown: `weeks` weeks from `first`."""

    first: date
    weeks: int

    @property
    def last(self) -> date:
        return self.first + timedelta(days=7 * self.weeks - 1)

    def url(self, first: date | None = None) -> str:
        return f"/duty?from={(first or self.first).isoformat()}&weeks={self.weeks}"


def person(user: User) -> str:
    name = user.display_name or user.platform_user_id
    return f"{name} ({texts.PLATFORM_NAMES.get(user.platform, user.platform)})"


def _today(ctx: WebContext) -> date:
    return ctx.clock.now().astimezone(zone(ctx.appeals.default_timezone)).date()


def _calendar(ctx: WebContext) -> BusinessCalendar:
    return ctx.appeals.deadlines.calendar


def holiday_names(first: date, last: date) -> dict[date, str]:
    """The names of the public holidays and transferred days off between the two days (the
    package the calendar decides by; the calendar itself says whether a day is working)."""
    found = holidays.country_holidays("RU", years=range(first.year, last.year + 1),
                                      language="ru")
    return {day: str(name) for day, name in found.items() if first <= day <= last}


def _kind(calendar: BusinessCalendar, day: date, named: bool) -> DayKind:
    weekend = day.weekday() >= 5
    if calendar.is_working_day(day):
        return DayKind.WORKING_WEEKEND if weekend else DayKind.WORKING
    return DayKind.HOLIDAY if named or not weekend else DayKind.WEEKEND


def _view(query: dict[str, str], today: date) -> View:
    raw_weeks = query.get("weeks", "").strip()
    if not raw_weeks:
        weeks = DEFAULT_WEEKS
    elif (raw_weeks.isascii() and raw_weeks.isdigit() and len(raw_weeks) <= 2
          and 1 <= int(raw_weeks) <= MOST_WEEKS):
        weeks = int(raw_weeks)
    else:
        raise PageProblem(texts.WEB_DUTY_BAD_WEEKS.format(most=MOST_WEEKS))
    raw_from = query.get("from", "").strip()
    try:
        first = date.fromisoformat(raw_from[:10]) if raw_from else today
    except ValueError:
        raise PageProblem(texts.WEB_DUTY_BAD_FROM) from None
    if abs(first - today) > FROM_RANGE:
        raise PageProblem(texts.WEB_DUTY_BAD_FROM)
    return View(first, weeks)


async def _days(ctx: WebContext, reader: Repositories, view: View, today: date,
                staff: list[User]) -> list[Day]:
    calendar = _calendar(ctx)
    names = holiday_names(view.first, view.last)
    nobody = (texts.WEB_DUTY_NOBODY_FALLBACK.format(count=len(staff)) if staff
              else texts.WEB_DUTY_NOBODY_AT_ALL)
    roster = await reader.duty.roster(view.first, view.last)
    out = []
    for offset in range(7 * view.weeks):
        day = view.first + timedelta(days=offset)
        holiday = names.get(day, "")
        kind = _kind(calendar, day, bool(holiday))
        if kind in WORKING:
            holiday = ""  # a named day the calendar has people work (an override)
        people = [person(u) for u in roster.get(day, [])]
        out.append(Day(
            day, texts.WEB_DUTY_DAY.format(weekday=texts.WEB_DUTY_WEEKDAYS[day.weekday()],
                                           day=f"{day:%d.%m.%Y}"),
            day == today, kind, texts.WEB_DUTY_KINDS[kind], holiday, people,
            None if people or kind in WORKING else nobody))
    return out


async def duty_page(request: web.Request) -> web.StreamResponse:
    """GET /duty[?from=DATE&weeks=N]."""
    ctx, who = context_of(request), viewer(request)
    if not who.actor.is_staff:  # the chat's /duty: the roster names staff, for staff only
        return message_page(request, texts.WEB_NO_ACCESS, status=403)
    try:
        view = _view(dict(request.query), _today(ctx))
    except PageProblem as exc:
        return message_page(request, str(exc), status=400, title=texts.WEB_DUTY_TITLE)
    return await _page(request, view)


async def _page(request: web.Request, view: View, *, problem: str | None = None,
                status: int = 200, form: dict[str, object] | None = None) -> web.Response:
    ctx, who = context_of(request), viewer(request)
    today = _today(ctx)
    async with ctx.db.read() as reader:
        staff = await reader.duty.duty_staff()
        days = await _days(ctx, reader, view, today, staff)
    shown: dict[str, object] = {"from": today.isoformat(), "to": today.isoformat(),
                                "people": []}
    shown.update(form or {})
    step = timedelta(days=7 * view.weeks)
    return render(
        request, "duty.html", status=status, title=texts.WEB_DUTY_TITLE, days=days,
        view=view, period=texts.WEB_DUTY_PERIOD.format(first=f"{view.first:%d.%m.%Y}",
                                                       last=f"{view.last:%d.%m.%Y}"),
        weeks_choices=range(1, MOST_WEEKS + 1), prev_url=view.url(view.first - step),
        next_url=view.url(view.first + step), today=today.isoformat(),
        editable=who.actor.is_operator, staff=[(str(u.id), person(u)) for u in staff],
        shown=shown, done=texts.WEB_DUTY_DONE.get(request.query.get("done", "")),
        problem=problem, csrf=who.csrf)


def _field(form: Form, name: str) -> str:
    value = form.get(name, "")
    return value.strip()[:40] if isinstance(value, str) else ""


def _form_date(form: Form, name: str) -> date:
    try:
        return date.fromisoformat(_field(form, name))
    except ValueError:
        raise PageProblem(texts.WEB_DUTY_BAD_DATE) from None


def _refused(exc: RosterError) -> str:
    return {
        RosterProblem.BACKWARDS: texts.WEB_DUTY_BACKWARDS,
        RosterProblem.TOO_LONG: texts.WEB_DUTY_TOO_LONG.format(days=MAX_DAYS + 1),
        RosterProblem.NO_PEOPLE: texts.WEB_DUTY_NO_PEOPLE,
        RosterProblem.UNKNOWN_STAFF: texts.WEB_DUTY_UNKNOWN,
    }[exc.problem]


async def change(request: web.Request) -> web.StreamResponse:
    """POST /duty: set, rotate or clear a range of days (operators only; the CSRF token is
    checked by the session middleware before this runs)."""
    ctx, who = context_of(request), viewer(request)
    if not who.actor.is_operator:
        return message_page(request, texts.WEB_DUTY_OPERATORS_ONLY, status=403)
    form = await request.post()
    refs = [v.strip()[:40] for v in form.getall("people", []) if isinstance(v, str)][:100]
    shown: dict[str, object] = {"from": _field(form, "from"), "to": _field(form, "to"),
                                "people": refs}
    today = _today(ctx)
    try:  # the period the page showed, to show again
        view = _view({"from": _field(form, "view_from"), "weeks": _field(form, "view_weeks")},
                     today)
    except PageProblem:
        view = View(today, DEFAULT_WEEKS)
    try:
        action = _field(form, "action")
        if action not in tuple(RosterChange):
            raise PageProblem(texts.WEB_DUTY_BAD_ACTION)
        first, last = _form_date(form, "from"), _form_date(form, "to")
        if first < today:
            raise PageProblem(texts.WEB_DUTY_PAST.format(today=f"{today:%d.%m.%Y}"))
        async with ctx.db.unit() as repos:
            await change_roster(repos, RosterChange(action), first, last, refs, ctx.clock.now())
    except PageProblem as exc:
        return await _page(request, view, problem=str(exc), status=400, form=shown)
    except RosterError as exc:
        return await _page(request, view, problem=_refused(exc), status=400, form=shown)
    return see_other(f"{view.url()}&done={action}")
