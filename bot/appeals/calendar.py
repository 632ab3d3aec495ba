"""The Russian production calendar and working hours, in each institution's own timezone.

Public holidays and the government's transfers of days off come from the `holidays`
package (its RU calendar knows the transfers; is_working_day, not "date in holidays").
An override file adds what the package does not know yet (a region's extra day off, a
new year's transfers): dates that are days off and dates that are working days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays

from bot.appeals.yaml_file import read_yaml


class CalendarError(ValueError):
    """A wrong calendar override file: the message names the line or the value."""


@dataclass(frozen=True, slots=True)
class WorkingHours:
    start: time = time(9, 0)
    end: time = time(18, 0)

    @classmethod
    def parse(cls, text: str) -> WorkingHours:
        """'09:00-18:00'."""
        try:
            start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
        except ValueError:
            raise ValueError(f"ожидается интервал вида 09:00-18:00, получено {text!r}") from None
        if start >= end:
            raise ValueError(f"начало рабочего дня позже конца: {text!r}")
        return cls(start, end)


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


class BusinessCalendar:
    def __init__(self, days_off: set[date] | None = None,
                 working_days: set[date] | None = None) -> None:
        self.days_off = days_off or set()
        self.working_days = working_days or set()
        self._ru = holidays.country_holidays("RU")

    @classmethod
    def from_file(cls, path: Path | None) -> BusinessCalendar:
        """Overrides: `days_off: [2026-06-15]`, `working_days: [2026-06-13]`."""
        if path is None:
            return cls()
        return cls().overlaid(read_yaml(path, CalendarError) or {}, str(path))

    def overlaid(self, data: object, where: str) -> BusinessCalendar:
        """This calendar with more overrides laid over it (a region's, from REGIONS_PATH):
        a date they name is what they say, whatever this calendar said of it."""
        if not isinstance(data, dict) or set(data) - {"days_off", "working_days"}:
            raise CalendarError(f"{where}: ожидаются только ключи days_off и working_days")
        parsed: dict[str, set[date]] = {}
        for key in ("days_off", "working_days"):
            values = data.get(key) or []
            if not isinstance(values, list):
                raise CalendarError(f"{where}: {key} должен быть списком дат")
            try:
                parsed[key] = {v if isinstance(v, date) else date.fromisoformat(str(v))
                               for v in values}
            except ValueError as exc:
                raise CalendarError(f"{where}: {key}: неверная дата ({exc})") from None
        off, working = parsed["days_off"], parsed["working_days"]
        both = off & working
        if both:
            raise CalendarError(f"{where}: дата и выходная, и рабочая: {min(both)}")
        return BusinessCalendar((self.days_off - working) | off,
                                (self.working_days - off) | working)

    def is_working_day(self, day: date) -> bool:
        if day in self.days_off:
            return False
        if day in self.working_days:
            return True
        return self._ru.is_working_day(day)

    def is_working_time(self, moment: datetime, tz: str, hours: WorkingHours) -> bool:
        local = moment.astimezone(zone(tz))
        return (self.is_working_day(local.date())
                and hours.start <= local.time() < hours.end)

    def next_working_start(self, moment: datetime, tz: str, hours: WorkingHours) -> datetime:
        """The moment itself if it is working time, else the start of the next working period."""
        tzinfo = zone(tz)
        local = moment.astimezone(tzinfo)
        day = local.date()
        if self.is_working_day(day) and local.time() < hours.end:
            if local.time() >= hours.start:
                return moment
            return datetime.combine(day, hours.start, tzinfo)
        for _ in range(60):  # the longest Russian break is about two weeks
            day += timedelta(days=1)
            if self.is_working_day(day):
                return datetime.combine(day, hours.start, tzinfo)
        raise RuntimeError("no working day within 60 days")  # pragma: no cover

    def add_working_time(self, start: datetime, duration: timedelta, tz: str,
                         hours: WorkingHours) -> datetime:
        """`duration` of working time counted from `start` (a target in working hours)."""
        tzinfo = zone(tz)
        left = duration
        moment = self.next_working_start(start, tz, hours)
        while True:
            local = moment.astimezone(tzinfo)
            day_end = datetime.combine(local.date(), hours.end, tzinfo)
            available = day_end - local
            if left <= available:
                return local + left
            left -= available
            moment = self.next_working_start(day_end, tz, hours)

    def end_of_working_day(self, day: date, tz: str, hours: WorkingHours) -> datetime:
        return datetime.combine(day, hours.end, zone(tz))

    def roll_to_working_day(self, moment: datetime, tz: str, hours: WorkingHours) -> datetime:
        """A deadline that falls on a day off moves to the end of the next working day."""
        local = moment.astimezone(zone(tz))
        day = local.date()
        if self.is_working_day(day):
            return moment
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return self.end_of_working_day(day, tz, hours)

    def is_last_working_day_before_break(self, day: date) -> bool:
        """A working day followed by at least one day off (Friday, the eve of holidays)."""
        return self.is_working_day(day) and not self.is_working_day(day + timedelta(days=1))

    def break_after(self, day: date) -> tuple[date, date]:
        """The first and last days off after `day`."""
        first = last = day + timedelta(days=1)
        while not self.is_working_day(last + timedelta(days=1)):
            last += timedelta(days=1)
        return first, last
