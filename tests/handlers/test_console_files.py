"""Files the bot sends to a console chat (the weekly report's chart and workbook) are written
into a folder beside the database, and the console says where."""

from __future__ import annotations

import io

from bot import texts
from bot.app import App, console_chat
from bot.appeals.outbox import outbox_row
from bot.message import FileKind, Message, OutFile
from storage.records import OutboxKind

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
XLSX = b"PK\x03\x04" + b"\x01\x02" * 100


async def test_the_files_are_written_and_their_paths_printed(app: App) -> None:
    out = io.StringIO()
    console = console_chat(app, io.StringIO(), out)
    message = Message("Отчёт за неделю", files=(
        OutFile(FileKind.PHOTO, "week.png", PNG, "image/png"),
        OutFile(FileKind.DOCUMENT, "../../отчёт за неделю.xlsx", XLSX)))
    async with app.db.unit() as repos:
        await repos.outbox.add_many([outbox_row("console", "operator", message,
                                                OutboxKind.DIGEST)], app.clock.now())
    await console.delivery.flush()
    folder = app.settings.database_path.parent / "console-files"
    written = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert sorted(written.values()) == sorted([PNG, XLSX])
    png = next(p for p in folder.iterdir() if p.read_bytes() == PNG)
    xlsx = next(p for p in folder.iterdir() if p.read_bytes() == XLSX)
    assert png.name.endswith("-week.png") and xlsx.name.endswith("-отчёт_за_неделю.xlsx")
    shown = out.getvalue()
    assert "Отчёт за неделю" in shown
    assert texts.CONSOLE_FILE_SAVED.format(name="week.png", path=png) in shown
    assert texts.CONSOLE_FILE_SAVED.format(name="../../отчёт за неделю.xlsx", path=xlsx) in shown


async def test_two_reports_do_not_overwrite_each_other(app: App) -> None:
    console = console_chat(app, io.StringIO(), io.StringIO())
    for content in (PNG, PNG[::-1]):
        await console.sender.send("operator", Message("", files=(
            OutFile(FileKind.PHOTO, "week.png", content),)), key=content.hex()[:16])
    folder = app.settings.database_path.parent / "console-files"
    assert sorted(p.read_bytes() for p in folder.iterdir()) == sorted([PNG, PNG[::-1]])
