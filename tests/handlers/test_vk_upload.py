"""Files the bot made reach VK as attachments: uploaded to the upload server VK names
(photos.getMessagesUploadServer / docs.getMessagesUploadServer), saved
(photos.saveMessagesPhoto / docs.save), named in messages.send; a passing failure is tried
again without uploading twice; a file VK will not take is left out and named under the
text, which still goes."""

from __future__ import annotations

import logging
from collections import Counter

import pytest

from bot import texts
from bot.app import App
from bot.appeals.outbox import outbox_row
from bot.message import FileKind, Message, OutFile
from handlers.upload_ledger import UPLOAD_TRIES
from handlers.vk import VkTransport
from storage.records import OutboxKind
from tests.delivery_helpers import on_virtual_time
from tests.fake_vk import FakeVk

PEER = 501
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
XLSX = b"PK\x03\x04" + bytes(reversed(range(256))) * 30
PHOTO = OutFile(FileKind.PHOTO, "week.png", PNG, "image/png")
WORKBOOK = OutFile(FileKind.DOCUMENT, "week.xlsx", XLSX, "application/vnd.ms-excel")


async def queue(app: App, text: str = "Отчёт за неделю",
                files: tuple[OutFile, ...] = (PHOTO, WORKBOOK)) -> None:
    async with app.db.unit() as repos:
        await repos.outbox.add_many([outbox_row("vk", str(PEER), Message(text, files=files),
                                                OutboxKind.DIGEST)], app.clock.now())


async def statuses(app: App) -> Counter[str]:
    async with app.db.unit() as repos:
        return Counter(await repos.outbox.count_by_status())


def methods(fake_vk: FakeVk) -> list[str]:
    return [name for name, _ in fake_vk.calls if name != "groups.getById"]


async def test_the_upload_chain_ends_in_one_message_with_both_attachments(
        app: App, vk: VkTransport, fake_vk: FakeVk) -> None:
    await queue(app)
    await app.courier.flush()
    (message,) = fake_vk.to(PEER)
    assert message.text == "Отчёт за неделю"
    photo_ref, doc_ref = message.attachment.split(",")
    assert photo_ref.startswith(f"photo-{fake_vk.group_id}_")
    assert doc_ref.startswith(f"doc-{fake_vk.group_id}_")
    photo, doc = fake_vk.files_of(message)
    assert (photo.kind, photo.filename, photo.data, photo.peer_id) == ("photo", "week.png",
                                                                       PNG, PEER)
    assert (doc.kind, doc.filename, doc.data) == ("doc", "week.xlsx", XLSX)
    assert methods(fake_vk) == ["photos.getMessagesUploadServer", "photos.saveMessagesPhoto",
                                "docs.getMessagesUploadServer", "docs.save", "messages.send"]
    saved = dict(fake_vk.calls)["docs.save"]
    assert saved["title"] == "week.xlsx"
    assert dict(fake_vk.calls)["docs.getMessagesUploadServer"]["type"] == "doc"
    assert (await statuses(app)) == {"sent": 1}


async def test_an_upload_host_error_is_tried_again_without_uploading_twice(
        app: App, vk: VkTransport, fake_vk: FakeVk) -> None:
    on_virtual_time(app, vk.sender, paced=False)
    await queue(app)
    fake_vk.fail_next("docs.getMessagesUploadServer", 10, "Internal server error")
    fake_vk.upload_statuses = [502]  # ... and then the upload host, on the next try
    await app.courier.flush()
    (message,) = fake_vk.to(PEER)
    assert [f.data for f in fake_vk.files_of(message)] == [PNG, XLSX]
    assert methods(fake_vk).count("photos.saveMessagesPhoto") == 1  # the photo went up once
    assert fake_vk.upload_posts == 3  # photo, the failed workbook, the workbook


async def test_a_file_vk_refuses_is_named_under_the_text_which_still_goes(
        app: App, vk: VkTransport, fake_vk: FakeVk, caplog: pytest.LogCaptureFixture) -> None:
    fake_vk.fail_next("docs.getMessagesUploadServer", 100, "One of the parameters specified "
                                                            "was missing or invalid: type")
    await queue(app)
    with caplog.at_level(logging.WARNING):
        await app.courier.flush()
    (message,) = fake_vk.to(PEER)
    assert message.text == "Отчёт за неделю\n\n" + texts.FILES_NOT_ATTACHED.format(
        platform="ВКонтакте", names="«week.xlsx»")
    assert [f.data for f in fake_vk.files_of(message)] == [PNG]  # the photo is there
    assert "week.xlsx" in caplog.text  # and the failure is in the log


async def test_uploads_failing_on_and_on_give_way_to_the_text(app: App, vk: VkTransport,
                                                              fake_vk: FakeVk) -> None:
    on_virtual_time(app, vk.sender, paced=False)
    fake_vk.upload_statuses = [503] * 50
    await queue(app, files=(PHOTO,))
    await app.courier.flush()
    (message,) = fake_vk.to(PEER)
    assert message.attachment == ""
    assert message.text.endswith(texts.FILES_NOT_ATTACHED.format(platform="ВКонтакте",
                                                                 names="«week.png»"))
    assert fake_vk.upload_posts == UPLOAD_TRIES
