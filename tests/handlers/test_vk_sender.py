"""VkSender: VK's keyboard and text limits, message ids, errors, deduplicated resends."""

from __future__ import annotations

import json

import pytest

from bot import texts
from bot.app import App
from bot.appeals.outbox import outbox_row
from bot.clock import FixedClock
from bot.delivery.ports import SendError
from bot.delivery.retry import RetryPolicy
from bot.dialog.types import Attachment, Button
from bot.message import Message
from handlers.vk import VkTransport, api_method_url
from handlers.vk_sender import (
    MAX_LABEL,
    VkSender,
    fit_keyboard,
    random_id_for,
    send_error,
    vk_label,
)
from storage.records import OutboxKind
from tests.chat import outgoing
from tests.fake_vk import FakeVk
from tests.vk_helpers import vk_transport


def buttons(*sizes: int) -> list[list[Button]]:
    counter = iter(range(1000))
    return [[Button(f"b{next(counter)}", f"p{i}") for i in range(size)] for size in sizes]


def shape(rows: list[list[Button]]) -> list[int]:
    return [len(r) for r in rows]


def test_keyboards_within_limits_are_kept_as_they_are() -> None:
    menu = buttons(1, 1, 1, 2)
    assert fit_keyboard(menu) == [menu]
    rating = buttons(5, 1)
    assert fit_keyboard(rating) == [rating]
    assert fit_keyboard([]) == [] and fit_keyboard([[]]) == []


def test_too_many_rows_are_merged_keeping_the_last_row_alone() -> None:
    (categories,) = fit_keyboard(buttons(*[1] * 8))  # 7 categories + cancel
    assert shape(categories) == [2, 2, 1, 1, 1, 1]
    assert categories[-1][0].text == "b7"
    (queue,) = fit_keyboard(buttons(*[1] * 10))
    assert shape(queue) == [2, 2, 2, 2, 1, 1]
    assert [b.text for row in queue for b in row] == [f"b{i}" for i in range(10)]


def test_wide_rows_are_split_and_over_ten_buttons_go_to_more_messages() -> None:
    (wide,) = fit_keyboard(buttons(7))
    assert shape(wide) == [5, 2]
    pages = fit_keyboard(buttons(*[1] * 13))
    assert [sum(shape(p)) for p in pages] == [10, 3]
    assert all(len(p) <= 6 and max(shape(p)) <= 5 for p in pages)


def test_labels_are_cut_to_vk_limit() -> None:
    assert vk_label("Короткая") == "Короткая"
    long = "Кировская областная клиническая больница имени Е. Л. Ковалева"
    cut = vk_label(long)
    assert len(cut) == MAX_LABEL and cut.endswith("…") and long.startswith(cut[:-1])


def test_errors_are_classified() -> None:
    class Err(Exception):
        def __init__(self, code: int) -> None:
            super().__init__(f"code {code}")
            self.code = code

    assert send_error(Err(901)).permanent and send_error(Err(902)).permanent
    assert send_error(Err(6)).retry_after == 1.0 and not send_error(Err(6)).permanent
    assert send_error(Err(9)).retry_after == 30.0
    transient = send_error(Err(10))
    assert not transient.permanent and transient.retry_after is None
    assert not send_error(Err(909)).permanent and send_error(Err(909), editing=True).permanent
    assert not send_error(ConnectionResetError()).permanent


def test_random_id_is_stable_per_row_and_piece() -> None:
    a = random_id_for("outbox:7", "501", 0)
    assert a == random_id_for("outbox:7", "501", 0)
    assert 0 < a < 2 ** 31
    assert len({a, random_id_for("outbox:8", "501", 0), random_id_for("outbox:7", "501", 1),
                random_id_for("outbox:7", "502", 0)}) == 4


def test_api_url() -> None:
    assert api_method_url(None) == "https://api.vk.ru/method/"
    assert api_method_url("http://127.0.0.1:9/") == "http://127.0.0.1:9/method/"
    assert api_method_url("http://127.0.0.1:9/method") == "http://127.0.0.1:9/method/"


@pytest.fixture
def sender(vk: VkTransport) -> VkSender:
    return vk.sender


async def test_long_text_is_split_at_4096_with_buttons_on_the_last_piece(
        sender: VkSender, fake_vk: FakeVk) -> None:
    text = "\n\n".join(f"Абзац {i}. " + "слово " * 150 for i in range(10))  # ~9000 chars
    message_id = await sender.send(*outgoing("501", text, [[Button("Ок", "m:menu")]], key="k1"))
    sent = fake_vk.to(501)
    assert len(sent) == 3 and all(len(m.text) <= 4096 for m in sent)
    assert "".join(m.text for m in sent).replace("\n", "").replace(" ", "") == \
        text.replace("\n", "").replace(" ", "")
    assert [bool(m.keyboard) for m in sent] == [False, False, True]
    assert message_id == str(sent[-1].cmid)


async def test_a_resent_row_is_dropped_by_vk(sender: VkSender, fake_vk: FakeVk) -> None:
    first = await sender.send(*outgoing("501", "Ответ на обращение", key="outbox:42"))
    again = await sender.send(*outgoing("501", "Ответ на обращение", key="outbox:42"))
    other = await sender.send(*outgoing("501", "Ответ на обращение", key="outbox:43"))
    assert first == again != other
    assert len(fake_vk.to(501)) == 2


