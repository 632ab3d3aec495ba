"""Command line: python -m bot run | console | web | web-link | report | import-directory | import-faq |
faq check | import-duty | invite | backup | outbox | dead-letters | storage | staff | ban |
unban | forget | migrate-db."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3

import asyncpg

from bot.cli import admin, imports, migrate, report, serving, upkeep, web
from bot.cli.common import Command, fail
from bot.config import ConfigError, load_settings

log = logging.getLogger("bot")


def parser() -> argparse.ArgumentParser:
    """Every subcommand's parser names its command: set_defaults(func=...)."""
    top = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = top.add_subparsers(dest="command", required=True)
    for commands in (serving, web, report, imports, upkeep, migrate, admin):
        commands.add_parsers(sub)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        return fail(str(exc))
    from bot import texts
    from bot.appeals.calendar import CalendarError
    from bot.appeals.policy import PolicyError
    from bot.logs import configure_logging
    from storage.db_problems import DatabaseProblem

    configure_logging(settings.log_level, settings.log_format)
    command: Command = args.func
    try:
        return asyncio.run(command(settings, args))
    except (PolicyError, CalendarError) as exc:
        return fail(f"Ошибка в файле сроков: {exc}")
    except DatabaseProblem as exc:
        return fail(texts.DB_PROBLEMS[exc.problem].format(path=exc.path, detail=exc.detail))
    except sqlite3.Error as exc:  # anything else SQLite says later: one line, not a traceback
        log.debug("database error", exc_info=True)  # the traceback with LOG_LEVEL=DEBUG
        return fail(texts.DB_ERROR.format(path=settings.database_path,
                                          detail=" ".join(str(exc).split())))
    except asyncpg.PostgresError as exc:  # the same for what PostgreSQL says
        log.debug("database error", exc_info=True)
        return fail(texts.DB_ERROR.format(path=settings.database.shown(),
                                          detail=" ".join(str(exc).split())))
    except KeyboardInterrupt:
        return 130
