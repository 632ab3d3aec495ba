"""Loading the region's files: `import-directory`, `import-faq`, `faq check`,
`import-duty`. A file with errors changes nothing (unless asked: --partial)."""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

from bot.cli.common import Subparsers, fail, opened
from bot.config import Settings


def add_parsers(sub: Subparsers) -> None:
    p = sub.add_parser("import-directory", help="import institutions from a CSV file "
                       "(a file with errors changes nothing)")
    p.add_argument("csv", type=Path)
    p.add_argument("--partial", action="store_true",
                   help="import the good rows of a file with bad rows (their institutions stay)")
    p.add_argument("--allow-mass-deactivate", action="store_true",
                   help="allow hiding more than DIRECTORY_MASS_DEACTIVATE_SHARE of the institutions")
    p.set_defaults(func=import_directory)
    p = sub.add_parser("import-faq", help="validate a FAQ YAML file and make it the bot's FAQ")
    p.add_argument("yaml", type=Path)
    p.set_defaults(func=import_faq)
    p = sub.add_parser("faq", help="FAQ tools")
    faq_sub = p.add_subparsers(dest="faq_command", required=True)
    check = faq_sub.add_parser("check", help="validate a FAQ YAML file")
    check.add_argument("file", type=Path)
    check.set_defaults(func=faq_check)
    p = sub.add_parser("import-duty", help="import the duty roster (date,platform,user_id CSV)")
    p.add_argument("csv", type=Path)
    p.set_defaults(func=import_duty)


async def import_directory(settings: Settings, args: argparse.Namespace) -> int:
    """A file with errors or one that would hide much of the directory changes nothing."""
    from bot.clock import SystemClock
    from bot.directory_import import import_directory, import_options, result_lines
    from storage.store import open_store

    csv_path: Path = args.csv
    if not csv_path.is_file():
        return fail(f"Файл не найден: {csv_path}")
    options = import_options(settings, partial=args.partial,
                             allow_mass_deactivation=args.allow_mass_deactivate)
    async with opened(open_store(settings.database)) as db:
        result = await import_directory(db, csv_path, SystemClock(), options,
                                        max_rows=settings.directory_max_rows)
    for line in result_lines(result, settings):
        print(line)
    return 0 if result.imported and result.plan.report.ok else 1


async def import_duty(settings: Settings, args: argparse.Namespace) -> int:
    from bot.appeals.duty import DutyFileError, import_duty, parse_duty_csv
    from bot.clock import SystemClock
    from storage.store import open_store

    csv_path: Path = args.csv
    if not csv_path.is_file():
        return fail(f"Файл не найден: {csv_path}")
    try:
        rows, errors = parse_duty_csv(csv_path)
    except DutyFileError as exc:
        return fail(str(exc))
    async with opened(open_store(settings.database)) as db, db.unit() as repos:
        count, not_duty = await import_duty(repos, rows, SystemClock().now())
    for error in errors + not_duty:
        print(error)
    print(f"Назначено дежурств: {count}; строк с ошибками: {len(errors) + len(not_duty)}.")
    return 1 if errors or not_duty else 0


def _check_faq(settings: Settings, path: Path) -> int:
    from bot.app import faq_limits
    from bot.texts import imports as import_texts
    from faq import check_faq

    limits = faq_limits(settings)
    errors = check_faq(path, limits)
    for error in errors:
        print(error)
    if any("предел" in error for error in errors):
        print(import_texts.FAQ_LIMITS.format(entries=limits.max_entries,
                                             chars=limits.max_answer_chars))
    if errors:
        return 1
    print(f"{path}: ошибок нет.")
    return 0


async def faq_check(settings: Settings, args: argparse.Namespace) -> int:
    return _check_faq(settings, args.file)


async def import_faq(settings: Settings, args: argparse.Namespace) -> int:
    """Validate, then replace the bot's FAQ file atomically; a running bot reloads it."""
    path: Path = args.yaml
    if _check_faq(settings, path) != 0:
        return fail("FAQ не заменён: исправьте ошибки выше.", 1)
    target = settings.faq_path
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".yaml")
    os.close(fd)
    shutil.copyfile(path, tmp)
    os.replace(tmp, target)
    print(f"FAQ заменён: {target}")
    return 0
