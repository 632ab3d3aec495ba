"""Command line: python -m bot run | console | import-directory | import-faq | faq check |
import-duty | invite | backup | outbox | dead-letters | staff | ban | unban | forget."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from bot.admin_cli import add_parsers as add_admin_parsers
from bot.admin_cli import runners as admin_runners
from bot.config import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger("bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start the bot (the console chat when no token is set)")
    sub.add_parser("console", help="chat with the bot in the terminal (stdin may be piped)")
    p = sub.add_parser("import-directory", help="import institutions from a CSV file "
                       "(a file with errors changes nothing)")
    p.add_argument("csv", type=Path)
    p.add_argument("--partial", action="store_true",
                   help="import the good rows of a file with bad rows (their institutions stay)")
    p.add_argument("--allow-mass-deactivate", action="store_true",
                   help="allow hiding more than DIRECTORY_MASS_DEACTIVATE_SHARE of the institutions")
    p = sub.add_parser("import-faq", help="validate a FAQ YAML file and make it the bot's FAQ")
    p.add_argument("yaml", type=Path)
    p = sub.add_parser("faq", help="FAQ tools")
    faq_sub = p.add_subparsers(dest="faq_command", required=True)
    check = faq_sub.add_parser("check", help="validate a FAQ YAML file")
    check.add_argument("file", type=Path)
    p = sub.add_parser("import-duty", help="import the duty roster (date,platform,user_id CSV)")
    p.add_argument("csv", type=Path)
    p = sub.add_parser("invite", help="print a one-time staff invite token")
    p.add_argument("--institution", help="institution id (required for admin)")
    p.add_argument("--role", choices=("admin", "duty", "operator"), default="admin")
    p = sub.add_parser("backup", help="online copy of the database")
    p.add_argument("path", type=Path)
    p = sub.add_parser("outbox", help="delivery: backlog, failures; retry or re-route a row")
    p.add_argument("action", nargs="?", choices=("list", "retry", "reroute"), default="list")
    p.add_argument("row", nargs="?", type=int, help="outbox row id (retry, reroute)")
    p = sub.add_parser("dead-letters", help="updates the bot could not read: count, recent ones")
    p.add_argument("id", nargs="?", type=int, help="print this one's raw JSON")
    add_admin_parsers(sub)
    return parser


def _fail(message: str, code: int = 2) -> int:
    print(message, file=sys.stderr)
    return code


async def _console(settings: Settings) -> int:
    from bot.app import build_app
    from handlers.console import ConsoleChat

    app = await build_app(settings)
    try:
        await ConsoleChat(app).run()
    finally:
        await app.close()
    return 0


async def _run(settings: Settings) -> int:
    if not settings.has_transports:
        log.info("no TELEGRAM_BOT_TOKEN or VK_GROUP_TOKEN: opening the console chat")
        return await _console(settings)
    from bot.app import build_app
    from bot.runner import run_bot, transports_for

    app = await build_app(settings)
    try:
        problem = await operators_problem(app)
        if problem:
            return _fail(problem)
        await run_bot(app, transports_for(app))
    finally:
        await app.close()
    return 0


async def operators_problem(app: App) -> str | None:
    """Appeals of an institution without an inbox go to the operators: with none configured
    they would reach no one. One line naming the settings, unless explicitly allowed."""
    if app.settings.allow_no_operators:
        return None
    async with app.db.unit() as repos:
        operators = await repos.people.staff_chats("operator")
        orphans = await repos.people.institutions_without_inbox()
    if operators or not orphans:
        return None
    return (f"Не задан ни один оператор министерства (OPERATORS_TELEGRAM / OPERATORS_VK), а у "
            f"{orphans} учреждений нет чата для обращений: их обращения никто бы не увидел. "
            "Укажите id операторов или ALLOW_NO_OPERATORS=true.")


async def _import_directory(settings: Settings, csv_path: Path, *, partial: bool,
                            allow_mass_deactivation: bool) -> int:
    """A file with errors or one that would hide much of the directory changes nothing."""
    from bot.clock import SystemClock
    from bot.directory_import import import_directory, import_options, result_lines
    from storage.db import Database

    if not csv_path.is_file():
        return _fail(f"Файл не найден: {csv_path}")
    options = import_options(settings, partial=partial,
                             allow_mass_deactivation=allow_mass_deactivation)
    db = await Database.open(settings.database_path)
    try:
        result = await import_directory(db, csv_path, SystemClock(), options,
                                        max_rows=settings.directory_max_rows)
    finally:
        await db.close()
    for line in result_lines(result, settings):
        print(line)
    return 0 if result.imported and result.plan.report.ok else 1


async def _import_duty(settings: Settings, csv_path: Path) -> int:
    from bot.appeals.duty_import import DutyFileError, import_duty, parse_duty_csv
    from bot.clock import SystemClock
    from storage.db import Database

    if not csv_path.is_file():
        return _fail(f"Файл не найден: {csv_path}")
    try:
        rows, errors = parse_duty_csv(csv_path)
    except DutyFileError as exc:
        return _fail(str(exc))
    db = await Database.open(settings.database_path)
    try:
        async with db.unit() as repos:
            count, not_duty = await import_duty(repos, rows, SystemClock().now())
    finally:
        await db.close()
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


def _import_faq(settings: Settings, path: Path) -> int:
    """Validate, then replace the bot's FAQ file atomically; a running bot reloads it."""
    if _check_faq(settings, path) != 0:
        return _fail("FAQ не заменён: исправьте ошибки выше.", 1)
    target = settings.faq_path
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".yaml")
    os.close(fd)
    shutil.copyfile(path, tmp)
    os.replace(tmp, target)
    print(f"FAQ заменён: {target}")
    return 0


