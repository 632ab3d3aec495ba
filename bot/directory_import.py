"""Importing a directory CSV into the database, only when that is safe.

The rules are directory/import_policy.py's: a file with any error changes nothing
(unless `partial`, and never for a file error), and a re-import that would hide more than
DIRECTORY_MASS_DEACTIVATE_SHARE of the active institutions needs
`allow_mass_deactivation`. Parsing a big file runs in a worker thread.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from bot.clock import Clock
from bot.config import Settings
from bot.texts import imports as texts
from directory import (
    DEFAULT_MAX_ROWS,
    FileProblem,
    ImportOptions,
    ImportPlan,
    Institution,
    Refusal,
    parse_csv,
    plan_import,
)
from storage.institutions_repo import ImportCounts
from storage.store import Store

EXAMPLES = 5  # institutions named in a refused mass deactivation


@dataclass(frozen=True, slots=True)
class DirectoryImport:
    plan: ImportPlan
    counts: ImportCounts | None  # None: refused, the database is unchanged

    @property
    def imported(self) -> bool:
        return self.counts is not None


def import_options(settings: Settings, *, partial: bool = False,
                   allow_mass_deactivation: bool = False) -> ImportOptions:
    return ImportOptions(partial=partial, allow_mass_deactivation=allow_mass_deactivation,
                         mass_deactivate_share=settings.directory_mass_deactivate_share)


async def import_directory(db: Store, csv_path: Path, clock: Clock,
                           options: ImportOptions | None = None, *,
                           max_rows: int = DEFAULT_MAX_ROWS) -> DirectoryImport:
    """Validate a CSV and, when the policy allows, make the institutions table match it
    in one transaction."""
    report = await asyncio.to_thread(parse_csv, csv_path, max_rows=max_rows)
    async with db.unit() as repos:
        stored = await repos.institutions.list(active_only=False)
        plan = await asyncio.to_thread(plan_import, report, stored, options)
        if not plan.allowed:
            return DirectoryImport(plan, None)
        counts = await repos.institutions.replace_all(plan.institutions, clock.now())
    return DirectoryImport(plan, counts)


async def bootstrap_directory(db: Store, settings: Settings,
                              clock: Clock) -> DirectoryImport | None:
    """A fresh database gets DIRECTORY_CSV (its good rows: there is nothing to hide yet)."""
    async with db.unit() as repos:
        if await repos.institutions.count():
            return None
    return await import_directory(db, settings.directory_csv, clock,
                                  import_options(settings, partial=True),
                                  max_rows=settings.directory_max_rows)


def result_lines(result: DirectoryImport, settings: Settings) -> list[str]:
    """What `import-directory` prints: the errors, the encoding, what changed or why not."""
    plan, report = result.plan, result.plan.report
    lines = [str(error) for error in report.errors]
    lines.extend(f"внимание: {warning}" for warning in report.warnings)
    if any(e.problem is FileProblem.TOO_MANY_ROWS for e in report.errors):
        lines.append(texts.DIRECTORY_ROWS_LIMIT.format(limit=settings.directory_max_rows))
    if report.encoding is not None:
        lines.append(texts.DIRECTORY_ENCODING.format(encoding=report.encoding.label))
    if result.counts is not None:
        counts = result.counts
        lines.append(texts.DIRECTORY_IMPORTED.format(
            added=counts.added, updated=counts.updated, unchanged=counts.unchanged,
            deactivated=counts.deactivated, bad=len(report.bad_rows)))
        if plan.kept:
            lines.append(texts.DIRECTORY_KEPT.format(count=len(plan.kept)))
        return lines
    lines.append(_refusal_line(plan, settings))
    return lines


def _refusal_line(plan: ImportPlan, settings: Settings) -> str:
    if plan.refusal is Refusal.FILE_ERROR:
        still = texts.DIRECTORY_STILL_ACTIVE.format(active=plan.active_before)
        return texts.DIRECTORY_REFUSED_FILE.format(still=still if plan.active_before else "")
    if plan.refusal is Refusal.ROW_ERRORS:
        return texts.DIRECTORY_REFUSED_ROWS.format(bad=len(plan.report.bad_rows))
    return texts.DIRECTORY_REFUSED_MASS.format(
        deactivated=len(plan.diff.deactivated), active=plan.active_before,
        share=plan.deactivated_share, limit=settings.directory_mass_deactivate_share,
        examples=_examples(plan.diff.deactivated))


def _examples(institutions: list[Institution]) -> str:
    named = ", ".join(f"{i.short_name or i.name} ({i.id})" for i in institutions[:EXAMPLES])
    rest = len(institutions) - EXAMPLES
    return named + (texts.DIRECTORY_MORE.format(count=rest) if rest > 0 else "")
