"""Files the bot made reach MAX as uploads: POST /uploads?type=image for the picture, ?type=file
for the workbook, the bytes to the upload url, the tokens attached after the text; an upload
failure is tried again without uploading twice; a file MAX refuses is named under the text."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot import texts
from bot.app import App
from bot.appeals.outbox import outbox_row
from bot.message import FileKind, Message, OutFile
from handlers.max import MaxTransport
from storage.records import OutboxKind
from tests.delivery_helpers import on_virtual_time
from tests.fake_max import FakeMax
from tests.fake_max.uploads import UPLOAD_METHOD
from tests.max_helpers import max_transport

USER = 1001
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
XLSX = b"PK\x03\x04" + bytes(reversed(range(256))) * 30
FILES = (OutFile(FileKind.PHOTO, "week.png", PNG, "image/png"),
         OutFile(FileKind.DOCUMENT, "week.xlsx", XLSX, "application/vnd.ms-excel"))


@pytest.fixture
async def fake_max() -> AsyncIterator[FakeMax]:
    async with FakeMax() as fake:
        yield fake


@pytest.fixture
async def mx(app: App, fake_max: FakeMax) -> AsyncIterator[MaxTransport]:
    transport = await max_transport(app, fake_max)
    yield transport
    await transport.close()


async def queue(app: App, text: str = "Отчёт за неделю") -> None:
    async with app.db.unit() as repos:
        await repos.outbox.add_many([outbox_row("max", str(USER), Message(text, files=FILES),
                                                OutboxKind.DIGEST)], app.clock.now())


def uploads_named(fake_max: FakeMax) -> list[tuple[str, str, bytes]]:
    """(kind, file name, bytes) of the uploads the bot's messages to USER attach, in order."""
    return [(u.kind, u.filename, u.data) for m in fake_max.to(fake_max.dialog(USER))
            for a in m.attachments
            if (u := fake_max.uploaded.get((a.get("payload") or {}).get("token", "")))]


async def test_the_picture_and_the_workbook_follow_the_text(app: App, mx: MaxTransport,
                                                            fake_max: FakeMax) -> None:
    await queue(app)
    await app.courier.flush()
    text, files = fake_max.to(fake_max.dialog(USER))
    assert text.text == "Отчёт за неделю"
    assert [a["type"] for a in files.attachments] == ["image", "file"]
    assert uploads_named(fake_max) == [("image", "week.png", PNG), ("file", "week.xlsx", XLSX)]


async def test_a_failed_upload_is_tried_again(app: App, mx: MaxTransport,
                                             fake_max: FakeMax) -> None:
    on_virtual_time(app, mx.sender, paced=False)
    fake_max.fail_window(1, 503, methods=[UPLOAD_METHOD])  # the picture's upload, once
    await queue(app)
    await app.courier.flush()
    assert uploads_named(fake_max) == [("image", "week.png", PNG), ("file", "week.xlsx", XLSX)]
    assert len(fake_max.to(fake_max.dialog(USER))) == 2  # the text once, the files once


async def test_files_not_ready_yet_are_sent_again_without_uploading_twice(
        app: App, mx: MaxTransport, fake_max: FakeMax) -> None:
    on_virtual_time(app, mx.sender, paced=False)
    fake_max.attachment_not_ready(1)  # MAX is still processing the files just uploaded
    await queue(app)
    await app.courier.flush()
    assert uploads_named(fake_max) == [("image", "week.png", PNG), ("file", "week.xlsx", XLSX)]
    assert len(fake_max.uploaded) == 2  # the try again named the same uploads
    assert len(fake_max.to(fake_max.dialog(USER))) == 2  # and did not repeat the text


async def test_a_file_max_refuses_is_named_under_the_text(app: App, mx: MaxTransport,
                                                          fake_max: FakeMax) -> None:
    fake_max.fail_window(1, 400, code="proto.payload", methods=["POST /uploads"])
    await queue(app)
    await app.courier.flush()
    text, files = fake_max.to(fake_max.dialog(USER))
    assert text.text == "Отчёт за неделю\n\n" + texts.FILES_NOT_ATTACHED.format(
        platform="MAX", names="«week.png»")
    assert uploads_named(fake_max) == [("file", "week.xlsx", XLSX)]
