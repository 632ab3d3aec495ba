"""The duty roster from a CSV file: `date,platform,user_id` (a header row, one line a day
and person; date as YYYY-MM-DD; user_id as the platform shows it)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot import texts
from storage.repositories import Repositories

PLATFORMS = ("telegram", "vk", "console")


@dataclass(frozen=True, slots=True)
class DutyRow:
    day: date
    platform: str
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
            if platform not in PLATFORMS:
                errors.append(f"строка {number}, колонка platform: ожидается telegram или vk")
                continue
            user_id = (raw["user_id"] or "").strip()
            if not user_id:
                errors.append(f"строка {number}, колонка user_id: пусто")
                continue
            rows.append(DutyRow(day, platform, user_id))
    return rows, errors


async def import_duty(repos: Repositories, rows: list[DutyRow], now) -> tuple[int, list[str]]:  # type: ignore[no-untyped-def]
    """Assign the rows whose person has the duty role; the others are reported."""
    duty_ids = {u.id for u in await repos.duty.duty_staff()}
    pairs, errors = [], []
    for row in rows:
        user = await repos.people.find_user(row.platform, row.user_id)
        if user is None or user.id not in duty_ids:
            errors.append(f"{row.day}: {row.platform} {row.user_id} — не дежурный "
                          "(сначала примите приглашение с ролью duty)")
            continue
        pairs.append((row.day, user.id))
    await repos.duty.assign(pairs, now)
    return len(pairs), errors
