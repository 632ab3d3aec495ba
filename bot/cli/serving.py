"""`run` (the bot; the console chat when no token is set, with the web console beside it on
WEB_PORT, 8090 when unset) and `console`."""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.cli.common import Subparsers, fail, opened
from bot.config import Settings
from storage.records import Role

if TYPE_CHECKING:
    from bot.app import App
    from bot.web.app import WebServer

log = logging.getLogger("bot")


def add_parsers(sub: Subparsers) -> None:
    sub.add_parser("run", help="start the bot (the console chat when no token is set)"
                   ).set_defaults(func=run)
    sub.add_parser("console", help="chat with the bot in the terminal (stdin may be piped)"
                   ).set_defaults(func=console)


async def console(settings: Settings, args: argparse.Namespace | None = None, *,
                  with_web: bool = False) -> int:
    from bot.app import build_app, console_chat

    async with opened(build_app(settings)) as app:
        chat = console_chat(app)
        server = await _console_web(app) if with_web else None
        try:
            await chat.run()
        finally:
            if server is not None:
                await server.close()
    return 0


def _deliver_now(app: App) -> Callable[[], None]:
    """The console chat delivers after each line it reads; what the web console commits
    between lines is delivered at once (the citizen's answer shows in the terminal)."""
    tasks: set[asyncio.Task[None]] = set()

    def notify() -> None:
        task = asyncio.create_task(app.courier.flush(), name="web-delivery")
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    return notify


async def _console_web(app: App) -> WebServer | None:
    """The web console beside the console chat (`make run`): on WEB_PORT, or 8090 when it
    is not set; that default port being taken only costs the web console (a warning)."""
    from bot.app import web_console
    from bot.cli.web import DEFAULT_WEB_PORT

    port = app.settings.web_port if app.settings.web_port is not None else DEFAULT_WEB_PORT
    server = web_console(app, port=port, notify=_deliver_now(app))
    try:
        await server.start()
    except OSError as exc:
        if app.settings.web_port is not None:
            raise
        log.warning("web console not started: port %s is taken (%s); set WEB_PORT",
                    port, exc.strerror or exc)
        return None
    if server.context is not None:
        print(f"Веб-консоль: {server.context.base_url} (вход: /web от имени сотрудника)",
              flush=True)
    return server


async def run(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.has_transports:
        log.info("no TELEGRAM_BOT_TOKEN or VK_GROUP_TOKEN: opening the console chat")
        return await console(settings, with_web=True)
    from bot.app import build_app
    from bot.runner import run_bot, transports_for

    async with opened(build_app(settings)) as app:
        problem = await operators_problem(app)
        if problem:
            return fail(problem)
        await run_bot(app, transports_for(app))
    return 0


async def operators_problem(app: App) -> str | None:
    """Appeals of an institution without an inbox go to the operators: with none configured
    they would reach no one. One line naming the settings, unless explicitly allowed."""
    if app.settings.allow_no_operators:
        return None
    async with app.db.unit() as repos:
        operators = await repos.people.staff_chats(Role.OPERATOR)
        orphans = await repos.people.institutions_without_inbox()
    if operators or not orphans:
        return None
    return (f"Не задан ни один оператор министерства (OPERATORS_TELEGRAM / OPERATORS_VK), а у "
            f"{orphans} учреждений нет чата для обращений: их обращения никто бы не увидел. "
            "Укажите id операторов или ALLOW_NO_OPERATORS=true.")
