"""Staff power and personal data: `staff list|revoke|unbind|audit|region`, `ban`, `unban`,
`forget` (a request received by post, e-mail or in person)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot.cli.common import Subparsers, fail, opened
from bot.config import Settings
from storage.records import Platform

if TYPE_CHECKING:
    from bot.app import App


def add_parsers(sub: Subparsers) -> None:
    p = sub.add_parser("staff", help="staff and inbox chats: list, revoke, unbind, audit, region")
    p.add_argument("action", nargs="?", choices=("list", "revoke", "unbind", "audit", "region"),
                   default="list")
    p.add_argument("id", nargs="?", type=int,
                   help="#ID of a person (revoke, region) or a chat (unbind)")
    p.add_argument("region", nargs="?", default="",
                   help="region: the region (as the directory names it) the person's operator "
                        "and duty roles work for; none: every region")
    p.set_defaults(func=staff)
    p = sub.add_parser("ban", help="block a person in the bot")
    p.add_argument("ref", help="an appeal number (its author) or #ID of a person")
    p.add_argument("--reason", default="")
    p.set_defaults(func=ban)
    p = sub.add_parser("unban", help="lift a block")
    p.add_argument("ref", help="an appeal number (its author) or #ID of a person")
    p.set_defaults(func=unban)
    p = sub.add_parser("forget", help="anonymise a citizen (152-FZ): appeals, texts, chats")
    p.add_argument("--platform", required=True, choices=[str(name) for name in Platform])
    p.add_argument("--user", required=True, help="the person's id on that platform")
    p.set_defaults(func=forget)


async def staff(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import build_app
    from bot.appeals import staff_power
    from bot.appeals.staff_power import CLI

    action: str = args.action
    ref: int | None = args.id
    if action in ("revoke", "unbind", "region") and ref is None:
        return fail(f"Укажите номер: python -m bot staff {action} ID (из python -m bot staff)")
    async with opened(build_app(settings)) as app:
        if action in ("list", "audit"):  # reports: the reader, no write lock on the file
            async with app.db.read() as reader:
                if action == "list":
                    print(await staff_power.listing(reader, CLI))
                for row in await reader.staff.audit_log() if action == "audit" else []:
                    print(" · ".join(row))
            return 0
        if action == "region":
            return await _staff_region(app, ref or 0, str(args.region).strip())
        return await _staff_change(app, action, ref)


async def _staff_region(app: App, ref: int, name: str) -> int:
    from bot import texts
    from bot.appeals import staff_power
    from bot.appeals.regions import known_region, region_names
    from bot.appeals.staff_power import CLI

    async with app.db.unit() as repos:
        person = await repos.people.get_user(ref)
        if person is None:
            return fail(texts.STAFF_UNKNOWN.format(ref=ref))
        region = await known_region(repos, name) if name else ""
        if region is None:
            return fail(texts.REGION_UNKNOWN.format(region=name[:80], known=", ".join(
                (await region_names(repos)).values()) or "—"))
        changed = await staff_power.bind_region(repos, person, region, CLI, app.clock.now())
        if not changed:
            return fail(texts.STAFF_REGION_NONE.format(id=person.id))
        shown = (await region_names(repos)).get(region, region) if region else texts.REGION_EVERY
        print(texts.STAFF_REGION_SET.format(id=person.id, count=changed, region=shown,
                                            name=person.display_name or person.platform_user_id))
    return 0


async def _staff_change(app: App, action: str, ref: int | None) -> int:
    from bot import texts
    from bot.appeals import staff_power
    from bot.appeals.staff_power import CLI

    async with app.db.unit() as repos:
        now = app.clock.now()
        if action == "unbind":
            answer = await staff_power.unbind(repos, ref or 0, CLI, now)
            if answer is None:
                return fail(texts.INBOX_UNKNOWN.format(ref=ref))
            print(answer)
        else:
            person = await repos.people.get_user(ref or 0)
            if person is None:
                return fail(texts.STAFF_UNKNOWN.format(ref=ref))
            taken = await staff_power.revoke(repos, person.id, CLI, now)
            if not taken:
                return fail(texts.STAFF_REVOKE_NONE.format(id=person.id))
            print(texts.STAFF_REVOKED.format(id=person.id, count=taken, name=(
                person.display_name or person.platform_user_id)))
    return 0


async def ban(settings: Settings, args: argparse.Namespace) -> int:
    return await _ban(settings, args.ref, args.reason, lift=False)


async def unban(settings: Settings, args: argparse.Namespace) -> int:
    return await _ban(settings, args.ref, "", lift=True)


async def _ban(settings: Settings, ref: str, reason: str, *, lift: bool) -> int:
    from bot import texts
    from bot.app import build_app
    from bot.appeals import staff_power
    from bot.appeals.staff_power import CLI

    async with opened(build_app(settings)) as app:
        async with app.db.unit() as repos:
            person = await staff_power.find_person(repos, ref)
            if person is None:
                return fail(texts.BAN_UNKNOWN.format(ref=ref[:30]))
            now = app.clock.now()
            print(await (staff_power.unban(repos, app.appeals, person, CLI, now) if lift
                         else staff_power.ban(repos, app.appeals, person, reason, CLI, now)))
        app.courier.wake()
    return 0


async def forget(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import build_app
    from bot.appeals.forgetting import forget

    platform: str = args.platform
    user_id: str = args.user
    async with opened(build_app(settings)) as app:
        async with app.db.unit() as repos:
            person = await repos.people.find_user(platform, user_id)
            if person is None:
                return fail(f"Пользователь {platform}:{user_id} не найден: данных о нём нет.")
            if await repos.people.roles(person.id):
                return fail("Это сотрудник: сначала отзовите его права "
                            "(python -m bot staff revoke ID).")
            done = await forget(repos, app.appeals, person, app.clock.now())
        app.courier.wake()
    print(f"Данные {platform}:{user_id} удалены: обезличено обращений {done.appeals}, "
          f"отозвано открытых {done.withdrawn}. Уведомления учреждениям уйдут с запущенным ботом.")
    return 0
