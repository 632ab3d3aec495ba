"""The libraries below the bot: textnorm, faq and directory import nothing from above them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.paths import ROOT

ABOVE = {"bot", "handlers", "storage"}
FORBIDDEN = {"textnorm": ABOVE | {"faq", "directory"}, "faq": ABOVE | {"directory"},
             "directory": ABOVE | {"faq"}}


def imported_packages(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_library_imports_nothing_from_above(package: str) -> None:
    bad = {str(p.relative_to(ROOT)): sorted(imported_packages(p) & FORBIDDEN[package])
           for p in sorted((ROOT / package).rglob("*.py"))}
    assert {p: names for p, names in bad.items() if names} == {}
