"""Keeping the bot running: `invite` (a staff invite token), `backup`, `outbox` (the
delivery: backlog, failures; retry or re-route a row), `dead-letters`, `storage` (bytes in
use, per table and per closed appeal)."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot import texts
from bot.cli.common import Subparsers, fail, opened
from bot.config import Settings
from storage.dialect import Dialect
from storage.records import Role

if TYPE_CHECKING:
    from bot.app import App


def add_parsers(sub: Subparsers) -> None:
    p = sub.add_parser("invite", help="print a one-time staff invite token")
    p.add_argument("--institution", help="institution id (required for admin)")
    p.add_argument("--role", choices=[str(role) for role in Role], default=str(Role.ADMIN))
    p.add_argument("--region", default="",
                   help="operator, duty: the region (as the directory names it) they work for")
    p.set_defaults(func=invite)
    p = sub.add_parser("backup", help="online copy of the database")
    p.add_argument("path", type=Path)
    p.set_defaults(func=backup)
    p = sub.add_parser("outbox", help="delivery: backlog, failures; retry or re-route a row")
    p.add_argument("action", nargs="?", choices=("list", "retry", "reroute"), default="list")
    p.add_argument("row", nargs="?", type=int, help="outbox row id (retry, reroute)")
    p.set_defaults(func=outbox)
    p = sub.add_parser("dead-letters", help="updates the bot could not read: count, recent ones")
    p.add_argument("id", nargs="?", type=int, help="print this one's raw JSON")
    p.set_defaults(func=dead_letters)
    p = sub.add_parser("storage", help="database bytes in use: per table, per closed appeal")
    p.set_defaults(func=storage)


async def invite(settings: Settings, args: argparse.Namespace) -> int:
    from bot.appeals.regions import known_region, region_names
    from bot.appeals.staff_power import create_invite
    from bot.clock import SystemClock
    from bot.directory_import import bootstrap_directory
    from storage.store import open_store

    role, institution_id, region_name = Role(args.role), args.institution, args.region.strip()
    if role == Role.ADMIN and not institution_id:
        return fail("Для роли admin укажите --institution ID.")
    if region_name and (role == Role.ADMIN or institution_id):
        return fail(texts.INVITE_REGION_ROLES)
    async with opened(open_store(settings.database)) as db:
        # a fresh database: load the directory as the first `run` would
        await bootstrap_directory(db, settings, SystemClock())
        async with db.unit() as repos:
            if institution_id and await repos.institutions.get(institution_id) is None:
                return fail(f"Учреждение с id «{institution_id}» не найдено "
                            "(импортируйте справочник: python -m bot import-directory CSV).")
            region = await known_region(repos, region_name) if region_name else ""
            if region is None:
                return fail(texts.REGION_UNKNOWN.format(region=region_name[:80], known=", ".join(
                    (await region_names(repos)).values()) or "—"))
            token = await create_invite(repos, role, institution_id, SystemClock().now(),
                                        region)
    print(token)
    print(f"Отправьте боту: /start inv_{token}", file=sys.stderr)
    return 0


def backup_target_problem(path: Path, database: Path) -> str | None:
    """Why a backup cannot go to `path` (checked before the database is touched)."""
    if path.is_dir():
        return texts.BACKUP_IS_FOLDER.format(path=path)
    if not path.parent.is_dir():
        return texts.BACKUP_NO_FOLDER.format(folder=path.parent)
    if path.exists() and database.exists() and path.resolve() == database.resolve():
        return texts.BACKUP_SAME_FILE
    return None


async def backup(settings: Settings, args: argparse.Namespace) -> int:
    from storage.store import open_store

    path: Path = args.path
    if settings.database.dialect is Dialect.POSTGRESQL:
        return fail(texts.BACKUP_POSTGRESQL)
    problem = backup_target_problem(path, settings.database_path)
    if problem:
        return fail(problem)
    async with opened(open_store(settings.database)) as db:
        try:
            await db.backup(path)
        except PermissionError:
            return fail(texts.BACKUP_NOT_WRITABLE.format(path=path))
        except (OSError, sqlite3.Error) as exc:
            detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            return fail(texts.BACKUP_FAILED.format(path=path, detail=detail))
    print(f"Резервная копия: {path}")
    return 0


async def dead_letters(settings: Settings, args: argparse.Namespace) -> int:
    from bot.dead_letters import DEAD_LETTERS_KEEP, dead_letter_lines, dead_letter_raw
    from storage.store import open_store

    letter_id: int | None = args.id
    async with opened(open_store(settings.database)) as db, db.read() as repos:
        if letter_id is None:
            lines = await dead_letter_lines(repos, settings.default_timezone)
        else:
            raw = await dead_letter_raw(repos, letter_id)
            if raw is None:
                return fail(texts.DEAD_LETTER_NOT_FOUND.format(
                    id=letter_id, days=DEAD_LETTERS_KEEP.days))
            lines = [raw]
    for line in lines:
        print(line)
    return 0


def _mib(size: float) -> str:
    if size < 2**20:
        return f"{size / 2**10:,.0f} КиБ"
    return f"{size / 2**20:,.1f} МиБ".replace(",", " ")


async def storage(settings: Settings, args: argparse.Namespace) -> int:
    """Pages in use, not the file's size: SQLite reuses the pages retention freed."""
    from storage.store import open_store

    async with opened(open_store(settings.database)) as db, db.read() as repos:
        usage = await repos.space.usage()
    print(f"База {settings.database_path}: занято {_mib(usage.used)}, свободных страниц "
          f"{_mib(usage.free)} (SQLite заполняет их новыми записями: файл не растёт, "
          "пока они есть; уменьшить файл — VACUUM при остановленном боте).")
    per = usage.per_closed_appeal
    if per is None:
        print("Закрытых обращений нет.")
    else:
        print(f"Закрытых обращений: {usage.closed_appeals}; {per:,.0f} Б на закрытое "
              "обращение.".replace(",", " "))
    for name, size in usage.tables[:15]:
        share = f", {size / usage.closed_appeals:,.0f} Б на закрытое обращение".replace(
            ",", " ") if usage.closed_appeals else ""
        print(f"  {name}: {_mib(size)}{share}")
    return 0


