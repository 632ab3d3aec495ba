"""The deadline policy as data: a YAML file the region edits, validated at start.

See bot/appeals/policy_default.yaml for every key with its default and meaning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import time, timedelta
from pathlib import Path
from typing import Any

from bot.appeals.calendar import WorkingHours
from bot.appeals.yaml_file import read_yaml

DEFAULT_POLICY = Path(__file__).with_name("policy_default.yaml")
CLOCKS = ("calendar", "working")
_DURATION = re.compile(r"^\s*(-?)\s*(\d+(?:\.\d+)?)\s*(m|h|d)\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class PolicyError(ValueError):
    """A wrong policy file: one line naming the key."""


MAX_DEADLINE = timedelta(days=365)


def parse_duration(text: str, key: str) -> timedelta:
    """'24h', '30d', '90m', '-2h'."""
    match = _DURATION.match(str(text))
    if not match:
        raise PolicyError(f"{key}: ожидается длительность вида 24h, 30d или 90m, получено {text!r}")
    sign = -1 if match.group(1) else 1
    try:
        return sign * timedelta(**{_UNITS[match.group(3)]: float(match.group(2))})
    except OverflowError:
        raise PolicyError(f"{key}: слишком большая длительность {text!r}") from None


@dataclass(frozen=True, slots=True)
class ReminderStep:
    """When to remind: a share of the window ('50%') or an offset from the deadline ('-2h')."""

    fraction: float | None = None
    offset: timedelta | None = None

    @classmethod
    def parse(cls, text: str, key: str) -> ReminderStep:
        text = str(text).strip()
        if text.endswith("%"):
            try:
                value = float(text[:-1]) / 100
            except ValueError:
                raise PolicyError(f"{key}: неверная доля {text!r}") from None
            if not 0 < value <= 1:
                raise PolicyError(f"{key}: доля должна быть от 1% до 100%, получено {text!r}")
            return cls(fraction=value)
        if text == "0":
            return cls(offset=timedelta(0))
        offset = parse_duration(text, key)
        if offset > timedelta(0):
            raise PolicyError(f"{key}: напоминание после срока не имеет смысла: {text!r}")
        return cls(offset=offset)


@dataclass(frozen=True, slots=True)
class CategoryRules:
    first_response: timedelta = timedelta(hours=24)
    first_response_clock: str = "calendar"
    final: timedelta = timedelta(days=30)
    final_clock: str = "calendar"
    roll_final_to_working_day: bool = True


@dataclass(frozen=True, slots=True)
class Retention:
    """How long personal data is kept. A closed appeal is anonymised after `appeals` (its
    statistics stay). The default, 3 years, is the term the ministry asked for; a region
    whose archival nomenclature keeps appeals longer (the standard list of archival
    documents, Rosarkhiv order No. 236 of 20.12.2019, has an entry for citizens' appeals)
    sets its own in the policy file."""

    appeals: timedelta = timedelta(days=3 * 365)
    questions: timedelta = timedelta(days=90)  # unanswered FAQ questions, feedback
    sent_messages: timedelta = timedelta(days=90)  # delivered outbox payloads


@dataclass(frozen=True, slots=True)
class Policy:
    defaults: CategoryRules = field(default_factory=CategoryRules)
    categories: dict[str, CategoryRules] = field(default_factory=dict)
    working_hours: WorkingHours = field(default_factory=WorkingHours)
    institution_hours: dict[str, WorkingHours] = field(default_factory=dict)
    quiet_start: time = time(21, 0)
    quiet_end: time = time(9, 0)
    night_messages: bool = False
    extension_max: timedelta = timedelta(days=30)
    redirect_within: timedelta = timedelta(days=7)
    first_response_steps: tuple[ReminderStep, ...] = ()
    final_steps: tuple[ReminderStep, ...] = ()
    morning_digest: time = time(9, 0)
    handoff_digest: time = time(17, 0)
    retention: Retention = field(default_factory=Retention)

    def rules(self, category: str) -> CategoryRules:
        return self.categories.get(category, self.defaults)

    def hours_of(self, institution_id: str) -> WorkingHours:
        return self.institution_hours.get(institution_id, self.working_hours)

    @classmethod
    def load(cls, path: Path | None = None, overlay: dict[str, Any] | None = None,
             where: str = "") -> Policy:
        """The default policy, with the region's file (if any) laid over it, and over that
        `overlay` (one region's section of REGIONS_PATH, named `where` in errors)."""
        data = _read(DEFAULT_POLICY)
        if path is not None:
            _lay(data, _read(path), str(path))
        if overlay is not None:
            if not isinstance(overlay, dict):
                raise PolicyError(f"{where}: ожидается словарь ключей политики")
            _lay(data, overlay, where)
        return _build(data, where or str(path or DEFAULT_POLICY))


def _read(path: Path) -> dict[str, Any]:
    data = read_yaml(path, PolicyError)
    if not isinstance(data, dict):
        raise PolicyError(f"{path}: ожидается словарь ключей политики")
    return data


def _lay(data: dict[str, Any], layer: dict[str, Any], source: str) -> None:
    """`layer`'s keys over `data`'s: a section (a dict) key by key, anything else whole."""
    unknown = set(layer) - set(data)
    if unknown:
        raise PolicyError(f"{source}: неизвестный ключ {sorted(unknown)[0]!r}")
    for key, value in layer.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value


_RULE_KEYS = {"first_response", "first_response_clock", "final", "final_clock",
              "roll_final_to_working_day"}


def _rules(raw: Any, base: CategoryRules, where: str) -> CategoryRules:
    if not isinstance(raw, dict):
        raise PolicyError(f"{where}: ожидается словарь")
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise PolicyError(f"{where}: неизвестный ключ {sorted(unknown)[0]!r}")
    changes: dict[str, Any] = {}
    for key in ("first_response", "final"):
        if key in raw:
            value = parse_duration(raw[key], f"{where}.{key}")
            if value <= timedelta(0):
                raise PolicyError(f"{where}.{key}: срок должен быть положительным")
            if value > MAX_DEADLINE:  # 59-FZ: 30 days, once extended by 30; a year is plenty
                raise PolicyError(f"{where}.{key}: срок больше {MAX_DEADLINE.days} дней")
            changes[key] = value
    for key in ("first_response_clock", "final_clock"):
        if key in raw:
            if raw[key] not in CLOCKS:
                raise PolicyError(f"{where}.{key}: ожидается calendar или working, "
                                  f"получено {raw[key]!r}")
            changes[key] = raw[key]
    if "roll_final_to_working_day" in raw:
        if not isinstance(raw["roll_final_to_working_day"], bool):
            raise PolicyError(f"{where}.roll_final_to_working_day: ожидается true или false")
        changes["roll_final_to_working_day"] = raw["roll_final_to_working_day"]
    rules = replace(base, **changes)
    if rules.first_response > rules.final:
        raise PolicyError(f"{where}: first_response ({raw.get('first_response', '?')}) "
                          f"длиннее final ({raw.get('final', '?')})")
    return rules


def _time(value: Any, key: str) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise PolicyError(f"{key}: ожидается время вида 09:00, получено {value!r}") from None


def _hours(value: Any, key: str) -> WorkingHours:
    try:
        return WorkingHours.parse(str(value))
    except ValueError as exc:
        raise PolicyError(f"{key}: {exc}") from None


def _build(data: dict[str, Any], source: str) -> Policy:
    known = {"defaults", "categories", "working_hours", "institutions", "quiet_hours",
             "night_messages", "extension", "redirect", "reminders", "digests", "retention"}
    unknown = set(data) - known
    if unknown:
        raise PolicyError(f"{source}: неизвестный ключ {sorted(unknown)[0]!r}")
    defaults = _rules(data.get("defaults") or {}, CategoryRules(), "defaults")
    categories = {
        str(name): _rules(raw, defaults, f"categories.{name}")
        for name, raw in (data.get("categories") or {}).items()
    }
    institutions = {}
    for inst_id, raw in (data.get("institutions") or {}).items():
        if not isinstance(raw, dict) or set(raw) - {"working_hours"}:
            raise PolicyError(f"institutions.{inst_id}: допустим только ключ working_hours")
        institutions[str(inst_id)] = _hours(raw["working_hours"],
                                            f"institutions.{inst_id}.working_hours")
    quiet = str(data.get("quiet_hours", "21:00-09:00"))
    try:
        quiet_start, quiet_end = (_time(p.strip(), "quiet_hours") for p in quiet.split("-"))
    except ValueError:
        raise PolicyError(f"quiet_hours: ожидается интервал вида 21:00-09:00, получено {quiet!r}"
                          ) from None
    night = data.get("night_messages", False)
    if not isinstance(night, bool):
        raise PolicyError("night_messages: ожидается true или false")
    extension = data.get("extension") or {}
    redirect = data.get("redirect") or {}
    reminders = data.get("reminders") or {}
    digests = data.get("digests") or {}
    steps = {}
    for key in ("first_response", "final"):
        raw = reminders.get(key, [])
        if not isinstance(raw, list):
            raise PolicyError(f"reminders.{key}: ожидается список, например ['50%', '-2h', '0']")
        steps[key] = tuple(ReminderStep.parse(s, f"reminders.{key}") for s in raw)
    extension_max = parse_duration(extension.get("max", "30d"), "extension.max")
    if not timedelta(0) < extension_max <= timedelta(days=30):
        raise PolicyError("extension.max: продление по 59-ФЗ — не больше 30 дней")
    return Policy(
        defaults=defaults,
        categories=categories,
        working_hours=_hours(data.get("working_hours", "09:00-18:00"), "working_hours"),
        institution_hours=institutions,
        quiet_start=quiet_start,
        quiet_end=quiet_end,
        night_messages=night,
        extension_max=extension_max,
        redirect_within=parse_duration(redirect.get("within", "7d"), "redirect.within"),
        first_response_steps=steps["first_response"],
        final_steps=steps["final"],
        morning_digest=_time(digests.get("morning", "09:00"), "digests.morning"),
        handoff_digest=_time(digests.get("handoff", "17:00"), "digests.handoff"),
        retention=_retention(data.get("retention") or {}),
    )


def _retention(raw: Any) -> Retention:
    if not isinstance(raw, dict) or set(raw) - {"appeals", "questions", "sent_messages"}:
        raise PolicyError("retention: допустимы ключи appeals, questions, sent_messages")
    kept = Retention()
    values = {key: parse_duration(str(raw.get(key, default)), f"retention.{key}")
              for key, default in (("appeals", f"{kept.appeals.days}d"),
                                   ("questions", f"{kept.questions.days}d"),
                                   ("sent_messages", f"{kept.sent_messages.days}d"))}
    for key, value in values.items():
        if not timedelta(days=1) <= value <= timedelta(days=3660):
            raise PolicyError(f"retention.{key}: от 1 дня до 10 лет")
    return Retention(**values)
