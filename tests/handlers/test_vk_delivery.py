"""The one delivery path against the fake VK API enforcing 20 requests a second (API reads
included) and injecting VK's errors 6, 10, 901 and 5xx."""

from __future__ import annotations

import asyncio

from bot import texts
from bot.delivery.pacing import RateLimiter
from bot.delivery.retry import RetryPolicy
from handlers.vk_sender import LIMITS
from tests.conftest import KOTELNICH
from tests.fake_vk import FakeVk
from tests.texts_helpers import fields
from tests.vk_helpers import VkPerson


def paced(vk) -> None:  # type: ignore[no-untyped-def]
    """The VK sender at VK's own pace again (the shared fixture takes it off)."""
    vk.sender.limits = LIMITS
    vk.sender.limiter = RateLimiter(LIMITS.overall_per_s)


async def test_thirty_citizens_at_once_all_get_their_greeting_within_the_limit(
        app, vk, fake_vk: FakeVk) -> None:
    paced(vk)
    fake_vk.enforce_limits(per_second=20)
    people = [VkPerson(app, vk, fake_vk, 700 + i, name=("Гражданин", str(i))) for i in range(30)]
    updates = [fake_vk.message_new(p.user_id, "/start", inject=False) for p in people]
    await asyncio.gather(*(vk.submit(u) for u in updates))  # names (users.get) and turns
    await app.courier.flush()
    for person in people:
        assert any(texts.MENU in m.text for m in fake_vk.to(person.user_id)), person.user_id
    assert len(fake_vk.too_many) <= 1


async def test_error_10_and_502_on_a_reply_are_retried_not_lost(app, vk, fake_vk: FakeVk) -> None:
    app.courier.policy = RetryPolicy(first_delay=0.05, max_delay=0.2)
    fake_vk.error_window(0.5, code=10)
    person = VkPerson(app, vk, fake_vk, 801)
    await person.say("/start")
    assert any(texts.MENU in m.text for m in fake_vk.to(801))
    fake_vk.http_error_window(0.5, status=502)
    await person.say("/help")
    assert len([m for m in fake_vk.to(801) if texts.MENU in m.text]) == 1
    assert fake_vk.to(801)[-1].text != fake_vk.to(801)[0].text  # /help arrived too


async def test_a_citizen_who_does_not_allow_messages_is_shown_on_the_card(
        app, vk, fake_vk: FakeVk) -> None:
    admin = VkPerson(app, vk, fake_vk, 901)
    await admin.accept_invite("admin", KOTELNICH)
    citizen = VkPerson(app, vk, fake_vk, 902, name=("Анна", "Иванова"))
    await citizen.file_appeal()
    card = next(m for m in fake_vk.to(901) if m.text.startswith("Обращение №"))
    fake_vk.blocked.add(902)  # error 901 from now on
    sent = await admin.say("Ответ учреждения.", reply_to=card)
    number = fields(texts.CARD, card.text)["number"]
    assert any(m.text == texts.STAFF_ANSWER_UNDELIVERED.format(
        number=number, reason=texts.UNDELIVERED_REASONS["chat_gone"])
        for m in fake_vk.to(901)), [m.text for m in sent]
    assert fields(texts.CARD_UNDELIVERED, card.text)["reason"] == texts.UNDELIVERED_REASONS[
        "chat_gone"]
