"""The `former_names` column of a directory file: the names an institution had before it was
renamed or merged into another ("Оричевская ЦРБ" in the row of the hospital that took it
over). The search finds the institution by them; the bot's card shows them ("Ранее: ...").

A value holds names separated by ";". A name is tidied (spaces; a leading "ранее:" or
"бывш." that the person filling the sheet typed is dropped); a name that cannot be one is
left out with a warning, and the row is imported all the same: an institution is never
lost over its history.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from directory.model import Institution
from textnorm import fold

_MARKER = re.compile(r"^\s*(?:ранее|прежнее\s+название|бывш(?:ая|ий|ее)?\.?)\s*[:\-—–]?\s*",
                     re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class FormerNameProblem:
    """A former name left out, or worth a look; `reason` is for the administrator."""

    column: str
    reason: str


def parse_former_names(value: str, current: Iterable[str]
                       ) -> tuple[tuple[str, ...], list[FormerNameProblem]]:
    """The former names of a cell, and the problems of the ones left out.

    `current` are the institution's names now (name, short name, aliases): a former name
    equal to one of them is no former name.
    """
    now = {fold(n) for n in current if n}
    names: dict[str, str] = {}
    problems: list[FormerNameProblem] = []
    for raw in value.split(";"):
        name = " ".join(_MARKER.sub("", " ".join(raw.split()), count=1).split())
        if not name:
            continue
        if not any(ch.isalpha() for ch in name):
            problems.append(FormerNameProblem(
                "former_names", f"в прежнем названии «{name}» нет ни одной буквы — оно пропущено"))
            continue
        key = fold(name)
        if key in now:
            problems.append(FormerNameProblem(
                "former_names", f"прежнее название «{name}» совпадает с нынешним — оно пропущено"))
            continue
        names.setdefault(key, name)
    return tuple(names.values()), problems


def taken_former_names(institutions: list[Institution]) -> list[tuple[Institution, str, str]]:
    """(institution, its former name, the id of another institution called that now):
    the file may still hold the row of a hospital that was merged away. Both stay
    searchable; the one that has the name now comes first."""
    owner: dict[str, str] = {}
    for inst in institutions:
        for name in (inst.name, inst.short_name):
            if name:
                owner.setdefault(fold(name), inst.id)
    out = []
    for inst in institutions:
        for former in inst.former_names:
            other = owner.get(fold(former))
            if other is not None and other != inst.id:
                out.append((inst, former, other))
    return out
