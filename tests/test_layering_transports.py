"""Transports translate, the core decides, storage stores: only the composition root
(bot/app.py, bot/runner.py, bot/__main__.py) imports handlers/, and a transport reaches
nothing of the bot but the core's values and the ports it is given (never the App, the
settings or the database)."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.scheduler import DIRECTORY_EVERY, build_scheduler, directory_job
from tests.paths import ROOT

COMPOSITION_ROOT = {"bot/app.py", "bot/runner.py", "bot/__main__.py"}
NOT_FOR_TRANSPORTS = {"bot.app", "bot.config", "bot.runner", "storage"}


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_only_the_composition_root_imports_the_transports() -> None:
    importing = {str(p.relative_to(ROOT)) for p in sorted((ROOT / "bot").rglob("*.py"))
                 if any(m.split(".")[0] == "handlers" for m in imported_modules(p))}
    assert importing <= COMPOSITION_ROOT, importing - COMPOSITION_ROOT


def test_transports_get_ports_not_the_app() -> None:
    bad = {str(p.relative_to(ROOT)): sorted(m for m in imported_modules(p)
                                            if any(m == f or m.startswith(f + ".")
                                                   for f in NOT_FOR_TRANSPORTS))
           for p in sorted((ROOT / "handlers").glob("*.py"))}
    assert {p: names for p, names in bad.items() if names} == {}


def test_transport_modules_stay_small() -> None:
    sizes = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
             for p in [*sorted((ROOT / "handlers").glob("*.py")), ROOT / "bot" / "runner.py"]}
    assert {p: n for p, n in sizes.items() if n > 400} == {}


async def test_directory_imports_are_picked_up_by_a_scheduler_job(app, caplog) -> None:
    job = build_scheduler(app).get_job("directory")
    assert job is not None and job.trigger.interval == DIRECTORY_EVERY

    async def failing(db: object) -> bool:
        raise OSError("disk")

    app.directory.refresh = failing
    await directory_job(app)  # a failure is logged, the next run tries again
    assert "directory refresh failed" in caplog.text
