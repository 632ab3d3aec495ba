"""Read a directory CSV file, validate every row, and report bad rows in Russian.

Format: UTF-8 (a BOM is tolerated), a header row, comma separated, columns

    id,name,short_name,aliases,kind,region,city,district,address,phone,website,vk,telegram,ok,timezone

Only `id` and `name` are required; the other columns may be absent or empty.
`aliases` holds extra names separated by ";". Rows are numbered as a spreadsheet
shows them: the header is row 1, the first institution is row 2.

Good rows are imported and bad rows are listed (`ImportReport.errors`); a row
with any error is skipped as a whole. A broken header (no `id` or `name`
column, a column named twice) is one error and no rows at all.

Re-import: `diff_import(old, new)` tells the storage what to add, update and
deactivate (institutions missing from the new file are deactivated, never deleted).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from directory.model import Institution

COLUMNS = (
    "id", "name", "short_name", "aliases", "kind", "region", "city", "district",
    "address", "phone", "website", "vk", "telegram", "ok", "timezone",
)
REQUIRED = ("id", "name")
KINDS = ("hospital", "polyclinic", "dispensary", "maternity", "ambulance", "dental",
         "center", "ministry")

# The longest value a column may hold; longer ones are a mistake in the file
# (a shifted column, a pasted paragraph), not a name.
MAX_LENGTH = {
    "id": 100, "name": 500, "short_name": 200, "aliases": 2000, "kind": 50,
    "region": 200, "city": 200, "district": 200, "address": 500, "phone": 200,
    "website": 500, "vk": 300, "telegram": 300, "ok": 300, "timezone": 64,
}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HOST = re.compile(r"^(?=.{3,253}$)([a-z0-9а-яё]([a-z0-9а-яё-]*[a-z0-9а-яё])?\.)+[a-zа-я]{2,}$", re.I)
_TG_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
_SOCIAL_PATH = re.compile(r"^[A-Za-z0-9_.\-/]+$")


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # spreadsheet numbering: the header is row 1
    column: str  # "" when the problem is the whole row or the whole file
    reason: str

    def __str__(self) -> str:
        where = f"строка {self.row}" if self.row else "файл"
        if self.column:
            where += f", колонка {self.column}"
        return f"{where}: {self.reason}"


@dataclass(slots=True)
class ImportReport:
    institutions: list[Institution] = field(default_factory=list)  # the good rows
    errors: list[RowError] = field(default_factory=list)  # bad rows (skipped) and file errors
    warnings: list[RowError] = field(default_factory=list)  # e.g. unknown columns, ignored

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors if e.row > 1})

    def summary(self) -> str:
        """One paragraph for the administrator who uploaded the file."""
        lines = [f"Импортировано учреждений: {len(self.institutions)}."]
        if self.errors:
            lines.append(f"Ошибок: {len(self.errors)}; строки с ошибками пропущены:")
            lines.extend(f"  {e}" for e in self.errors)
        lines.extend(f"  внимание: {w}" for w in self.warnings)
        return "\n".join(lines)


class DirectoryImportError(ValueError):
    """Raised by `Directory.from_csv(..., strict=True)` when a file has errors."""

    def __init__(self, report: ImportReport):
        self.report = report
        super().__init__(report.summary())


def parse_csv(source: str | Path | TextIO) -> ImportReport:
    """Parse and validate a directory CSV.

    `source` is a path (str or Path), an open text stream, or CSV text itself
    (a str that contains a line break).
    """
    report = ImportReport()
    try:
        text = _read(source)
    except UnicodeDecodeError as exc:
        report.errors.append(RowError(0, "", f"файл не в кодировке UTF-8 (байт {exc.start})"))
        return report
    except OSError as exc:
        report.errors.append(RowError(0, "", f"не удалось прочитать файл: {exc.strerror or exc}"))
        return report

    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        report.errors.append(RowError(1, "", "файл пуст: нет строки заголовка"))
        return report
    except csv.Error as exc:
        report.errors.append(RowError(1, "", f"заголовок не читается как CSV: {exc}"))
        return report

    columns = [h.strip().lstrip("\ufeff").lower() for h in header]
    if not _check_header(columns, report):
        return report

    first_row_of: dict[str, int] = {}
    row_number = 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            row_number += 1
            report.errors.append(RowError(row_number, "", f"строка не читается как CSV: {exc}"))
            break  # the csv module cannot resynchronise after this
        row_number += 1
        if not any(v.strip() for v in values):
            continue  # blank line
        institution = _parse_row(row_number, columns, values, first_row_of, report)
        if institution is not None:
            report.institutions.append(institution)
    return report


def diff_import(old: Iterable[Institution], new: Iterable[Institution]) -> ImportDiff:
    """What a re-import changes: updates by id, deactivates ids missing from `new`."""
    before = {i.id: i for i in old}
    after = {i.id: replace(i, active=True) for i in new}
    diff = ImportDiff()
    for iid, inst in after.items():
        if iid not in before:
            diff.added.append(inst)
        elif before[iid] != inst:
            diff.updated.append(inst)
        else:
            diff.unchanged.append(inst)
    for iid, inst in before.items():
        if iid not in after and inst.active:
            diff.deactivated.append(replace(inst, active=False))
    return diff


@dataclass(slots=True)
class ImportDiff:
    added: list[Institution] = field(default_factory=list)
    updated: list[Institution] = field(default_factory=list)  # includes reactivated ones
    unchanged: list[Institution] = field(default_factory=list)
    deactivated: list[Institution] = field(default_factory=list)  # hidden, never deleted


def _read(source: str | Path | TextIO) -> str:
    if isinstance(source, Path):
        return source.read_bytes().decode("utf-8-sig")
    if isinstance(source, str):
        if "\n" in source or "\r" in source:
            return source.lstrip("\ufeff")
        return Path(source).read_bytes().decode("utf-8-sig")
    return source.read().lstrip("\ufeff")


def _check_header(columns: list[str], report: ImportReport) -> bool:
    seen: set[str] = set()
    twice = [c for c in columns if c and (c in seen or seen.add(c))]  # type: ignore[func-returns-value]
    missing = [c for c in REQUIRED if c not in columns]
    if missing or twice:
        problems = []
        if missing:
            problems.append("нет обязательных колонок " + ", ".join(missing))
        if twice:
            problems.append("колонки повторяются: " + ", ".join(sorted(set(twice))))
        report.errors.append(RowError(
            1, "", "неверный заголовок: " + "; ".join(problems)
            + f". Ожидается: {','.join(COLUMNS)}. Строки не импортированы",
        ))
        return False
    unknown = [c for c in columns if c not in COLUMNS]
    for c in unknown:
        report.warnings.append(RowError(1, c or "(пустое имя)", "неизвестная колонка, пропущена"))
    return True


def _parse_row(
    row: int, columns: list[str], values: list[str],
    first_row_of: dict[str, int], report: ImportReport,
) -> Institution | None:
    errors: list[RowError] = []
    if len(values) > len(columns):
        extra = [v for v in values[len(columns):] if v.strip()]
        if extra:
            errors.append(RowError(
                row, "", f"значений больше, чем колонок ({len(values)} вместо {len(columns)});"
                " возможно, в названии запятая без кавычек",
            ))
    data = {c: "" for c in COLUMNS}
    for column, value in zip(columns, values, strict=False):
        if column in data:
            data[column] = value.strip()

    for column in COLUMNS:
        value = data[column]
        if len(value) > MAX_LENGTH[column]:
            errors.append(RowError(
                row, column, f"слишком длинное значение ({len(value)} символов, максимум"
                f" {MAX_LENGTH[column]})",
            ))
        elif _CONTROL.search(value):
            errors.append(RowError(row, column, "недопустимые управляющие символы"))

    iid = data["id"]
    if not iid:
        errors.append(RowError(row, "id", "пустой id"))
    elif any(ch.isspace() for ch in iid):
        errors.append(RowError(row, "id", f"id «{iid}» содержит пробелы"))
    elif iid in first_row_of:
        errors.append(RowError(row, "id", f"id «{iid}» уже встречался в строке {first_row_of[iid]}"))

    name = " ".join(data["name"].split())
    if not name:
        errors.append(RowError(row, "name", "пустое название"))
    elif not any(ch.isalpha() for ch in name):
        errors.append(RowError(row, "name", f"в названии «{name}» нет ни одной буквы"))

    tz = data["timezone"]
    if tz:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            errors.append(RowError(row, "timezone", f"неизвестный часовой пояс «{tz}»"))

    phone = data["phone"]
    if phone and not any(ch.isdigit() for ch in phone):
        errors.append(RowError(row, "phone", f"в телефоне «{phone}» нет ни одной цифры"))

    links: dict[str, str] = {}
    for column, check in (("website", _website), ("vk", _vk), ("telegram", _telegram),
                          ("ok", _ok)):
        value = data[column]
        if not value:
            links[column] = ""
            continue
        normalised = check(value)
        if normalised is None:
            errors.append(RowError(row, column, f"неверная ссылка «{value}»"))
        else:
            links[column] = normalised

    if iid and iid not in first_row_of:
        first_row_of[iid] = row  # a duplicate id points at the first row even if it was bad
    if errors:
        report.errors.extend(errors)
        return None

    aliases = tuple(dict.fromkeys(a for a in (" ".join(x.split()) for x in
                                               data["aliases"].split(";")) if a))
    return Institution(
        id=iid, name=name, short_name=" ".join(data["short_name"].split()), aliases=aliases,
        kind=data["kind"].lower(), region=data["region"], city=data["city"],
        district=data["district"], address=data["address"], phone=phone,
        website=links["website"], vk=links["vk"], telegram=links["telegram"], ok=links["ok"],
        timezone=tz,
    )


def _url(value: str, hosts: tuple[str, ...] | None = None) -> str | None:
    """A clean http(s) URL or None when clearly broken; a missing scheme gets https://."""
    if any(ch.isspace() for ch in value):
        return None
    candidate = value if "://" in value else "https://" + value
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https"):
        return None
    host = (parts.hostname or "").lower()
    if not _HOST.match(host):
        return None
    if hosts is not None and not any(host == h or host.endswith("." + h) for h in hosts):
        return None
    return candidate


def _website(value: str) -> str | None:
    return _url(value)


def _social(value: str, hosts: tuple[str, ...], base: str) -> str | None:
    if "." in value.split("/")[0] or "://" in value:
        url = _url(value, hosts)
        if url is None or not urlsplit(url).path.strip("/"):
            return None
        return url
    name = value.lstrip("@").strip("/")
    if not name or not _SOCIAL_PATH.match(name):
        return None
    return base + name


def _vk(value: str) -> str | None:
    return _social(value, ("vk.com", "vk.ru", "vkontakte.ru"), "https://vk.com/")


def _ok(value: str) -> str | None:
    return _social(value, ("ok.ru", "odnoklassniki.ru"), "https://ok.ru/")


def _telegram(value: str) -> str | None:
    if "." in value.split("/")[0] or "://" in value:
        url = _url(value, ("t.me", "telegram.me", "telegram.org"))
        if url is None or not urlsplit(url).path.strip("/"):
            return None
        return url
    name = value.lstrip("@")
    if not _TG_USERNAME.match(name):
        return None
    return "https://t.me/" + name
