"""`python -m bot migrate-db --to postgresql://...`: the SQLite deployment copied into an
empty PostgreSQL database and verified per table (storage/copy_to_pg.py)."""

from __future__ import annotations

import argparse
import sys

from bot import texts
from bot.cli.common import Subparsers, fail, opened
from bot.config import Settings
from storage.dialect import DatabaseUrl, DatabaseUrlError, Dialect


def add_parsers(sub: Subparsers) -> None:
    p = sub.add_parser("migrate-db", help="copy the SQLite database into an empty PostgreSQL one")
    p.add_argument("--to", required=True, metavar="URL", help="postgresql://user@host:5432/db")
    p.set_defaults(func=migrate_db)


async def migrate_db(settings: Settings, args: argparse.Namespace) -> int:
    from storage.copy_to_pg import CopyRefused, copy_sqlite_to_pg
    from storage.db import Database
    from storage.pg import PgDatabase

    try:
        target = DatabaseUrl.parse(args.to)
    except DatabaseUrlError:
        return fail(texts.MIGRATE_NOT_POSTGRESQL)
    if target.dialect is not Dialect.POSTGRESQL:
        return fail(texts.MIGRATE_NOT_POSTGRESQL)
    if settings.database.dialect is not Dialect.SQLITE:
        return fail(texts.MIGRATE_SOURCE_NOT_SQLITE.format(url=settings.database.shown()))
    shown = target.shown()
    # the SQLite file brought to this code's schema first, as `run` would
    async with opened(Database.open(settings.database.target)) as source, \
            opened(PgDatabase.open(target.target)) as pg:
        try:
            copies = await copy_sqlite_to_pg(source, pg)
        except CopyRefused as exc:
            return fail(texts.MIGRATE_REFUSED[exc.problem].format(detail=exc.detail))
    for copy in copies:
        print(texts.MIGRATE_TABLE.format(
            table=copy.table, rows=copy.rows, checksum=copy.checksum[:16],
            verdict=texts.MIGRATE_MATCH if copy.verified else texts.MIGRATE_MISMATCH))
    if bad := [copy.table for copy in copies if not copy.verified]:
        return fail(texts.MIGRATE_FAILED.format(tables=", ".join(bad), url=shown), code=1)
    print(texts.MIGRATE_DONE.format(tables=len(copies), rows=sum(c.rows for c in copies),
                                    url=shown), file=sys.stderr)
    return 0
