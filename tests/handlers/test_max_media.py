"""Photos sent in Telegram reach a MAX inbox as images uploaded to MAX (MAX takes no links to
Telegram's files): fetched through the Telegram transport's Bot (getFile, the download),
uploaded (POST /uploads, the upload url), attached by token under the card. A photo Telegram no
longer has is named in the note as before; a failed upload or MAX's attachment.not.ready is
tried again by the outbox, and the card still arrives exactly once."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot import texts
from bot.app import App
from bot.message import Attachment
from handlers.common import foreign_attachments_note
from handlers.max import MaxTransport
from handlers.max_media import MEDIA_TRIES
from handlers.telegram import TelegramTransport
from handlers.telegram_media import TelegramMedia
from tests.conftest import KOTELNICH
from tests.delivery_helpers import on_virtual_time
from tests.fake_max import FakeMax, SentMessage
from tests.fake_max.uploads import UPLOAD_METHOD
from tests.fake_telegram import ApiError, FakeTelegram
from tests.max_helpers import MaxPerson, max_transport
from tests.texts_helpers import fields, filled
from tests.tg_helpers import CITIZEN, TgUser, joined

PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 64  # 16 KB of "JPEG"
NOTE = foreign_attachments_note((Attachment("photo", "x"),), "telegram")


@pytest.fixture
async def fake_max() -> AsyncIterator[FakeMax]:
    async with FakeMax() as fake:
        yield fake


@pytest.fixture
async def mx(app: App, tg: TelegramTransport, fake_max: FakeMax) -> AsyncIterator[MaxTransport]:
    """After `tg`: the app's Telegram Bot is the one MAX fetches Telegram's photos through."""
    transport = await max_transport(app, fake_max)
    yield transport
    await transport.close()


@pytest.fixture
async def admin(app: App, mx: MaxTransport, fake_max: FakeMax) -> MaxPerson:
    """Kotelnich CRB's admin, whose private inbox is in MAX."""
    person = MaxPerson(app, mx, fake_max, 2001, name=("Ольга", "Админ"))
    replies = await person.start(f"inv_{await person.invite_token('admin', KOTELNICH)}")
    assert replies[-1].text == texts.INVITE_ACCEPTED_ADMIN.format(
        institution="Котельничская ЦРБ"), [m.text for m in replies]
    return person


async def file_with_photo(tg: TelegramTransport, fake: FakeTelegram,
                          photo: bool | bytes) -> None:
    """A Telegram citizen's appeal to Kotelnich CRB with a photo (its bytes, or True: a file
    Telegram no longer gives)."""
    citizen = TgUser(tg, fake, CITIZEN)
    await citizen.say("/appeal")
    await citizen.say("котельничская црб")
    sent = await citizen.feed(fake.message(
        CITIZEN, CITIZEN, None, photo=photo,
        caption="Вот фото объявления в регистратуре, телефон не отвечает"))
    sent = await citizen.press(sent[-1], "cat:registry")
    sent = await citizen.press(sent[-1], "consent:yes")
    sent = await citizen.press(sent[-1], "confirm:send")
    assert filled(texts.APPEAL_FILED, joined(sent)), joined(sent)


def cards(fake_max: FakeMax, admin: MaxPerson) -> list[SentMessage]:
    return [m for m in fake_max.to(admin.chat) if filled(texts.CARD, m.text or "")]


def image_messages(fake_max: FakeMax, admin: MaxPerson) -> list[SentMessage]:
    return [m for m in fake_max.to(admin.chat)
            if any(a["type"] == "image" for a in m.attachments)]


async def test_a_telegram_photo_reaches_the_max_admin_as_an_uploaded_image(
        tg: TelegramTransport, fake: FakeTelegram, fake_max: FakeMax, admin: MaxPerson) -> None:
    await file_with_photo(tg, fake, PHOTO)
    [card] = cards(fake_max, admin)
    assert fields(texts.CARD, card.text or "")["platform"] == "Telegram"
    assert NOTE not in (card.text or "") and "Ответить" in " ".join(card.labels)
    [images] = image_messages(fake_max, admin)
    assert fake_max.to(admin.chat)[-2:] == [card, images]  # under the card, its own message
    assert images.text is None and images.buttons == []
    [upload] = fake_max.images_to(admin.chat)
    assert (upload.data, upload.kind, upload.content_type) == (PHOTO, "image", "image/jpeg")
    assert len(fake.calls_of("getFile")) == 1 and len(fake.downloads) == 1


