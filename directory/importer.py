"""Read a directory CSV file, validate every row, and report bad rows in Russian.

Format: UTF-8 (a BOM is tolerated; Windows-1251 is recognised, see csv_source.py), a
header row, comma separated, columns

    id,name,short_name,aliases,kind,region,city,district,address,phone,website,vk,telegram,ok,timezone,parent,
    former_names

Only `id` and `name` are required; the other columns may be absent or empty.
`aliases` holds extra names separated by ";" (what people call it). `former_names` holds
the names it had before it was renamed or merged, separated by ";" (former_names.py: a
bad one is left out with a warning). `parent` is the
id of the institution that runs this one (a FAP, an outpatient clinic or a district's
ambulance belong to their central district hospital): appeals about it go there. Rows are numbered as a spreadsheet
shows them: the header is row 1, the first institution is row 2.

Good rows are imported and bad rows are listed (`ImportReport.errors`); a row
with any error is skipped as a whole. A file error (`RowError.problem` is set: the
file cannot be read or decoded, is empty, has a broken header, an unclosed quote,
more rows than `max_rows`) is one error and no rows at all. Whether an import with
errors may change the stored directory, and what a re-import changes, is decided by
import_policy.py.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Protocol, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from directory.csv_source import SourceEncoding, UndecodableError, decode_bytes
from directory.former_names import parse_former_names, taken_former_names
from directory.links import ok_link, telegram_link, vk_link, website_link
from directory.model import Institution

COLUMNS = (
    "id", "name", "short_name", "aliases", "kind", "region", "city", "district",
    "address", "phone", "website", "vk", "telegram", "ok", "timezone", "parent", "former_names",
)
REQUIRED = ("id", "name")
KINDS = ("hospital", "polyclinic", "dispensary", "maternity", "ambulance", "dental",
         "center", "ministry")

# The longest value a column may hold; longer ones are a mistake in the file
# (a shifted column, a pasted paragraph), not a name.
MAX_LENGTH = {
    "id": 100, "name": 500, "short_name": 200, "aliases": 2000, "kind": 50,
    "region": 200, "city": 200, "district": 200, "address": 500, "phone": 200,
    "website": 500, "vk": 300, "telegram": 300, "ok": 300, "timezone": 64, "parent": 100,
    "former_names": 2000,
}

DEFAULT_MAX_ROWS = 100_000  # institutions in one file; a region has a few thousand

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class FileProblem(StrEnum):
    """Why a whole file is refused: nothing in it is imported."""

    UNREADABLE = "unreadable"
    ENCODING = "encoding"
    EMPTY = "empty"
    HEADER = "header"
    UNCLOSED_QUOTE = "unclosed_quote"
    BROKEN_CSV = "broken_csv"
    TOO_MANY_ROWS = "too_many_rows"


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # spreadsheet numbering: the header is row 1
    column: str  # "" when the problem is the whole row or the whole file
    reason: str
    problem: FileProblem | None = None  # set for a file error: then no row is imported

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
    encoding: SourceEncoding | None = None  # how the file's bytes were read (None: given as text)
    skipped_ids: set[str] = field(default_factory=set)  # ids of the bad rows (when readable)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def file_errors(self) -> list[RowError]:
        return [e for e in self.errors if e.problem is not None]

    def fail_file(self, error: RowError) -> ImportReport:
        """A file error: the file as a whole is refused, so no row of it counts."""
        self.errors.append(error)
        self.institutions.clear()
        self.skipped_ids.clear()
        return self

    @property
    def bad_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors if e.row > 1 and e.problem is None})

    def summary(self) -> str:
        """One paragraph for the administrator who uploaded the file."""
        lines = [f"Импортировано учреждений: {len(self.institutions)}."]
        if self.file_errors:
            lines = ["Файл не импортирован:"]
            lines.extend(f"  {e}" for e in self.errors)
        elif self.errors:
            lines.append(f"Ошибок: {len(self.errors)}; строки с ошибками пропущены:")
            lines.extend(f"  {e}" for e in self.errors)
        lines.extend(f"  внимание: {w}" for w in self.warnings)
        return "\n".join(lines)


class DirectoryImportError(ValueError):
    """Raised by `Directory.from_csv(..., strict=True)` when a file has errors."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        super().__init__(report.summary())


def parse_csv(source: str | Path | TextIO, *, max_rows: int = DEFAULT_MAX_ROWS) -> ImportReport:
    """Parse and validate a directory CSV of at most `max_rows` institutions.

    `source` is a path (str or Path), an open text stream, or CSV text itself
    (a str that contains a line break).
    """
    report = ImportReport()
    try:
        text = _read(source, report)
    except (UndecodableError, UnicodeDecodeError) as exc:
        reason = str(exc) if isinstance(exc, UndecodableError) else (
            f"файл не в кодировке UTF-8 (неверный байт {exc.start})")
        return report.fail_file(RowError(0, "", reason, FileProblem.ENCODING))
    except OSError as exc:
        return report.fail_file(RowError(
            0, "", f"не удалось прочитать файл: {exc.strerror or exc}", FileProblem.UNREADABLE))
    if not text.strip():
        return report.fail_file(RowError(1, "", "файл пуст: нет строки заголовка", FileProblem.EMPTY))

    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except csv.Error as exc:
        return report.fail_file(_csv_error(1, exc))
    if _multiline(header) is not None:
        return report.fail_file(_unclosed_quote(1, "", 1, reader.line_num))
    columns = [h.strip().lstrip("\ufeff").lower() for h in header]
    if not _check_header(columns, report):
        return report
    rows = _parse_rows(reader, columns, report, max_rows)
    if rows == 0 and not report.errors:
        report.fail_file(RowError(
            1, "", "после заголовка нет ни одного учреждения", FileProblem.EMPTY))
    return report


