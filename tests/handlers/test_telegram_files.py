"""Files the bot made reach Telegram as uploads: sendPhoto (the text as its caption when it
fits) and sendDocument with the very bytes, through the outbox and its retries; over HTTP
too (aiogram's multipart against the fake Bot API server)."""

from __future__ import annotations

from collections import Counter

from bot.app import App
from bot.appeals.outbox import outbox_row
from bot.message import FileKind, Message, OutFile
from handlers.telegram import make_bot
from handlers.telegram_sender import TelegramSender
from storage.records import OutboxKind
from tests.delivery_helpers import on_virtual_time
from tests.fake_telegram import ApiError, FakeBotApiServer, FakeTelegram
from tests.tg_helpers import CITIZEN

CHAT = CITIZEN
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
XLSX = b"PK\x03\x04" + bytes(reversed(range(256))) * 30
FILES = (OutFile(FileKind.PHOTO, "week.png", PNG, "image/png"),
         OutFile(FileKind.DOCUMENT, "week.xlsx", XLSX, "application/vnd.ms-excel"))


async def queue(app: App, text: str, files: tuple[OutFile, ...] = FILES) -> None:
    async with app.db.unit() as repos:
        await repos.outbox.add_many([outbox_row("telegram", str(CHAT), Message(text, files=files),
                                                OutboxKind.DIGEST)], app.clock.now())


async def statuses(app: App) -> Counter[str]:
    async with app.db.unit() as repos:
        return Counter(await repos.outbox.count_by_status())


async def test_a_photo_with_the_text_as_caption_then_the_document(app: App, tg,
                                                                  fake: FakeTelegram) -> None:
    await queue(app, "Отчёт за неделю: 5 < 7")
    await app.courier.flush()
    photo, document = fake.to(CHAT)
    assert photo.method == "sendPhoto" and photo.text == "Отчёт за неделю: 5 < 7"
    assert photo.html == "Отчёт за неделю: 5 &lt; 7"  # escaped like every core text
    assert photo.uploaded().data == PNG and photo.uploaded().filename == "week.png"
    assert document.method == "sendDocument" and document.text == ""
    assert document.uploaded().data == XLSX
    assert document.uploaded().filename == "week.xlsx"
    assert (await statuses(app)) == {"sent": 1}


async def test_a_text_over_the_caption_limit_goes_first_as_a_message(app: App, tg,
                                                                     fake: FakeTelegram) -> None:
    text = "Поступило обращений: 12. " * 50  # 1250 characters: over 1024
    await queue(app, text)
    await app.courier.flush()
    message, photo, document = fake.to(CHAT)
    assert message.method == "sendMessage" and message.text == text
    assert photo.method == "sendPhoto" and photo.text == "" and photo.uploaded().data == PNG
    assert document.method == "sendDocument" and document.uploaded().data == XLSX


async def test_a_429_between_the_photo_and_the_document_sends_only_the_rest(
        app: App, tg, fake: FakeTelegram) -> None:
    timer = on_virtual_time(app, tg.sender, fake)
    fake.fail["sendDocument"] = [ApiError(429, "Too Many Requests: retry after 30",
                                          {"retry_after": 30})]
    await queue(app, "Отчёт")
    await app.courier.flush()
    assert [m.method for m in fake.to(CHAT)] == ["sendPhoto", "sendDocument"]  # no photo twice
    assert fake.to(CHAT)[1].uploaded().data == XLSX
    assert timer.now >= 30 and (await statuses(app)) == {"sent": 1}


async def test_server_errors_on_the_photo_are_retried_until_it_goes(app: App, tg,
                                                                    fake: FakeTelegram) -> None:
    on_virtual_time(app, tg.sender, fake)
    fake.fail["sendPhoto"] = [ApiError(502, "Bad Gateway"), ApiError(500, "Internal Server Error")]
    await queue(app, "Отчёт")
    await app.courier.flush()
    assert [(m.method, m.uploaded().data) for m in fake.to(CHAT)] == [("sendPhoto", PNG),
                                                                 ("sendDocument", XLSX)]
    assert len(fake.calls_of("sendPhoto")) == 3


async def test_a_blocked_chat_fails_the_files_for_good(app: App, tg, fake: FakeTelegram) -> None:
    fake.kick(CHAT)
    await queue(app, "Отчёт")
    await app.courier.flush()
    assert fake.to(CHAT) == [] and (await statuses(app)) == {"failed": 1}
    async with app.db.unit() as repos:
        (row,) = await repos.outbox.failed()
    assert row.failure == "chat_gone"


async def test_a_picture_refused_as_a_photo_goes_as_a_document(app: App, tg,
                                                               fake: FakeTelegram) -> None:
    fake.fail["sendPhoto"] = [ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")]
    await queue(app, "Отчёт")
    await app.courier.flush()
    assert [(m.method, m.text, m.uploaded().data) for m in fake.to(CHAT)] == [
        ("sendDocument", "Отчёт", PNG), ("sendDocument", "", XLSX)]


async def test_files_over_http_as_aiogram_uploads_them() -> None:
    fake = FakeTelegram()
    server = FakeBotApiServer(fake)
    url = await server.start()
    bot = make_bot("123:TEST", url)
    try:
        sender = TelegramSender(bot)
        carrier = await sender.send(str(CHAT), Message("Отчёт", files=FILES), "k1")
        photo, document = fake.to(CHAT)
        assert carrier == str(photo.message_id)
        assert photo.uploaded().data == PNG and photo.uploaded().filename == "week.png"
        assert document.uploaded().data == XLSX and document.uploaded().filename == "week.xlsx"
    finally:
        await bot.session.close()
        await server.stop()
