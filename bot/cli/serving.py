"""`run` (the bot; the console chat when no token is set) and `console`."""

from __future__ import annotations

import argparse
import logging
from typing import TYPE_CHECKING

from bot.cli.common import Subparsers, fail, opened
from bot.config import Settings
from storage.records import Role

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger("bot")


def add_parsers(sub: Subparsers) -> None:
    sub.add_parser("run", help="start the bot (the console chat when no token is set)"
                   ).set_defaults(func=run)
    sub.add_parser("console", help="chat with the bot in the terminal (stdin may be piped)"
                   ).set_defaults(func=console)


async def console(settings: Settings, args: argparse.Namespace | None = None) -> int:
    from bot.app import build_app, console_chat

    async with opened(build_app(settings)) as app:
        await console_chat(app).run()
    return 0


async def run(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.has_transports:
        log.info("no TELEGRAM_BOT_TOKEN or VK_GROUP_TOKEN: opening the console chat")
        return await console(settings)
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
