"""Command line: python -m bot run | console | import-directory | import-faq | faq check |
import-duty | invite | backup | outbox."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger("bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start the bot (the console chat when no token is set)")
    sub.add_parser("console", help="chat with the bot in the terminal (stdin may be piped)")
    p = sub.add_parser("import-directory", help="import institutions from a CSV file")
    p.add_argument("csv", type=Path)
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


async def _import_directory(settings: Settings, csv_path: Path) -> int:
    from bot.app import import_directory
    from bot.clock import SystemClock
    from storage.db import Database

    if not csv_path.is_file():
        return _fail(f"Файл не найден: {csv_path}")
    db = await Database.open(settings.database_path)
    try:
        report, counts = await import_directory(db, csv_path, SystemClock())
    finally:
        await db.close()
    for error in report.errors:
        print(error)
    print(f"Импортировано: добавлено {counts.added}, обновлено {counts.updated}, "
          f"без изменений {counts.unchanged}, скрыто (нет в файле) {counts.deactivated}; "
          f"строк с ошибками: {len(report.bad_rows)}.")
    return 1 if report.errors else 0


async def _import_duty(settings: Settings, csv_path: Path) -> int:
    from bot.appeals.duty_import import import_duty, parse_duty_csv
    from bot.clock import SystemClock
    from storage.db import Database

    if not csv_path.is_file():
        return _fail(f"Файл не найден: {csv_path}")
    rows, errors = parse_duty_csv(csv_path)
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


def _check_faq(path: Path) -> int:
    from faq import check_faq

    errors = check_faq(path)
    for error in errors:
        print(error)
    if errors:
        return 1
    print(f"{path}: ошибок нет.")
    return 0


def _import_faq(settings: Settings, path: Path) -> int:
    """Validate, then replace the bot's FAQ file atomically; a running bot reloads it."""
    if _check_faq(path) != 0:
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
        async with db.unit() as repos:
            empty = await repos.institutions.count() == 0
        if empty:  # a fresh database: load the directory as the first `run` would
            from bot.app import import_directory

            await import_directory(db, settings.directory_csv, SystemClock())
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


async def _backup(settings: Settings, path: Path) -> int:
    from storage.db import Database

    db = await Database.open(settings.database_path)
    try:
        await db.backup(path)
    finally:
        await db.close()
    print(f"Резервная копия: {path}")
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
        return _check_faq(args.file)
    if args.command == "import-faq":
        return _import_faq(settings, args.yaml)
    runners = {
        "run": lambda: _run(settings),
        "console": lambda: _console(settings),
        "import-directory": lambda: _import_directory(settings, args.csv),
        "invite": lambda: _invite(settings, args.role, args.institution),
        "import-duty": lambda: _import_duty(settings, args.csv),
        "backup": lambda: _backup(settings, args.path),
        "outbox": lambda: _outbox(settings, args.action, args.row),
    }
    from bot.appeals.calendar import CalendarError
    from bot.appeals.policy import PolicyError

    try:
        return asyncio.run(runners[args.command]())
    except (PolicyError, CalendarError) as exc:
        return _fail(f"Ошибка в файле сроков: {exc}")
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
