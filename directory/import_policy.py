"""Whether a parsed directory file may replace the stored directory, and with what.

A re-import makes the stored directory match the file: institutions missing from it are
deactivated (hidden from search). So a file that is wrong as a whole would hide the
whole directory. The rules:

* a file error (unreadable, undecodable, empty, broken header, unclosed quote, too many
  rows) changes nothing, always;
* a file with bad rows changes nothing unless `partial`: then the good rows are imported
  and an institution whose row was bad keeps its stored record (it is not deactivated);
* deactivating more than `mass_deactivate_share` of the active institutions is refused
  unless `allow_mass_deactivation`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from directory.importer import ImportDiff, ImportReport, diff_import
from directory.model import Institution

DEFAULT_MASS_DEACTIVATE_SHARE = 0.2


class Refusal(StrEnum):
    """Why an import changed nothing."""

    FILE_ERROR = "file_error"
    ROW_ERRORS = "row_errors"
    MASS_DEACTIVATION = "mass_deactivation"


@dataclass(frozen=True, slots=True)
class ImportOptions:
    partial: bool = False  # import the good rows of a file with bad rows
    allow_mass_deactivation: bool = False
    mass_deactivate_share: float = DEFAULT_MASS_DEACTIVATE_SHARE


@dataclass(frozen=True, slots=True)
class ImportPlan:
    report: ImportReport
    institutions: list[Institution]  # what the stored directory becomes (when allowed)
    kept: list[Institution]  # stored institutions whose rows were bad, left as they were
    diff: ImportDiff
    active_before: int
    refusal: Refusal | None

    @property
    def allowed(self) -> bool:
        return self.refusal is None

    @property
    def deactivated_share(self) -> float:
        return len(self.diff.deactivated) / self.active_before if self.active_before else 0.0


def plan_import(report: ImportReport, stored: Iterable[Institution],
                options: ImportOptions | None = None) -> ImportPlan:
    """What importing `report` over the `stored` institutions (active or not) would do."""
    options = options or ImportOptions()
    stored = list(stored)
    kept = _kept(report, stored) if options.partial else []
    institutions = [*report.institutions, *kept]
    diff = diff_import(stored, institutions)
    active_before = sum(1 for i in stored if i.active)
    plan = ImportPlan(report, institutions, kept, diff, active_before, None)
    return replace(plan, refusal=_refusal(plan, options))


def _kept(report: ImportReport, stored: list[Institution]) -> list[Institution]:
    good = {i.id for i in report.institutions}
    return [i for i in stored if i.active and i.id in report.skipped_ids and i.id not in good]


def _refusal(plan: ImportPlan, options: ImportOptions) -> Refusal | None:
    if plan.report.file_errors:
        return Refusal.FILE_ERROR
    if plan.report.errors and not options.partial:
        return Refusal.ROW_ERRORS
    if (not options.allow_mass_deactivation
            and plan.deactivated_share > options.mass_deactivate_share):
        return Refusal.MASS_DEACTIVATION
    return None