async def _invite(settings: Settings, role: str, institution_id: str | None) -> int:
    from bot.clock import SystemClock
    from bot.dialog.staff import create_invite
    from storage.db import Database

    if role == "admin" and not institution_id:
        return _fail("Для роли admin укажите --institution ID.")
    db = await Database.open(settings.database_path)
    try:
        from bot.directory_import import bootstrap_directory

        # a fresh database: load the directory as the first `run` would
        await bootstrap_directory(db, settings, SystemClock())
        async with db.unit() as repos:
            if institution_id and await repos.institutions.get(institution_id) is None:
                return _fail(f"Учреждение с id «{institution_id}» не найдено "
                             "(импортируйте справочник: python -m bot import-directory CSV).")
            token = await create_invite(repos, role, institution_id, SystemClock().now())
    finally:
        await db.close()
    print(token)
    print(f"Отправьте боту: /start inv_{token}", file=sys.stderr)
    return 0


def backup_target_problem(path: Path, database: Path) -> str | None:
    """Why a backup cannot go to `path` (checked before the database is touched)."""
    from bot import texts

    if path.is_dir():
        return texts.BACKUP_IS_FOLDER.format(path=path)
    if not path.parent.is_dir():
        return texts.BACKUP_NO_FOLDER.format(folder=path.parent)
    if path.exists() and database.exists() and path.resolve() == database.resolve():
        return texts.BACKUP_SAME_FILE
    return None


async def _backup(settings: Settings, path: Path) -> int:
    from bot import texts
    from storage.db import Database

    problem = backup_target_problem(path, settings.database_path)
    if problem:
        return _fail(problem)
    db = await Database.open(settings.database_path)
    try:
        await db.backup(path)
    except PermissionError:
        return _fail(texts.BACKUP_NOT_WRITABLE.format(path=path))
    except (OSError, sqlite3.Error) as exc:
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return _fail(texts.BACKUP_FAILED.format(path=path, detail=detail))
    finally:
        await db.close()
    print(f"Резервная копия: {path}")
    return 0


async def _dead_letters(settings: Settings, letter_id: int | None) -> int:
    from bot import texts
    from bot.dead_letters import DEAD_LETTERS_KEEP, dead_letter_lines, dead_letter_raw
    from storage.db import Database

    db = await Database.open(settings.database_path)
    try:
        async with db.unit() as repos:
            if letter_id is None:
                lines = await dead_letter_lines(repos, settings.default_timezone)
            else:
                raw = await dead_letter_raw(repos, letter_id)
                if raw is None:
                    return _fail(texts.DEAD_LETTER_NOT_FOUND.format(
                        id=letter_id, days=DEAD_LETTERS_KEEP.days))
                lines = [raw]
    finally:
        await db.close()
    for line in lines:
        print(line)
    return 0


async def _outbox(settings: Settings, action: str, row: int | None) -> int:
    from bot.app import build_app
    from bot.appeals.delivery_report import delivery_lines, reroute_failed

    if action != "list" and row is None:
        return _fail(f"Укажите номер строки: python -m bot outbox {action} ID")
    app = await build_app(settings)
    try:
        async with app.db.unit() as repos:
            if action == "list":
                for line in await delivery_lines(repos, settings.default_timezone):
                    print(line)
                failed = await repos.outbox.failed(20)
                if failed:
                    print("Не доставлено (последние 20): id · платформа · чат · вид · причина")
                for item in failed:
                    print(f"{item.id} · {item.platform} · {item.chat_id} · {item.kind} · "
                          f"{item.failure}: {(item.error or '')[:80]}")
                return 0
            item = await repos.outbox.get(row or 0)
            if item is None or item.status != "failed":
                return _fail(f"Строка {row} не найдена среди недоставленных.")
            if action == "retry":
                await repos.outbox.retry(item.id, app.clock.now())
                print(f"Строка {item.id} снова в очереди.")
            else:
                count = await reroute_failed(repos, app.appeals, item, app.clock.now())
                if not count:
                    return _fail("Нет ни одного оператора (OPERATORS_TELEGRAM / OPERATORS_VK).")
                print(f"Строка {item.id} отправлена операторам ({count}).")
    finally:
        await app.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        return _fail(str(exc))
    from bot.logs import configure_logging

    configure_logging(settings.log_level)
    if args.command == "faq":
        return _check_faq(settings, args.file)
    if args.command == "import-faq":
        return _import_faq(settings, args.yaml)
    runners = {
        "run": lambda: _run(settings),
        "console": lambda: _console(settings),
        "import-directory": lambda: _import_directory(
            settings, args.csv, partial=args.partial,
            allow_mass_deactivation=args.allow_mass_deactivate),
        "invite": lambda: _invite(settings, args.role, args.institution),
        "import-duty": lambda: _import_duty(settings, args.csv),
        "backup": lambda: _backup(settings, args.path),
        "outbox": lambda: _outbox(settings, args.action, args.row),
        "dead-letters": lambda: _dead_letters(settings, args.id),
        **admin_runners(settings, args),
    }
    from bot import texts
    from bot.appeals.calendar import CalendarError
    from bot.appeals.policy import PolicyError
    from storage.db_problems import DatabaseProblem

    try:
        return asyncio.run(runners[args.command]())
    except (PolicyError, CalendarError) as exc:
        return _fail(f"Ошибка в файле сроков: {exc}")
    except DatabaseProblem as exc:
        return _fail(texts.DB_PROBLEMS[exc.problem].format(path=exc.path, detail=exc.detail))
    except sqlite3.Error as exc:  # anything else SQLite says later: one line, not a traceback
        log.debug("database error", exc_info=True)  # the traceback with LOG_LEVEL=DEBUG
        return _fail(texts.DB_ERROR.format(path=settings.database_path,
                                           detail=" ".join(str(exc).split())))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