async def outbox(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import build_app
    from bot.appeals.delivery_report import delivery_lines

    action: str = args.action
    row: int | None = args.row
    if action != "list" and row is None:
        return fail(f"Укажите номер строки: python -m bot outbox {action} ID")
    async with opened(build_app(settings)) as app:
        if action == "list":  # a report: the reader, no write lock on the file
            async with app.db.read() as reader:
                lines = await delivery_lines(reader, settings.default_timezone)
                failed = await reader.outbox.failed(20)
            for line in lines:
                print(line)
            if failed:
                print("Не доставлено (последние 20): id · платформа · чат · вид · причина")
            for failure in failed:
                print(f"{failure.id} · {failure.platform} · {failure.chat_id} · {failure.kind} · "
                      f"{failure.failure}: {(failure.error or '')[:80]}")
            return 0
        return await _outbox_change(app, action, row)


async def _outbox_change(app: App, action: str, row: int | None) -> int:
    from bot.appeals.delivery_report import reroute_failed

    async with app.db.unit() as repos:
        item = await repos.outbox.get(row or 0)
        if item is None or item.status != "failed":
            return fail(f"Строка {row} не найдена среди недоставленных.")
        if action == "retry":
            await repos.outbox.retry(item.id, app.clock.now())
            print(f"Строка {item.id} снова в очереди.")
        else:
            count = await reroute_failed(repos, app.appeals, item, app.clock.now())
            if not count:
                return fail("Нет ни одного оператора (OPERATORS_TELEGRAM / OPERATORS_VK).")
            print(f"Строка {item.id} отправлена операторам ({count}).")
    return 0
