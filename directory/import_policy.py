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

`ImportPlan.diff` tells the storage what to add, update and deactivate: institutions
are matched by id, and those missing from the file are deactivated, never deleted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from directory.importer import ImportReport
from directory.model import Institution

DEFAULT_MASS_DEACTIVATE_SHARE = 0.2


class Refusal(StrEnum):
    """Why an import changed nothing."""

    FILE_ERROR = "file_error"
    ROW_ERRORS = "row_errors"
    MASS_DEACTIVATION = "mass_deactivation"


@dataclass(slots=True)
class ImportDiff:
    added: list[Institution] = field(default_factory=list)
    updated: list[Institution] = field(default_factory=list)  # includes reactivated ones
    unchanged: list[Institution] = field(default_factory=list)
    deactivated: list[Institution] = field(default_factory=list)  # hidden, never deleted


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
    diff = _diff(stored, institutions)
    active_before = sum(1 for i in stored if i.active)
    plan = ImportPlan(report, institutions, kept, diff, active_before, None)
    return replace(plan, refusal=_refusal(plan, options))


def _diff(old: Iterable[Institution], new: Iterable[Institution]) -> ImportDiff:
    """What a re-import changes: updates by id, deactivates ids missing from `new`."""
    before = {i.id: i for i in old}
    after = {i.id: replace(i, active=True) for i in new}
    diff = ImportDiff()
    for iid, inst in after.items():
        if iid not in before:
            diff.added.append(inst)
        elif before[iid] != inst:
            diff.updated.append(inst)
        else:
            diff.unchanged.append(inst)
    for iid, inst in before.items():
        if iid not in after and inst.active:
            diff.deactivated.append(replace(inst, active=False))
    return diff


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