async def test_outbox_resend_after_a_lost_answer_shows_once(
        app: App, sender: VkSender, fake_vk: FakeVk, clock: FixedClock) -> None:
    """messages.send went through but its answer was lost: the outbox retries the row, and
    VK drops the duplicate by its random_id."""
    async with app.db.unit() as repos:
        await repos.outbox.add(outbox_row("vk", "501", Message("Ответ учреждения"),
                                          OutboxKind.CITIZEN), clock.now())

    real_send = sender.send
    calls = 0

    async def send_then_lose_the_answer(chat_id: str, message: Message, key: str) -> str:
        nonlocal calls
        calls += 1
        result = await real_send(chat_id, message, key)
        if calls == 1:
            raise ConnectionResetError("connection lost before the answer")
        return result

    sender.send = send_then_lose_the_answer  # type: ignore[method-assign]
    app.courier.policy = RetryPolicy(first_delay=0.01, max_delay=0.01)
    await app.courier.flush()
    assert calls == 2
    assert [m.text for m in fake_vk.to(501)] == ["Ответ учреждения"]


async def test_vk_and_foreign_attachments(sender: VkSender, fake_vk: FakeVk) -> None:
    vk_photo = Attachment("photo", "photo501_7_key", "501", "3")
    await sender.send(*outgoing("601", "Обращение", attachments=(vk_photo,),
                               source_platform="vk", key="a"))
    assert fake_vk.to(601)[-1].attachment == "photo501_7_key"
    telegram_photo = Attachment("photo", "AgACAgIAAxkBAAIB", "1001", "5")
    await sender.send(*outgoing("601", "Обращение", attachments=(telegram_photo,),
                               source_platform="telegram", key="b"))
    last = fake_vk.to(601)[-1]
    assert last.attachment == ""
    assert "Telegram" in last.text and "фото" in last.text


async def test_send_errors_reach_the_outbox_classified(sender: VkSender, fake_vk: FakeVk) -> None:
    fake_vk.blocked.add(501)
    with pytest.raises(SendError) as blocked:
        await sender.send(*outgoing("501", "привет", key="x"))
    assert blocked.value.permanent
    fake_vk.fail_next("messages.send", 6, "Too many requests per second")
    with pytest.raises(SendError) as flood:
        await sender.send(*outgoing("502", "привет", key="y"))
    assert flood.value.retry_after == 1.0
    fake_vk.fail_next("messages.send", 10, "Internal server error")
    with pytest.raises(SendError) as internal:
        await sender.send(*outgoing("502", "привет", key="z"))
    assert not internal.value.permanent and internal.value.retry_after is None


async def test_network_failure_is_transient(app: App, fake_vk: FakeVk) -> None:
    transport = await vk_transport(app, fake_vk)
    await fake_vk.close()
    try:
        with pytest.raises(SendError) as down:
            await transport.sender.send(*outgoing("501", "привет", key="n"))
        assert not down.value.permanent
    finally:
        await transport.close()


async def test_edit_by_conversation_message_id_and_removing_buttons(
        sender: VkSender, fake_vk: FakeVk) -> None:
    message_id = await sender.send(*outgoing("2000000001", "Карточка",
                                            [[Button(texts.BTN_TAKE, "st:take:1")]], key="c"))
    await sender.edit("2000000001", message_id, Message("Карточка: закрыто", []))
    card = fake_vk.to(2_000_000_001)[-1]
    assert card.text == "Карточка: закрыто" and card.edits == ["Карточка: закрыто"]
    assert card.keyboard == {"inline": True, "buttons": []}
    with pytest.raises(SendError) as gone:
        await sender.edit("2000000001", "999", Message("нет такого", []))
    assert gone.value.permanent


async def test_every_core_keyboard_is_accepted_by_vk(sender: VkSender, fake_vk: FakeVk) -> None:
    """The fake_vk refuses keyboards over VK's limits (error 911), as VK does."""
    from bot.appeals.cards import rating_buttons
    from bot.dialog.citizen import handover_buttons, menu_buttons

    class AppealStub:
        id = 123456
        answers_given = 99

    rows = [[Button(title, f"cat:{key}")] for key, title in texts.CATEGORIES.items()]
    keyboards = [menu_buttons(), handover_buttons(), rating_buttons(AppealStub()),  # type: ignore[arg-type]
                 rows + [[Button(texts.BTN_CANCEL, "cancel")]],
                 [[Button(f"№ {i} · Кировская областная клиническая больница", f"st:card:{i}")]
                  for i in range(10)]]
    for index, keyboard in enumerate(keyboards):
        await sender.send(*outgoing("501", f"клавиатура {index}", keyboard, key=f"kb{index}"))
    sent = fake_vk.to(501)
    assert len(sent) == len(keyboards)
    for message, keyboard in zip(sent, keyboards, strict=True):
        assert [p for row in message.rows for _, p in row] == \
            [b.payload for row in keyboard for b in row]
    assert json.loads(json.dumps(sent[0].keyboard))["inline"] is True