class _Rows(Protocol):
    """A csv reader: rows, and how many physical lines it has read so far."""

    line_num: int

    def __next__(self) -> list[str]: ...


def _parse_rows(reader: _Rows, columns: list[str], report: ImportReport,
                max_rows: int) -> int:
    """Validate the rows after the header into `report`; the number of non-blank rows."""
    first_row_of: dict[str, int] = {}
    row_number = 1
    count = 0
    while True:
        first_line = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            _check_parents(report, first_row_of)
            _check_former_names(report, first_row_of)
            return count
        except csv.Error as exc:
            report.fail_file(_csv_error(row_number + 1, exc))
            return count  # the csv module cannot resynchronise after this
        row_number += 1
        if not any(v.strip() for v in values):
            continue  # blank line
        broken = _multiline(values)
        if broken is not None:
            column = columns[broken] if broken < len(columns) else ""
            report.fail_file(_unclosed_quote(row_number, column, first_line, reader.line_num))
            return count
        count += 1
        if count > max_rows:
            report.fail_file(RowError(
                row_number, "", f"больше {max_rows} учреждений — предел для одного файла;"
                " файл не импортирован", FileProblem.TOO_MANY_ROWS))
            return count
        institution = _parse_row(row_number, columns, values, first_row_of, report)
        if institution is not None:
            report.institutions.append(institution)


def _multiline(values: list[str]) -> int | None:
    """The position of the first value holding a line break (an unclosed quote), or None."""
    for position, value in enumerate(values):
        if "\n" in value or "\r" in value:
            return position
    return None


def _unclosed_quote(row: int, column: str, first_line: int, last_line: int) -> RowError:
    return RowError(
        row, column, f"кавычка не закрыта: значение захватило строки {first_line}–{last_line}"
        " файла (перенос строки внутри значения не допускается); файл не импортирован",
        FileProblem.UNCLOSED_QUOTE)


def _csv_error(row: int, exc: csv.Error) -> RowError:
    if "field larger than field limit" in str(exc):
        return _unclosed_quote(row, "", row, row)
    return RowError(row, "", f"строка не читается как CSV ({exc}); файл не импортирован",
                    FileProblem.BROKEN_CSV)


def _read(source: str | Path | TextIO, report: ImportReport) -> str:
    if isinstance(source, str) and ("\n" in source or "\r" in source):
        return source.lstrip("\ufeff")
    if isinstance(source, str | Path):
        decoded = decode_bytes(Path(source).read_bytes())
        report.encoding = decoded.encoding
        return decoded.text
    return source.read().lstrip("\ufeff")


def _check_header(columns: list[str], report: ImportReport) -> bool:
    twice = {c for c, n in Counter(c for c in columns if c).items() if n > 1}
    missing = [c for c in REQUIRED if c not in columns]
    if missing or twice:
        problems = []
        if missing:
            problems.append("нет обязательных колонок " + ", ".join(missing))
        if twice:
            problems.append("колонки повторяются: " + ", ".join(sorted(twice)))
        if len(columns) == 1 and any(d in columns[0] for d in ";\t"):
            problems.append("похоже, колонки разделены «;» или табуляцией, а нужна запятая")
        report.fail_file(RowError(
            1, "", "неверный заголовок: " + "; ".join(problems)
            + f". Ожидается: {','.join(COLUMNS)}. Строки не импортированы", FileProblem.HEADER,
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
    for column, check in (("website", website_link), ("vk", vk_link),
                          ("telegram", telegram_link), ("ok", ok_link)):
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
        if iid and not any(ch.isspace() for ch in iid):
            report.skipped_ids.add(iid)
        return None

    aliases = tuple(dict.fromkeys(a for a in (" ".join(x.split()) for x in
                                               data["aliases"].split(";")) if a))
    short_name = " ".join(data["short_name"].split())
    former_names, problems = parse_former_names(data["former_names"], (name, short_name, *aliases))
    report.warnings.extend(RowError(row, p.column, p.reason) for p in problems)
    return Institution(
        id=iid, name=name, short_name=short_name, aliases=aliases,
        kind=data["kind"].lower(), region=data["region"], city=data["city"],
        district=data["district"], address=data["address"], phone=phone,
        website=links["website"], vk=links["vk"], telegram=links["telegram"], ok=links["ok"],
        timezone=tz, parent=data["parent"], former_names=former_names,
    )


def _check_parents(report: ImportReport, first_row_of: dict[str, int]) -> None:
    """A parent the file does not have (or the row itself) is dropped with a warning: the
    institution is imported, its appeals stay its own."""
    for n, inst in enumerate(report.institutions):
        if inst.parent and (inst.parent == inst.id or inst.parent not in first_row_of):
            why = "само учреждение" if inst.parent == inst.id else "нет в файле"
            report.warnings.append(RowError(
                first_row_of.get(inst.id, 0), "parent",
                f"учреждение-владелец «{inst.parent}» не принято ({why}): строка импортирована "
                "без него"))
            report.institutions[n] = replace(inst, parent="")


def _check_former_names(report: ImportReport, first_row_of: dict[str, int]) -> None:
    """A former name that another row of the file has as its name now: kept, with a
    warning (the merged hospital's own row may be left over)."""
    for inst, former, other in taken_former_names(report.institutions):
        report.warnings.append(RowError(
            first_row_of.get(inst.id, 0), "former_names",
            f"прежнее название «{former}» — нынешнее название учреждения «{other}» (строка "
            f"{first_row_of.get(other, 0)}); если оно присоединено, уберите его строку"))