async def test_a_photo_telegram_no_longer_has_is_noted_and_the_card_arrives(
        tg: TelegramTransport, fake: FakeTelegram, fake_max: FakeMax, admin: MaxPerson) -> None:
    await file_with_photo(tg, fake, True)  # getFile: "wrong file_id or ... unavailable"
    [card] = cards(fake_max, admin)
    assert card.text is not None and card.text.endswith(NOTE)
    assert "Ответить" in " ".join(card.labels)
    assert image_messages(fake_max, admin) == [] and fake_max.uploaded == {}
    assert fake_max.calls_to("POST", "/uploads") == []


@pytest.mark.parametrize("method", ["POST /uploads", UPLOAD_METHOD])
async def test_a_failed_upload_is_tried_again_and_the_card_arrives_once_with_the_image(
        app: App, tg: TelegramTransport, fake: FakeTelegram, fake_max: FakeMax,
        mx: MaxTransport, admin: MaxPerson, method: str) -> None:
    on_virtual_time(app, mx.sender, paced=False)
    fake_max.fail_window(1, 503, methods=[method])
    await file_with_photo(tg, fake, PHOTO)
    assert fake_max.failed == [(method, 503)]
    assert len(cards(fake_max, admin)) == 1
    [images] = image_messages(fake_max, admin)
    assert [u.data for u in fake_max.images_to(admin.chat)] == [PHOTO]
    assert NOTE not in (cards(fake_max, admin)[0].text or "")


async def test_attachment_not_ready_sends_only_the_image_again_with_the_same_token(
        app: App, tg: TelegramTransport, fake: FakeTelegram, fake_max: FakeMax,
        mx: MaxTransport, admin: MaxPerson) -> None:
    on_virtual_time(app, mx.sender, paced=False)
    fake_max.attachment_not_ready(1)
    await file_with_photo(tg, fake, PHOTO)
    refused = [c.status for c in fake_max.calls_to("POST", "/messages")][-3:]
    assert refused == [200, 400, 200]  # the card, the image not ready, the image again
    assert len(cards(fake_max, admin)) == 1 and len(image_messages(fake_max, admin)) == 1
    assert len(fake_max.uploaded) == 1 and len(fake_max.calls_to("POST", "/uploads")) == 1
    assert len(fake.downloads) == 1  # the photo was not fetched again either


async def test_the_fake_takes_only_tokens_of_real_uploads(fake_max: FakeMax) -> None:
    headers = {"Authorization": fake_max.token}
    fake_max.start(1001)
    async with aiohttp.ClientSession(headers=headers) as session:
        async def send(token: str) -> tuple[int, dict]:
            async with session.post(f"{fake_max.base_url}/messages", params={"user_id": "1001"},
                                    json={"attachments": [{"type": "image",
                                                           "payload": {"token": token}}]}) as r:
                return r.status, await r.json()

        status, refused = await send("image-made-up")
        assert (status, refused["code"]) == (400, "proto.payload")
        async with session.post(f"{fake_max.base_url}/uploads", params={"type": "image"}) as r:
            url = (await r.json())["url"]
        form = aiohttp.FormData()
        form.add_field("data", PHOTO, filename="p.jpg", content_type="image/jpeg")
        async with session.post(url, data=form) as r:
            token = next(iter((await r.json())["photos"].values()))["token"]
        again = aiohttp.FormData()
        again.add_field("data", PHOTO, filename="p.jpg", content_type="image/jpeg")
        async with session.post(url, data=again) as r:
            assert r.status == 404  # one file per upload url
        assert (await send(token))[0] == 200
    assert [u.data for u in fake_max.images_to(fake_max.dialog(1001))] == [PHOTO]


async def test_telegram_down_for_long_the_card_goes_with_the_note_after_a_few_tries(
        app: App, tg: TelegramTransport, fake: FakeTelegram, fake_max: FakeMax,
        mx: MaxTransport, admin: MaxPerson) -> None:
    on_virtual_time(app, mx.sender, paced=False)
    fake.fail["getFile"] = [ApiError(500, "Internal Server Error") for _ in range(MEDIA_TRIES)]
    await file_with_photo(tg, fake, PHOTO)
    [card] = cards(fake_max, admin)
    assert card.text is not None and card.text.endswith(NOTE)  # the text is never held for good
    assert image_messages(fake_max, admin) == [] and fake.fail["getFile"] == []


async def test_telegram_media_fetches_only_photos_within_the_cap(
        tg: TelegramTransport, fake: FakeTelegram) -> None:
    media = TelegramMedia(tg.sender.bot, max_bytes=len(PHOTO) - 1)
    fake.put_file("big", PHOTO)
    fake.put_file("doc", PHOTO)
    assert await media.fetch(Attachment("photo", "big", platform="telegram")) is None
    assert await media.fetch(Attachment("document", "doc", platform="telegram")) is None
    assert await media.fetch(Attachment("photo", "big", platform="vk")) is None
    assert await TelegramMedia(tg.sender.bot).fetch(
        Attachment("photo", "big", platform="telegram")) == PHOTO
