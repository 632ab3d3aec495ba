"""MaxSender against the fake MAX Bot API: MAX's limits kept (keyboards split, texts split at
4000), and every failure the fake injects mapped into the delivery's failure classes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from maxapi.client.default import DefaultConnectionProperties

from bot.delivery.ports import Failure, SendError
from bot.message import Button, Message
from handlers.max import make_bot
from handlers.max_sender import MAX_TEXT, MaxSender, fit_keyboard
from tests.chat import unpaced
from tests.fake_max import FakeMax

USER = 1001


@pytest.fixture
async def fake() -> AsyncIterator[FakeMax]:
    async with FakeMax() as server:
        yield server


@pytest.fixture
async def sender(fake: FakeMax) -> AsyncIterator[MaxSender]:
    made = MaxSender(make_bot(fake.token, fake.base_url))
    unpaced(made)
    yield made
    await made.bot.close_session()


def buttons(count: int, per_row: int) -> list[list[Button]]:
    flat = [Button(f"Кнопка {i}", f"p:{i}") for i in range(count)]
    return [flat[i:i + per_row] for i in range(0, count, per_row)]


async def test_a_dialog_is_sent_by_user_id_and_a_group_by_chat_id(
        fake: FakeMax, sender: MaxSender) -> None:
    group = fake.group()
    mid = await sender.send(str(USER), Message("привет", buttons(2, 2)), "k1")
    assert fake.to_user(USER)[0].mid == mid and mid.startswith("mid.")
    await sender.send(str(group), Message("коллегам"), "k2")
    assert [m.text for m in fake.to(group)] == ["коллегам"]
    assert sender.is_group(str(group)) and not sender.is_group(str(USER))


async def test_long_rows_wrap_and_oversize_keyboards_split(
        fake: FakeMax, sender: MaxSender) -> None:
    assert [len(r) for r in fit_keyboard(buttons(9, 9))[0]] == [7, 2]
    await sender.send(str(USER), Message("Выберите", buttons(250, 5)), "k")
    first, more = fake.to_user(USER)
    assert first.text == "Выберите" and len(first.labels) == 150  # 30 rows of 5
    assert len(more.labels) == 100 and more.payload("Кнопка 249") == "p:249"


async def test_texts_split_at_4000_with_the_buttons_on_the_last_piece(
        fake: FakeMax, sender: MaxSender) -> None:
    await sender.send(str(USER), Message("я" * MAX_TEXT), "one")
    assert [len(m.text or "") for m in fake.to_user(USER)] == [4000]  # MAX takes 4000
    mid = await sender.send(str(USER), Message(("абзац " * 700 + "\n\n") * 3, buttons(1, 1)),
                            "many")
    pieces = fake.to_user(USER)[1:]
    assert len(pieces) == 4 and all(len(p.text or "") <= MAX_TEXT for p in pieces)
    assert [bool(p.buttons) for p in pieces] == [False, False, False, True]
    assert pieces[-1].mid == mid


async def test_an_edit_keeps_or_removes_the_keyboard_as_the_core_wants(
        fake: FakeMax, sender: MaxSender) -> None:
    mid = await sender.send(str(USER), Message("Карточка", buttons(3, 3)), "k")
    card = fake.by_mid(mid)
    await sender.edit(str(USER), mid, Message("Карточка: взято", buttons(2, 2)))
    assert card.text == "Карточка: взято" and card.labels == ["Кнопка 0", "Кнопка 1"]
    await sender.edit(str(USER), mid, Message("Карточка: закрыто"))
    assert card.buttons == []
    await sender.edit(str(USER), mid, Message("x" * 5000))
    assert len(card.text or "") == MAX_TEXT


async def failure_of(sender: MaxSender, chat: str = str(USER)) -> SendError:
    with pytest.raises(SendError) as info:
        await sender.send(chat, Message("текст"), "k")
    return info.value


@pytest.mark.parametrize(("status", "code", "failure"), [
    (429, None, Failure.RETRY_AFTER),
    (500, None, Failure.TRANSIENT),
    (503, None, Failure.TRANSIENT),
    (400, "proto.payload", Failure.REJECTED),
    (403, "chat.denied", Failure.CHAT_GONE),
    (404, "chat.not.found", Failure.CHAT_GONE),
    (401, "verify.token", Failure.UNAUTHORIZED),
])
async def test_errors_are_mapped_by_their_code(fake: FakeMax, sender: MaxSender, status: int,
                                               code: str | None, failure: Failure) -> None:
    fake.fail_window(1, status, code=code)
    error = await failure_of(sender)
    assert error.failure is failure
    if failure is Failure.RETRY_AFTER:
        assert error.retry_after and error.retry_after > 0
    assert fake.sent == []


async def test_real_refusals_blocks_and_revoked_tokens(fake: FakeMax, sender: MaxSender) -> None:
    fake.block(USER)
    assert (await failure_of(sender)).failure is Failure.CHAT_GONE
    fake.unblock(USER)
    group = fake.group()
    fake.remove_bot(group)
    assert (await failure_of(sender, str(group))).failure is Failure.CHAT_GONE
    fake.revoke_token()
    assert (await failure_of(sender)).failure is Failure.UNAUTHORIZED
    fake.restore_token()
    fake.enforce_limits(per_second=None, per_chat=2)
    await sender.send(str(USER), Message("1"), "a")
    await sender.send(str(USER), Message("2"), "b")
    error = await failure_of(sender)  # the fake's own 429 for a third message in a second
    assert error.failure is Failure.RETRY_AFTER


async def test_a_timeout_is_transient(fake: FakeMax) -> None:
    bot = make_bot(fake.token, fake.base_url)
    bot.default_connection = DefaultConnectionProperties(timeout=0.3, max_retries=0)
    hung = MaxSender(bot)
    unpaced(hung)
    fake.hang(5)
    try:
        error = await failure_of(hung)
        assert error.failure is Failure.TRANSIENT and "unreachable" in str(error)
    finally:
        fake.unhang()
        await bot.close_session()
