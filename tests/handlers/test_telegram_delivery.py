"""The one delivery path against the fake Bot API enforcing Telegram's limits and injecting
faults: outages, 429, a revoked token, a staff group the bot was removed from or that
became a supergroup, a citizen who blocked the bot, a crash duplicate of a card."""

from __future__ import annotations

import asyncio
from collections import Counter

from bot import texts
from bot.app import App
from bot.appeals.outbox import outbox_row
from bot.message import Message
from storage.records import OutboxKind
from tests.chat import Chat, RecordingSender
from tests.conftest import KOTELNICH
from tests.delivery_helpers import on_virtual_time
from tests.fake_telegram import FakeTelegram
from tests.texts_helpers import fields, filled, template_pattern
from tests.tg_helpers import (
    ADMIN,
    CITIZEN,
    GROUP,
    TgUser,
    accept_invite,
    file_appeal,
)

OPERATOR_VK = "9001"


async def vk_operator(app: App, sender: RecordingSender, tg) -> Chat:  # type: ignore[no-untyped-def]
    """A ministry operator on VK (the recording sender plays VK; Telegram is the fake)."""
    app.senders["vk"] = sender.for_platform("vk")
    app.senders["telegram"] = tg.sender
    operator = Chat(app, sender, "vk", user_id=OPERATOR_VK)
    await operator.accept_invite("operator", None)
    return operator


async def queue_texts(app: App, chat_id: str, count: int, kind: OutboxKind = OutboxKind.MESSAGE,
                      prefix: str = "m") -> None:
    async with app.db.unit() as repos:
        await repos.outbox.add_many([
            outbox_row("telegram", chat_id, Message(f"{prefix}{i}"), kind) for i in range(count)],
            app.clock.now())


async def statuses(app: App) -> Counter[str]:
    async with app.db.unit() as repos:
        return Counter(await repos.outbox.count_by_status())


async def test_ten_minutes_of_500s_then_every_card_and_answer_arrives_once(app, tg, fake) -> None:
    timer = on_virtual_time(app, tg.sender, fake)
    admin = TgUser(tg, fake, ADMIN)
    await accept_invite(app, admin)
    citizens = [TgUser(tg, fake, CITIZEN + i) for i in range(3)]
    for citizen in citizens:
        await file_appeal(citizen)
    before = len(fake.sent)
    fake.fail_window(600, 500, "Internal Server Error")
    await queue_texts(app, str(ADMIN), 5, prefix="напоминание ")
    await queue_texts(app, str(CITIZEN), 5, OutboxKind.CITIZEN, prefix="ответ ")
    await app.courier.flush()
    assert timer.now > 600  # it kept trying through the whole outage, never gave up
    delivered = Counter((m.chat_id, m.text) for m in fake.sent[before:])
    assert sorted(text for (_, text) in delivered) == sorted(
        [f"напоминание {i}" for i in range(5)] + [f"ответ {i}" for i in range(5)])
    assert set(delivered.values()) == {1}
    assert [m.text for m in fake.to(ADMIN)[-5:]] == [f"напоминание {i}" for i in range(5)]
    assert (await statuses(app))["failed"] == 0


async def test_300_appeals_into_one_group_all_cards_arrive_under_its_limit(app, tg, fake) -> None:
    from storage.records import ChatRef

    await _group_inbox(app, tg, fake)
    timer = on_virtual_time(app, tg.sender, fake)
    fake.enforce_limits()
    async with app.db.unit() as repos:  # 300 citizens file at once (the form is tested elsewhere)
        inst = await repos.institutions.get(KOTELNICH)
        for n in range(300):
            citizen = await repos.people.ensure_user("telegram", str(10_000 + n),
                                                     str(10_000 + n), "", app.clock.now())
            await app.appeals.file(repos, citizen, ChatRef("telegram", str(10_000 + n)), inst,
                                   "registry", f"Обращение {n}: не берут трубку", [],
                                   app.clock.now())
    await app.courier.flush()
    cards = [m.text for m in fake.to(GROUP) if template_pattern(texts.CARD).match(m.text)]
    assert len(cards) == 300 and all(
        fields(texts.CARD, cards[n])["text"] == f"Обращение {n}: не берут трубку"
        for n in range(300))
    assert len(fake.too_many) <= 1  # none after the first, if even one
    assert timer.now >= 299 * 60 / 20  # at most 20 a minute


async def test_retry_after_is_waited_out(app, tg, fake) -> None:
    from tests.fake_telegram import ApiError

    timer = on_virtual_time(app, tg.sender, fake)
    fake.fail["sendMessage"] = [ApiError(429, "Too Many Requests: retry after 30",
                                         {"retry_after": 30})] * 3
    await queue_texts(app, str(CITIZEN), 1)
    await app.courier.flush()
    assert [m.text for m in fake.to(CITIZEN)] == ["m0"] and timer.now >= 90


