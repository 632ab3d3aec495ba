"""The delivery's lanes: a hung or flooded chat never delays another; keys survive a backup
restore (VK would otherwise drop a new card as a duplicate of an old one); the codec
reads payloads written before it."""

from __future__ import annotations

import asyncio
import time

from bot.app import build_app
from bot.appeals.outbox import outbox_row
from bot.message import Attachment, Button, Message, decode, encode
from handlers.telegram_sender import LIMITS
from storage.records import OutboxKind
from tests.chat import RecordingSender
from tests.conftest import KOTELNICH
from tests.fake_vk import FakeVk
from tests.vk_helpers import VkPerson, vk_transport


class HangingSender:
    """Telegram's pace; sends to `hung` never return (until released)."""

    def __init__(self, recorder: RecordingSender, hung: str) -> None:
        from bot.delivery.pacing import RateLimiter

        self.inner = recorder.for_platform("telegram")
        self.platform = "telegram"
        self.limits = LIMITS
        self.limiter = RateLimiter(LIMITS.overall_per_s)
        self.hung = hung
        self.release = asyncio.Event()
        self.arrived: dict[str, float] = {}

    def is_group(self, chat_id: str) -> bool:
        return chat_id.startswith("-")

    async def send(self, chat_id: str, message: Message, key: str) -> str:
        if chat_id == self.hung:
            await self.release.wait()
        self.arrived.setdefault(message.text, time.monotonic())
        return await self.inner.send(chat_id, message, key)

    async def edit(self, chat_id: str, message_id: str, message: Message) -> None:
        await self.inner.edit(chat_id, message_id, message)


async def _running(app) -> tuple[asyncio.Event, asyncio.Task[None]]:  # type: ignore[no-untyped-def]
    stop = asyncio.Event()
    return stop, asyncio.create_task(app.courier.run(stop))


async def _wait(predicate, within: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + within
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_a_hung_chat_does_not_delay_another_users_help(app, sender: RecordingSender,
                                                             citizen) -> None:
    hanging = HangingSender(sender, hung="666")
    app.senders["telegram"] = hanging
    stop, task = await _running(app)
    try:
        async with app.db.unit() as repos:
            await repos.outbox.add(outbox_row("telegram", "666", Message("в пустоту"),
                                              OutboxKind.MESSAGE), app.clock.now())
        app.courier.wake()
        await asyncio.sleep(0.1)  # its send is hanging now
        asked = time.monotonic()
        await app.dialog.handle(citizen_incoming(citizen, "/help"))
        await _wait(lambda: sender.to(citizen.chat_id))
        assert time.monotonic() - asked < 1.0
        assert "в пустоту" not in hanging.arrived
        hanging.release.set()
        await _wait(lambda: "в пустоту" in hanging.arrived)
    finally:
        stop.set()
        await task


async def test_a_flood_from_one_user_does_not_delay_another(app, sender: RecordingSender) -> None:
    from bot.dialog.types import Incoming

    hanging = HangingSender(sender, hung="")
    app.senders["telegram"] = hanging
    stop, task = await _running(app)
    try:
        flood = [Incoming("telegram", "7001", "7001", text=f"вопрос {i}", update_id=f"f{i}")
                 for i in range(1000)]
        flooding = asyncio.gather(*(app.dialog.handle(inc) for inc in flood))
        await asyncio.sleep(0.2)  # the flood is being handled and its replies queued
        asked = time.monotonic()
        await app.dialog.handle(Incoming("telegram", "7002", "7002", text="/help"))
        await _wait(lambda: sender.to("7002"), within=5)
        assert time.monotonic() - asked < 1.0
        # the flooded chat goes at its own pace (1 a second), in order
        flooded = [m.text for m in sender.to("7001")]
        assert len(flooded) < 10
        await flooding
    finally:
        stop.set()
        await task


def citizen_incoming(citizen, text: str):  # type: ignore[no-untyped-def]
    from bot.dialog.types import Incoming

    return Incoming("telegram", citizen.chat_id, citizen.user_id, text=text)


async def test_after_a_backup_restore_a_new_card_arrives_and_its_reply_reaches_its_citizen(
        settings, clock, fake_vk: FakeVk, tmp_path) -> None:
    app = await build_app(settings, clock)
    transport = await vk_transport(app, fake_vk)
    admin = VkPerson(app, transport, fake_vk, 601)
    await admin.accept_invite("admin", KOTELNICH)
    first = VkPerson(app, transport, fake_vk, 501, name=("Анна", "Первая"))
    await app.db.backup(tmp_path / "backup.sqlite3")  # the backup knows no appeal yet
    await first.file_appeal(text="Первое обращение: не берут трубку")
    await transport.close()
    await app.close()

    # the database is restored from the backup; the bot starts again on the same token
    (tmp_path / "backup.sqlite3").replace(settings.database_path)
    app = await build_app(settings, clock)
    transport = await vk_transport(app, fake_vk)
    try:
        second = VkPerson(app, transport, fake_vk, 502, name=("Борис", "Второй"))
        await second.file_appeal(text="Второе обращение: нет талонов к окулисту")
        cards = [m for m in fake_vk.to(601) if m.text.startswith("Обращение №")]
        assert len(cards) == 2 and "окулисту" in cards[-1].text  # not dropped as a duplicate
        assert fake_vk.dedupe_hits == 0
        admin = VkPerson(app, transport, fake_vk, 601)
        await admin.say("Талоны будут в понедельник.", reply_to=cards[-1])
        assert any("Талоны будут" in m.text for m in fake_vk.to(502))
        assert not any("Талоны будут" in m.text for m in fake_vk.to(501))
    finally:
        await transport.close()
        await app.close()


def test_the_codec_round_trips_and_reads_old_payloads() -> None:
    message = Message("Текст", [[Button("Да", "fb:y:1"), Button("Нет", "fb:n:1")]],
                      (Attachment("photo", "AgAD", "1001", "7", "telegram"),), card_of=12)
    assert decode(encode(message)) == message
    old = ('{"text": "Карточка", "buttons": [[{"text": "Взять", "payload": "st:take:3"}]], '
           '"record_as": "card", "attachments": [{"kind": "photo", "ref": "p1", '
           '"source_chat_id": "5", "source_message_id": "6", "platform": "vk"}], '
           '"institution_id": "x", "edit_card_of": 3}')
    legacy = decode(old)
    assert legacy.text == "Карточка" and legacy.buttons == [[Button("Взять", "st:take:3")]]
    assert legacy.attachments[0].platform == "vk" and legacy.card_of == 3
