"""Issue 12, items 9 and 10: flood limits (messages a minute, one "slow down", then
silence), appeals a day, a stale «Вопрос не решён» reopens once, a feedback button counts
once, and operators ban and unban. Through the real Telegram and VK transports."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import texts
from bot.config import Settings
from tests.db_helpers import rows
from tests.fake_vk import CHAT_PEER_BASE
from tests.texts_helpers import fields, filled
from tests.tg_helpers import (
    ADMIN,
    CITIZEN,
    GROUP,
    TgUser,
    accept_invite,
    file_appeal,
    joined,
    make_operator,
    status,
)
from tests.vk_helpers import VkPerson


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"flood_messages_per_minute": 20, "appeals_per_day": 5})


async def test_a_flood_gets_one_slow_down_then_silence_until_the_minute_passes(
        app, tg, fake, clock) -> None:
    citizen = TgUser(tg, fake, CITIZEN)
    other = TgUser(tg, fake, 1002)
    for n in range(20):
        assert await citizen.say(f"вопрос {n}"), n  # each answered
    assert joined(await citizen.say("ещё")) == texts.SLOW_DOWN
    for _ in range(5):
        assert await citizen.say("ещё и ещё") == []
    assert await other.say("как записаться к врачу")  # one person's flood is theirs alone
    clock.advance(timedelta(seconds=61))
    sent = await citizen.say("/menu")
    assert sent and texts.SLOW_DOWN not in joined(sent)


async def test_staff_group_chatter_does_not_count(app, tg, fake) -> None:
    boss = TgUser(tg, fake, ADMIN, chat_id=GROUP, chat_type="supergroup")
    await accept_invite(app, boss)
    for n in range(40):
        assert await boss.say(f"коллеги, обсудим {n}") == []
    assert joined(await boss.say("/queue")) == texts.STAFF_QUEUE_EMPTY


async def test_appeals_a_day_are_limited_and_the_limit_passes(app, tg, fake, clock) -> None:
    citizen = TgUser(tg, fake, CITIZEN)
    for complaint in ("в регистратуре не берут трубку", "к неврологу нет талонов месяц",
                      "в аптеке нет льготного инсулина", "врач нагрубил на приёме",
                      "анализы потеряли второй раз"):
        await file_appeal(citizen, f"Обращение: {complaint}")  # five matters, no repeats
        clock.advance(timedelta(minutes=2))  # the form is 6 messages: no flood
    sent = joined(await citizen.say("/appeal"))
    assert texts.APPEALS_PER_DAY.format(count=5) in sent
    clock.advance(timedelta(hours=24))
    assert joined(await citizen.say("/appeal")) == texts.APPEAL_ASK_INSTITUTION


async def test_a_stale_unsolved_button_reopens_once(app, tg, fake) -> None:
    admin = TgUser(tg, fake, ADMIN)
    await accept_invite(app, admin)
    citizen = TgUser(tg, fake, CITIZEN)
    appeal_id = await file_appeal(citizen)
    number = f"2026-{appeal_id:06d}"
    card = next(m for m in fake.to(ADMIN) if filled(texts.CARD, m.text))
    await admin.say("Записали вас на завтра.", reply_to=card.message_id)
    answer = citizen.last()
    assert fields(texts.CITIZEN_ANSWER, answer.text) == {
        "number": number, "institution": "Котельничская ЦРБ", "text": "Записали вас на завтра."}
    cards = len([m for m in fake.to(ADMIN) if filled(texts.CARD, m.text)])
    await citizen.press(answer, "unsolved:")
    assert await status(app, appeal_id) == "in_progress"  # back with who answered
    in_progress = (texts.APPEAL_STATE["in_progress"].format(number=f"2026-{appeal_id:06d}")
                   + texts.ACTION_UNAVAILABLE)
    for _ in range(5):  # the same stale button again and again
        sent = joined(await citizen.press(answer, "unsolved:"))
        assert sent == in_progress, sent
    after = len([m for m in fake.to(ADMIN) if filled(texts.CARD, m.text)])
    assert after == cards + 1  # one new card, not six
    # a new answer brings a new way back, once
    card = [m for m in fake.to(ADMIN) if filled(texts.CARD, m.text)][-1]
    await admin.say("Перезвонили и записали.", reply_to=card.message_id)
    assert await status(app, appeal_id) == "answered"
    second = citizen.last()
    assert fields(texts.CITIZEN_ANSWER, second.text) == {
        "number": number, "institution": "Котельничская ЦРБ", "text": "Перезвонили и записали."}
    # the first answer's
    assert joined(await citizen.press(answer, "unsolved:")) == texts.REOPEN_ALREADY.format(
        number=f"2026-{appeal_id:06d}")
    assert await status(app, appeal_id) == "answered"
    await citizen.press(second, "unsolved:")  # the new answer's: once
    assert await status(app, appeal_id) == "in_progress"
    assert len([m for m in fake.to(ADMIN) if filled(texts.CARD, m.text)]) == cards + 2


async def test_feedback_counts_once_per_answer(app, tg, fake) -> None:
    citizen = TgUser(tg, fake, CITIZEN)
    answer = (await citizen.say("как записаться к врачу"))[-1]
    assert any(b.startswith("fb:y:") for b in answer.payloads())
    await citizen.press(answer, "fb:y:")
    sent = joined(await citizen.press(answer, "fb:y:"))
    assert texts.FEEDBACK_ALREADY in sent
    await citizen.press(answer, "fb:n:")  # changing one's mind is no second vote either
    async with app.db.unit() as repos:
        least_helpful = await repos.faq_stats.least_helpful(10)
    assert rows(app, "SELECT COUNT(*) FROM faq_feedback") == [(1,)] and least_helpful == []


async def test_an_operator_bans_and_unbans_and_staff_see_it_on_the_card(app, tg, fake) -> None:
    operator = await make_operator(app, tg, fake)
    admin = TgUser(tg, fake, ADMIN)
    await accept_invite(app, admin)
    citizen = TgUser(tg, fake, CITIZEN)
    await file_appeal(citizen)
    async with app.db.unit() as repos:
        number = (await repos.appeals.get(1)).number  # type: ignore[union-attr]
    assert texts.BAN_STAFF in joined(await operator.say(f"/ban #{2}"))  # staff: revoke first
    sent = joined(await operator.say(f"/ban {number} спам"))
    assert filled(texts.BANNED, sent)
    card = next(m for m in fake.to(ADMIN) if filled(texts.CARD, m.text))
    assert texts.CARD_BANNED in card.text  # the card was edited
    assert joined(await citizen.say("здравствуйте")) == texts.BANNED_REFUSAL
    assert await citizen.say("ответьте!") == []  # one refusal, then silence
    assert await citizen.say("/appeal") == []
    assert filled(texts.BAN_ALREADY, joined(await operator.say(f"/ban {number}")))
    assert filled(texts.UNBANNED, joined(await operator.say(f"/unban {number}")))
    assert await citizen.say("/menu")
    assert texts.CARD_BANNED not in card.text


async def test_vk_flood_and_ban_answer_as_in_telegram(app, vk, fake_vk, tg, fake) -> None:
    citizen = VkPerson(app, vk, fake_vk, 501, name=("Иван", "Петров"))
    for n in range(20):
        await citizen.say(f"вопрос {n}")
    assert [m.text for m in await citizen.say("ещё")] == [texts.SLOW_DOWN]
    assert await citizen.say("ещё раз") == []
    app.clock.advance(timedelta(seconds=61))  # type: ignore[attr-defined]
    operator = await make_operator(app, tg, fake)
    async with app.db.unit() as repos:
        person = await repos.people.find_user("vk", "501")
    await operator.say(f"/ban #{person.id}")  # type: ignore[union-attr]
    assert [m.text for m in await citizen.say("привет")] == [texts.BANNED_REFUSAL]
    assert await citizen.say("привет?") == []
    group = VkPerson(app, vk, fake_vk, 501, peer_id=CHAT_PEER_BASE + 3)
    assert await group.say("/menu") == []  # banned in a conversation too: silence