async def test_revoked_token_pauses_telegram_and_alerts_operators_elsewhere(
        app, tg, fake, sender: RecordingSender) -> None:
    operator = await vk_operator(app, sender, tg)
    on_virtual_time(app, tg.sender, fake)
    fake.revoke_token()
    await queue_texts(app, str(CITIZEN), 2)
    flushing = asyncio.create_task(app.courier.flush())
    for _ in range(100):
        await asyncio.sleep(0.02)
        if filled(texts.PLATFORM_PAUSED, sender.last_to(operator.chat_id).text):
            break
    alert = sender.last_to(operator.chat_id)
    assert fields(texts.PLATFORM_PAUSED, alert.text)["platform"] == "Telegram"
    assert (await statuses(app))["failed"] == 0  # waiting, not failed
    fake.restore_token()
    await asyncio.wait_for(flushing, 10)
    assert [m.text for m in fake.to(CITIZEN)] == ["m0", "m1"]
    assert len([m for m in sender.to(operator.chat_id)
                if filled(texts.PLATFORM_PAUSED, m.text)]) == 1


async def _group_inbox(app: App, tg, fake: FakeTelegram) -> TgUser:
    group = TgUser(tg, fake, ADMIN, chat_id=GROUP, chat_type="supergroup")
    await accept_invite(app, group)
    return group


async def test_bot_removed_from_staff_group_sends_cards_to_operators_with_an_alert(
        app, tg, fake, sender: RecordingSender) -> None:
    operator = await vk_operator(app, sender, tg)
    await _group_inbox(app, tg, fake)
    await tg.feed(fake.bot_removed(GROUP))
    await app.courier.flush()
    alerts = [m.text for m in sender.to(operator.chat_id) if filled(texts.INBOX_UNREACHABLE, m.text)]
    assert alerts
    alert = fields(texts.INBOX_UNREACHABLE, alerts[0])
    assert (alert["institution"], alert["platform"]) == ("Котельничская ЦРБ", "Telegram")
    before = len(fake.to(GROUP))
    appeal_id = await file_appeal(TgUser(tg, fake, CITIZEN))
    card = sender.last_to(operator.chat_id)
    assert card.text.startswith(texts.STAFF_NEW_NO_INBOX.format(institution="Котельничская ЦРБ"))
    assert fields(texts.CARD, card.text)["number"] == f"2026-{appeal_id:06d}"
    assert len(fake.to(GROUP)) == before  # nothing more goes to the dead group

    await tg.feed(fake.bot_added(GROUP))  # the bot is back: the inbox works again
    await app.courier.flush()
    assert fake.to(GROUP)[-1].text == texts.INBOX_RESTORED.format(institutions="Котельничская ЦРБ")


async def test_a_403_on_the_group_reroutes_the_card_at_once(
        app, tg, fake, sender: RecordingSender) -> None:
    operator = await vk_operator(app, sender, tg)
    await _group_inbox(app, tg, fake)
    fake.kick(GROUP)  # removed, but the membership update was lost
    appeal_id = await file_appeal(TgUser(tg, fake, CITIZEN))
    texts_to_operator = [m.text for m in sender.to(operator.chat_id)]
    assert any(filled(texts.INBOX_UNREACHABLE, t) for t in texts_to_operator)
    rerouted = texts.CARD_REROUTED.format(institution="Котельничская ЦРБ")
    assert any(t.startswith(rerouted) and fields(texts.CARD, t)["number"] == f"2026-{appeal_id:06d}"
               for t in texts_to_operator)
    async with app.db.unit() as repos:
        assert await repos.people.inbox_chats(KOTELNICH) == []
        assert [i.disabled_reason for i in await repos.people.disabled_inboxes()] == ["chat_gone"]
    await operator.say("/stats")  # the operators see it in their report
    report = operator.texts()
    assert texts.DELIVERY_TITLE in report
    disabled = fields(texts.DELIVERY_DISABLED_INBOX, report)
    assert (disabled["institution"], disabled["platform"]) == ("Котельничская ЦРБ", "Telegram")
    assert texts.DELIVERY_FAILED.format(
        platform="Telegram", reason=texts.FAILURE_NAMES["chat_gone"], count=1) in report


async def test_group_upgraded_to_supergroup_keeps_its_inbox(app, tg, fake) -> None:
    small = -4242
    group = TgUser(tg, fake, ADMIN, chat_id=small, chat_type="group")
    await accept_invite(app, group)
    new_id = -1009999
    fake.migrate(small, new_id)  # the card is refused with migrate_to_chat_id
    await file_appeal(TgUser(tg, fake, CITIZEN))
    assert any(template_pattern(texts.CARD).match(m.text) for m in fake.to(new_id))
    await tg.feed(fake.migrated(small, new_id))  # the service message changes nothing more
    await file_appeal(TgUser(tg, fake, CITIZEN + 1), text="Не записывают к окулисту неделю")
    assert sum(bool(template_pattern(texts.CARD).match(m.text)) for m in fake.to(new_id)) == 2
    async with app.db.unit() as repos:
        assert await repos.people.inbox_chats(KOTELNICH) != []


