"""Command line for staff power and personal data: `staff list|revoke|unbind|audit`,
`ban`, `unban`, `forget` (a request received by post, e-mail or in person)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from bot.config import Settings


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("staff", help="staff and inbox chats: list, revoke, unbind, audit")
    p.add_argument("action", nargs="?", choices=("list", "revoke", "unbind", "audit"),
                   default="list")
    p.add_argument("id", nargs="?", type=int, help="#ID of a person (revoke) or a chat (unbind)")
    for name, text in (("ban", "block a person in the bot"), ("unban", "lift a block")):
        p = sub.add_parser(name, help=text)
        p.add_argument("ref", help="an appeal number (its author) or #ID of a person")
        if name == "ban":
            p.add_argument("--reason", default="")
    p = sub.add_parser("forget", help="anonymise a citizen (152-FZ): appeals, texts, chats")
    p.add_argument("--platform", required=True, choices=("telegram", "vk", "console"))
    p.add_argument("--user", required=True, help="the person's id on that platform")


def runners(settings: Settings, args: argparse.Namespace) -> dict[str, Callable[[], Awaitable[int]]]:
    return {
        "staff": lambda: _staff(settings, args.action, args.id),
        "ban": lambda: _ban(settings, args.ref, args.reason, lift=False),
        "unban": lambda: _ban(settings, args.ref, "", lift=True),
        "forget": lambda: _forget(settings, args.platform, args.user),
    }


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 2


async def _staff(settings: Settings, action: str, ref: int | None) -> int:
    from bot import texts
    from bot.app import build_app
    from bot.appeals import staff_power
    from bot.appeals.staff_power import CLI

    if action in ("revoke", "unbind") and ref is None:
        return _fail(f"Укажите номер: python -m bot staff {action} ID (из python -m bot staff)")
    app = await build_app(settings)
    try:
        now = app.clock.now()
        async with app.db.unit() as repos:
            if action == "list":
                print(await staff_power.listing(repos, CLI))
            elif action == "audit":
                for row in await repos.staff.audit_log():
                    print(" · ".join(row))
            elif action == "unbind":
                answer = await staff_power.unbind(repos, ref or 0, CLI, now)
                if answer is None:
                    return _fail(texts.INBOX_UNKNOWN.format(ref=ref))
                print(answer)
            else:
                person = await repos.people.get_user(ref or 0)
                if person is None:
                    return _fail(texts.STAFF_UNKNOWN.format(ref=ref))
                taken = await staff_power.revoke(repos, person.id, CLI, now)
                if not taken:
                    return _fail(texts.STAFF_REVOKE_NONE.format(id=person.id))
                print(texts.STAFF_REVOKED.format(id=person.id, count=taken, name=(
                    person.display_name or person.platform_user_id)))
    finally:
        await app.close()
    return 0


async def _ban(settings: Settings, ref: str, reason: str, *, lift: bool) -> int:
    from bot import texts
    from bot.app import build_app
    from bot.appeals import staff_power
    from bot.appeals.staff_power import CLI

    app = await build_app(settings)
    try:
        async with app.db.unit() as repos:
            person = await staff_power.find_person(repos, ref)
            if person is None:
                return _fail(texts.BAN_UNKNOWN.format(ref=ref[:30]))
            now = app.clock.now()
            print(await (staff_power.unban(repos, app.appeals, person, CLI, now) if lift
                         else staff_power.ban(repos, app.appeals, person, reason, CLI, now)))
        app.courier.wake()
    finally:
        await app.close()
    return 0


async def _forget(settings: Settings, platform: str, user_id: str) -> int:
    from bot.app import build_app
    from bot.appeals.forgetting import forget

    app = await build_app(settings)
    try:
        async with app.db.unit() as repos:
            person = await repos.people.find_user(platform, user_id)
            if person is None:
                return _fail(f"Пользователь {platform}:{user_id} не найден: данных о нём нет.")
            if await repos.people.roles(person.id):
                return _fail("Это сотрудник: сначала отзовите его права "
                             "(python -m bot staff revoke ID).")
            done = await forget(repos, app.appeals, person, app.clock.now())
        app.courier.wake()
    finally:
        await app.close()
    print(f"Данные {platform}:{user_id} удалены: обезличено обращений {done.appeals}, "
          f"отозвано открытых {done.withdrawn}. Уведомления учреждениям уйдут с запущенным ботом.")
    return 0
