"""The deadline policy and the calendar overrides per region (REGIONS_PATH).

One YAML file keyed by region, as the directory's `region` column writes it (any of its
spellings: the key is directory/regions.py's), each with the keys of the policy file
(POLICY_PATH) under `policy` and those of the calendar file (CALENDAR_PATH) under
`calendar`, laid over them:

    Кировская область:
      policy:
        defaults: {final: 20d}
      calendar:
        days_off: [2026-06-15]

An appeal's deadlines are those of its institution's region; a region the file does not
name, and an institution with no region, keep the deployment's own policy and calendar.
Without the file there is one set of rules, as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.appeals.calendar import BusinessCalendar, CalendarError
from bot.appeals.deadlines import DeadlineClock
from bot.appeals.policy import Policy, PolicyError
from bot.appeals.yaml_file import read_yaml
from directory.model import Institution
from directory.regions import region_key

SECTIONS = frozenset({"policy", "calendar"})


class RegionRulesError(PolicyError):
    """A wrong REGIONS_PATH file: one line naming the region and the key."""


@dataclass(frozen=True, slots=True)
class RegionalDeadlines:
    """The deployment's deadline clock, and a region's own where REGIONS_PATH has one."""

    base: DeadlineClock
    regions: dict[str, DeadlineClock] = field(default_factory=dict)  # by region key

    def of_region(self, key: str) -> DeadlineClock:
        return self.regions.get(key, self.base) if key else self.base

    def of(self, inst: Institution | None) -> DeadlineClock:
        """The clock of the institution's region (the deployment's with none)."""
        return self.of_region(inst.region_key) if inst is not None else self.base

    @classmethod
    def load(cls, regions_path: Path | None, policy_path: Path | None = None,
             calendar_path: Path | None = None) -> RegionalDeadlines:
        """The policy and calendar files, and each region's rules laid over them; a wrong
        file raises PolicyError, CalendarError or RegionRulesError with one line."""
        policy = Policy.load(policy_path)
        calendar = BusinessCalendar.from_file(calendar_path)
        base = DeadlineClock(policy, calendar)
        if regions_path is None:
            return cls(base)
        data = read_yaml(regions_path, RegionRulesError) or {}
        if not isinstance(data, dict):
            raise RegionRulesError(f"{regions_path}: ожидается словарь регионов")
        regions: dict[str, DeadlineClock] = {}
        names: dict[str, str] = {}
        for name, rules in data.items():
            where = f"{regions_path}: {name}"
            key = region_key(str(name))
            if not key:
                raise RegionRulesError(f"{where}: пустое название региона")
            if key in names:
                raise RegionRulesError(f"{where}: тот же регион, что и {names[key]!r}")
            names[key] = str(name)
            regions[key] = _clock(rules or {}, where, policy_path, calendar)
        return cls(base, regions)


def _clock(rules: Any, where: str, policy_path: Path | None,
           calendar: BusinessCalendar) -> DeadlineClock:
    if not isinstance(rules, dict) or set(rules) - SECTIONS:
        raise RegionRulesError(f"{where}: допустимы ключи policy и calendar")
    try:
        policy = Policy.load(policy_path, rules.get("policy") or {}, f"{where}.policy")
        own = calendar.overlaid(rules.get("calendar") or {}, f"{where}.calendar")
    except (PolicyError, CalendarError) as exc:
        message = str(exc)
        raise RegionRulesError(message if message.startswith(where)
                               else f"{where}: {message}") from None
    return DeadlineClock(policy, own)