async def test_answer_to_a_citizen_who_blocked_the_bot_is_reported_not_sent(app, tg, fake) -> None:
    admin = TgUser(tg, fake, ADMIN)
    await accept_invite(app, admin)
    citizen = TgUser(tg, fake, CITIZEN)
    appeal_id = await file_appeal(citizen)
    card = next(m for m in fake.to(ADMIN) if m.text.startswith("Обращение №"))
    fake.kick(CITIZEN)
    sent = await admin.say("Телефон регистратуры починили.", reply_to=card.message_id)
    number = f"2026-{appeal_id:06d}"
    # queued, then reported undelivered: never said to have reached the citizen
    assert [m.text for m in sent] == [
        texts.STAFF_ANSWER_QUEUED.format(number=number),
        texts.STAFF_ANSWER_UNDELIVERED.format(number=number,
                                              reason=texts.UNDELIVERED_REASONS["chat_gone"])]
    undelivered = fields(texts.CARD_UNDELIVERED, card.text)  # the card was edited to say so
    assert undelivered["reason"] == texts.UNDELIVERED_REASONS["chat_gone"]
    async with app.db.unit() as repos:
        appeal = await repos.appeals.get(appeal_id)
    assert appeal.undelivered_reason == "chat_gone"
    queue = await admin.say("/queue")
    assert texts.QUEUE_UNDELIVERED_MARK.strip() in queue[-1].text


async def test_reply_to_a_crash_duplicate_of_a_card_finds_its_appeal(app, tg, fake) -> None:
    admin = TgUser(tg, fake, ADMIN)
    await accept_invite(app, admin)
    appeal_id = await file_appeal(TgUser(tg, fake, CITIZEN))
    original = next(m for m in fake.to(ADMIN) if m.text.startswith("Обращение №"))
    # the copy sent just before a crash: delivered, its message id never recorded
    copy = fake._store("sendMessage", ADMIN, original.html, {})
    sent = await admin.say("Ответ на копию карточки.", reply_to=copy["message_id"])
    assert texts.STAFF_ANSWER_QUEUED.format(number=f"2026-{appeal_id:06d}") in [
        m.text for m in sent]
    async with app.db.unit() as repos:
        assert (await repos.appeals.get(appeal_id)).status == "answered"
        copies = [mid for _, _, mid in await repos.appeals.card_messages(appeal_id)]
    assert str(copy["message_id"]) in copies  # later status edits reach the copy too


async def test_after_a_backup_restore_replies_reach_their_own_citizens(
        settings, clock, tmp_path) -> None:
    """Restored from a backup taken before appeal A: the next appeal B gets A's number
    again. B's card arrives and a reply to it reaches B's citizen; a reply to A's old
    card (same number, another text) answers nobody's appeal by mistake."""
    from aiogram import Bot

    from bot.app import build_app, telegram_transport
    from handlers.telegram import TelegramTransport
    from tests.chat import unpaced, with_app
    from tests.fake_telegram import FakeTelegram, recording_session

    fake = FakeTelegram()

    async def start() -> tuple[App, TelegramTransport]:
        app = await build_app(settings, clock)
        transport = with_app(telegram_transport(
            app, bot=Bot("123:TEST", session=recording_session(fake))), app)
        unpaced(transport.sender)
        app.courier.add_sender(transport.sender)
        return app, transport

    app, transport = await start()
    await accept_invite(app, TgUser(transport, fake, ADMIN))
    await app.db.backup(tmp_path / "backup.sqlite3")
    await file_appeal(TgUser(transport, fake, CITIZEN), text="Обращение А: не берут трубку")
    old_card = next(m for m in fake.to(ADMIN) if "Обращение А" in m.text)
    await transport.close()
    await app.close()

    (tmp_path / "backup.sqlite3").replace(settings.database_path)
    app, transport = await start()
    try:
        other = CITIZEN + 1
        appeal_b = await file_appeal(TgUser(transport, fake, other),
                                     text="Обращение Б: нет талонов к окулисту")
        new_card = next(m for m in fake.to(ADMIN) if "Обращение Б" in m.text)
        assert new_card.text.split("\n")[0] == old_card.text.split("\n")[0]  # the same number
        admin = TgUser(transport, fake, ADMIN)
        await admin.say("Это ответ на старую карточку.", reply_to=old_card.message_id)
        assert not any("старую карточку" in m.text for m in fake.to(other))
        await admin.say("Талоны будут в понедельник.", reply_to=new_card.message_id)
        assert any(filled(texts.CITIZEN_ANSWER, m.text) and fields(texts.CITIZEN_ANSWER, m.text)
                   == {"number": fields(texts.CARD, new_card.text)["number"],
                       "institution": "Котельничская ЦРБ", "text": "Талоны будут в понедельник."}
                   for m in fake.to(other))
        assert not any("Талоны будут" in m.text for m in fake.to(CITIZEN))
        async with app.db.unit() as repos:
            assert (await repos.appeals.get(appeal_b)).status == "answered"
    finally:
        await transport.close()
        await app.close()
