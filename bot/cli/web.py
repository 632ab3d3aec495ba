"""`web` (the web console alone, no messenger needed) and `web-link` (a one-time sign-in
URL on stdout: how the first operator signs in before any chat is connected)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from bot.cli.common import Subparsers, fail, opened
from bot.config import Settings

# Where the console listens when WEB_PORT is not set: `web`, and the console run of `run`.
DEFAULT_WEB_PORT = 8090
# Whom `web-link` signs in: a person of the web console only ("web:operator",
# "web:admin:<id>"), with the role but no chat of their own. No private chat: never a
# recipient of escalations or digests (a chat nobody reads would swallow them and hide
# that no operator is configured); no inbox: an institution's cards keep going to its
# real inbox or, with none, to the operators.
WEB_PERSON_PLATFORM = "console"
WEB_PERSON_PREFIX = "web:"


def add_parsers(sub: Subparsers) -> None:
    sub.add_parser("web", help="serve the staff web console alone on WEB_HOST:WEB_PORT"
                   ).set_defaults(func=web)
    p = sub.add_parser("web-link", help="print a one-time sign-in URL of the web console")
    p.add_argument("--role", required=True, choices=("operator", "admin"))
    p.add_argument("--institution", help="the institution of an admin")
    p.set_defaults(func=web_link)


def base_url(settings: Settings) -> str:
    from bot.web.app import local_url

    port = settings.web_port if settings.web_port is not None else DEFAULT_WEB_PORT
    return settings.web_base_url or local_url(settings.web_host, port)


async def web(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import build_app, web_console

    port = settings.web_port if settings.web_port is not None else DEFAULT_WEB_PORT
    async with opened(build_app(settings)) as app:
        server = web_console(app, port=port)
        try:
            await server.start()
        except OSError as exc:
            return fail(f"Веб-консоль не запустить на {settings.web_host}:{port}: "
                        f"{exc.strerror or exc}")
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        print(f"Веб-консоль: {server.context.base_url if server.context else ''}", flush=True)
        try:
            await stop.wait()
        finally:
            await server.close()
    return 0


async def web_link(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import build_app
    from bot.web import links
    from storage.records import Role
    from storage.web_repo import WebGrant

    role: str = args.role
    institution: str | None = args.institution
    if role == "admin" and not institution:
        return fail("Укажите учреждение администратора: --institution ID")
    if role == "operator" and institution:
        return fail("--institution — только для --role admin: оператор видит все учреждения")
    async with opened(build_app(settings)) as app:
        async with app.db.unit() as repos:
            if institution is not None and await repos.institutions.get(institution) is None:
                return fail(f"Учреждение {institution!r} не найдено в справочнике.")
            persona = "operator" if institution is None else f"admin:{institution}"
            now = app.clock.now()
            user = await repos.people.ensure_user(WEB_PERSON_PLATFORM,
                                                  WEB_PERSON_PREFIX + persona, "", "", now)
            await repos.people.add_role(user.id, Role(role), institution, now)
            token = await links.issue_link(repos, WebGrant(user.id, role, institution), now)
            # the settings' address; with none (or WEB_PORT=0), where the console was served
            configured = settings.web_base_url is not None or bool(settings.web_port)
            served = None if configured else await links.served_at(repos)
    print(links.sign_in_url(served or base_url(settings), token))
    return 0
