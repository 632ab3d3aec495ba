"""The fake MAX Bot API (tests/fake_max) checked against maxapi 1.2.3, the client the MAX
transport uses: what maxapi sends is what the fake takes and records, what the fake answers is
what maxapi parses, and the fake refuses what MAX refuses."""

from __future__ import annotations

import asyncio
import time
import warnings
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from maxapi import Bot
from maxapi.client.default import DefaultConnectionProperties
from maxapi.enums.message_link_type import MessageLinkType
from maxapi.enums.parse_mode import TextFormat
from maxapi.enums.upload_type import UploadType
from maxapi.exceptions.max import InvalidToken, MaxApiError
from maxapi.methods.types.getted_updates import process_update_request
from maxapi.types.attachments.buttons import CallbackButton, LinkButton, RequestContactButton
from maxapi.types.input_media import InputMediaBuffer
from maxapi.types.message import NewMessageLink
from maxapi.types.updates import UpdateUnionAdapter
from maxapi.types.updates.message_callback import MessageForCallback
from maxapi.utils.inline_keyboard import InlineKeyboardBuilder
from pydantic import ValidationError

from tests.fake_max import FakeMax

TOKEN = "max-test-token"
USER = 1001
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def fake(clock: Clock) -> AsyncIterator[FakeMax]:
    async with FakeMax(TOKEN, now=clock) as server:
        yield server


def make_bot(fake: FakeMax, retries: int = 0) -> Bot:
    bot = Bot(TOKEN, auto_requests=False, after_upload_retry_delay=0.01,
              default_connection=DefaultConnectionProperties(
                  timeout=20, max_retries=retries, retry_backoff_factor=0.01))
    bot.set_api_url(fake.base_url)
    return bot


@pytest.fixture
async def bot(fake: FakeMax) -> AsyncIterator[Bot]:
    client = make_bot(fake)
    yield client
    await client.close_session()


def keyboard() -> Any:
    builder = InlineKeyboardBuilder()
    builder.row(CallbackButton(text="Записаться", payload="book:7"),
                CallbackButton(text="Отмена", payload="cancel"))
    builder.row(LinkButton(text="Сайт", url="https://example.org/clinic"))
    return builder.as_markup()


async def raw(fake: FakeMax, method: str, path: str, *, headers: dict[str, str] | None = None,
              **kwargs: Any) -> tuple[int, Any]:
    """A call past maxapi (which would refuse it or shape it otherwise)."""
    headers = {"Authorization": TOKEN} if headers is None else headers
    async with aiohttp.ClientSession() as session, session.request(
            method, fake.base_url + path, headers=headers, **kwargs) as response:
        return response.status, await response.json()


# ---- the calls maxapi makes ----------------------------------------------------------------


async def test_get_me_with_the_raw_token_header(fake: FakeMax, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.user_id, me.is_bot, me.username) == (fake.bot_id, True, fake.bot_username)
    assert [c.status for c in fake.calls_to("GET", "/me")] == [200]


async def test_send_message_with_a_builder_keyboard(fake: FakeMax, bot: Bot) -> None:
    result = await bot.send_message(user_id=USER, text="Здравствуйте", format=TextFormat.HTML,
                                    attachments=[keyboard()])
    sent = await fake.wait_sent(fake.dialog(USER), "Здравствуйте")
    assert sent.rows == [[{"type": "callback", "text": "Записаться", "payload": "book:7"},
                          {"type": "callback", "text": "Отмена", "payload": "cancel"}],
                         [{"type": "link", "text": "Сайт", "payload": "https://example.org/clinic"}]]
    assert (sent.chat_id, sent.user_id, sent.chat_type, sent.format) == (
        fake.dialog(USER), USER, "dialog", "html")
    assert fake.to_user(USER) == [sent]
    message = result.message
    assert message.body.mid == sent.mid and message.body.mid.startswith("mid.")
    assert (message.recipient.chat_id, message.recipient.user_id) == (fake.dialog(USER), USER)
    assert message.sender.user_id == fake.bot_id
    [markup] = message.body.attachments
    assert [b.text for b in markup.payload.buttons[0]] == ["Записаться", "Отмена"]


async def test_a_reply_carries_the_link(fake: FakeMax, bot: Bot) -> None:
    asked = fake.message(USER, "Когда приём?")
    mid = asked["message"]["body"]["mid"]
    result = await bot.send_message(user_id=USER, text="В 10:00",
                                    link=NewMessageLink(type=MessageLinkType.REPLY, mid=mid))
    assert fake.sent[0].link == {"type": "reply", "mid": mid}
    assert result.message.link.message.mid == mid
    assert result.message.link.message.text == "Когда приём?"


async def test_edits_keep_or_drop_the_keyboard_as_the_docs_say(fake: FakeMax, bot: Bot) -> None:
    result = await bot.send_message(user_id=USER, text="Выберите", attachments=[keyboard()])
    mid = result.message.body.mid
    sent = fake.by_mid(mid)
    # attachments left out (as a raw PUT may do): the keyboard stays
    status, body = await raw(fake, "PUT", "/messages", params={"message_id": mid},
                             json={"text": "Выберите время"})
    assert (status, body) == (200, {"success": True})
    assert sent.text == "Выберите время" and sent.labels == ["Записаться", "Отмена", "Сайт"]
    # maxapi's edit_message always sends "attachments": []: that removes the keyboard
    edited = await bot.edit_message(mid, text="Запись отменена")
    assert edited.success is True
    assert (sent.text, sent.buttons) == ("Запись отменена", [])
    # a keyboard given again comes back
    await bot.edit_message(mid, text="Выберите снова", attachments=[keyboard()])
    assert [e.text for e in sent.edits] == ["Выберите время", "Запись отменена", "Выберите снова"]
    assert [len(e.buttons) for e in sent.edits] == [2, 0, 2]


async def test_a_press_and_its_answers(fake: FakeMax, bot: Bot) -> None:
    await bot.send_message(user_id=USER, text="Подтвердите", attachments=[keyboard()])
    sent = await fake.wait_sent(fake.dialog(USER), "Подтвердите")
    update = fake.press(sent, "Записаться")
    event = UpdateUnionAdapter.validate_python(update)
    assert event.callback.payload == "book:7" and event.callback.user.user_id == USER
    assert event.message.body.mid == sent.mid
    ok = await bot.send_callback(event.callback.callback_id, notification="Принято")
    assert ok.success is True
    answer = await fake.wait_answer()
    assert (answer.notification, answer.message, answer.mid, answer.user_id) == (
        "Принято", None, sent.mid, USER)
    # an answer with a message edits the pressed message; no attachments: keyboard kept
    await bot.send_callback(event.callback.callback_id, message=MessageForCallback(text="Вы записаны"))
    assert sent.text == "Вы записаны" and sent.edits[-1].via == "answer"
    assert sent.labels == ["Записаться", "Отмена", "Сайт"]
    with pytest.raises(ValueError, match="link button"):
        fake.press(sent, "Сайт")


async def test_get_updates_keeps_events_until_a_marker_passes_them(fake: FakeMax, bot: Bot) -> None:
    fake.start(USER, payload="ref_42")
    fake.message(USER, "привет")
    first = await bot.get_updates(timeout=0)
    assert [u["update_type"] for u in first["updates"]] == ["bot_started", "message_created"]
    again = await bot.get_updates(timeout=0)  # no marker: nothing was committed yet
    assert again == first
    events = await process_update_request(first, bot)
    assert events[0].payload == "ref_42" and events[0].chat_id == fake.dialog(USER)
    assert events[1].message.body.text == "привет"
    assert events[1].message.recipient.chat_type == "dialog"
    empty = await bot.get_updates(marker=first["marker"], timeout=0)
    assert empty == {"updates": [], "marker": first["marker"]}
    assert fake.pending_updates == []
    # the long poll waits for the next event
    started = time.monotonic()
    waiting = asyncio.ensure_future(bot.get_updates(marker=first["marker"], timeout=5))
    await fake.wait_for(lambda: fake.polls >= 4)
    fake.message(USER, "ещё")
    later = await waiting
    assert [u["message"]["body"]["text"] for u in later["updates"]] == ["ещё"]
    assert time.monotonic() - started < 3
    assert later["marker"] == first["marker"] + 1


async def test_the_long_poll_filters_by_types_and_limit(fake: FakeMax, bot: Bot) -> None:
    for text in ("a", "b", "c"):
        fake.message(USER, text)
    fake.start(USER)
    types = await bot.get_updates(timeout=0, types=["bot_started"])
    assert [u["update_type"] for u in types["updates"]] == ["bot_started"]
    status, page = await raw(fake, "GET", "/updates", params={"limit": "2", "timeout": "0"})
    assert status == 200 and [u["message"]["body"]["text"] for u in page["updates"]] == ["a", "b"]
    status, rest = await raw(fake, "GET", "/updates", params={"marker": page["marker"],
                                                              "timeout": "0"})
    assert [u["update_type"] for u in rest["updates"]] == ["message_created", "bot_started"]


async def test_every_builder_gives_what_maxapi_parses(fake: FakeMax, bot: Bot) -> None:
    group = fake.group(title="Регистратура", members=(USER,))
    assert group < 0 and fake.dialog(USER) > 0
    await bot.send_message(chat_id=group, text="Кнопки", attachments=[keyboard()])
    sent = fake.to(group)[0]
    asked = fake.message(USER, "вопрос", chat_id=group, chat_type="chat")
    updates = [
        asked,
        fake.message(USER, "ответ на ответ", reply_to=sent),
        fake.message_edited(asked, "вопрос (исправлен)"),
        fake.press(sent, "Отмена", user_id=USER),
        fake.start(USER, payload="a-b_9"),
        fake.bot_stopped(USER),
        fake.bot_removed(group, USER),
        fake.bot_added(group, user_id=USER),
        fake.user_added(group, 1002, inviter_id=USER),
        fake.user_removed(group, 1002, admin_id=USER),
    ]
    parsed = [UpdateUnionAdapter.validate_python(u) for u in updates]
    assert [p.update_type for p in parsed] == [u["update_type"] for u in updates]
    assert parsed[0].message.recipient.chat_id == group
    assert parsed[1].message.link.message.mid == sent.mid
    assert parsed[3].get_ids() == (group, USER)
    # MAX sends bot_added without `user` since November 2026; maxapi 1.2.3 still requires it
    with pytest.raises(ValidationError):
        UpdateUnionAdapter.validate_python(fake.bot_added(group))
    assert await process_update_request({"updates": [fake.bot_added(group, inject=False)]},
                                        bot) == []


async def test_start_payloads_over_the_limit_are_dropped(fake: FakeMax) -> None:
    assert fake.start(USER, payload="x" * 128)["payload"] == "x" * 128
    assert "payload" not in fake.start(USER, payload="x" * 129)
    assert "payload" not in fake.start(USER, payload="с пробелом")
    assert fake.dropped_payloads == ["x" * 129, "с пробелом"]


async def test_get_chat_by_id(fake: FakeMax, bot: Bot) -> None:
    fake.start(USER)
    dialog = await bot.get_chat_by_id(fake.dialog(USER))
    assert (dialog.type, dialog.dialog_with_user.user_id, dialog.status) == ("dialog", USER,
                                                                               "active")
    group = await bot.get_chat_by_id(fake.group(title="Врачи"))
    assert (group.type, group.title) == ("chat", "Врачи")
    with pytest.raises(MaxApiError) as refused:
        await bot.get_chat_by_id(USER)  # a user id is not a chat id
    assert (refused.value.code, refused.value.raw["code"]) == (404, "chat.not.found")


async def test_uploads_and_not_ready_attachments(fake: FakeMax, bot: Bot) -> None:
    fake.start(USER)
    fake.attachment_not_ready(1)
    await bot.send_message(user_id=USER, text="Фото", sleep_after_input_media=False,
                           attachments=[InputMediaBuffer(PNG, "scan.png", UploadType.IMAGE)])
    [sent] = fake.to_user(USER)
    assert sent.attachments[0]["type"] == "image" and sent.attachments[0]["payload"]["token"]
    refused = [c.status for c in fake.calls_to("POST", "/messages")]
    assert refused == [400, 200]  # maxapi retried after attachment.not.ready


# ---- what the fake refuses -----------------------------------------------------------------


@pytest.mark.parametrize("rows", [
    [[CallbackButton(text=str(i), payload=str(i)) for i in range(8)]],  # 8 in a row
    [[LinkButton(text=str(i), url="https://e.org") for i in range(4)]],  # 4 links in a row
    [[RequestContactButton(text="тел")] * 2 + [CallbackButton(text="x", payload="x")] * 2],
    [[CallbackButton(text=str(i), payload=str(i))] for i in range(31)],  # 31 rows
    [[LinkButton(text="длинная", url="https://e.org/" + "a" * 2040)]],  # url over 2048
    [[CallbackButton(text="x" * 129, payload="x")]],  # label over 128
    [[CallbackButton(text="x", payload="p" * 1025)]],  # payload over 1024
])
async def test_oversize_keyboards_are_refused(fake: FakeMax, bot: Bot, rows: list) -> None:
    builder = InlineKeyboardBuilder()
    for row in rows:
        builder.row(*row)
    with pytest.raises(MaxApiError) as refused:
        await bot.send_message(user_id=USER, text="много", attachments=[builder.as_markup()])
    assert (refused.value.code, refused.value.raw["code"]) == (400, "proto.payload")
    assert fake.sent == []


async def test_the_largest_keyboard_is_taken(fake: FakeMax, bot: Bot) -> None:
    builder = InlineKeyboardBuilder()
    for r in range(30):
        builder.row(*[CallbackButton(text=f"{r}.{i}", payload=f"{r}.{i}") for i in range(7)])
    await bot.send_message(user_id=USER, text="210", attachments=[builder.as_markup()])
    assert len(fake.sent[0].labels) == 210


async def test_texts_over_4000_are_refused(fake: FakeMax, bot: Bot) -> None:
    with pytest.raises(ValueError, match="4000"):  # maxapi stops 4000 already, client-side
        await bot.send_message(user_id=USER, text="я" * 4000)
    status, _ = await raw(fake, "POST", "/messages", params={"user_id": USER},
                          json={"text": "я" * 4000})
    assert status == 200  # MAX's limit: maxLength 4000
    status, body = await raw(fake, "POST", "/messages", params={"user_id": USER},
                             json={"text": "я" * 4001})
    assert (status, body["code"]) == (400, "proto.payload")


async def test_the_token_only_in_the_header(fake: FakeMax, bot: Bot) -> None:
    status, body = await raw(fake, "GET", "/me", headers={}, params={"access_token": TOKEN})
    assert (status, body["code"]) == (401, "verify.token") and "query" in body["message"]
    status, body = await raw(fake, "GET", "/me", headers={"Authorization": f"Bearer {TOKEN}"})
    assert (status, body["code"]) == (401, "verify.token")
    fake.revoke_token()
    with pytest.raises(InvalidToken, match=r"verify\.token"):
        await bot.get_me()
    fake.restore_token()
    assert (await bot.get_me()).user_id == fake.bot_id


async def test_the_per_chat_rate_when_enforced(fake: FakeMax, bot: Bot, clock: Clock) -> None:
    fake.enforce_limits()
    await bot.send_message(user_id=USER, text="1")
    await bot.send_message(user_id=USER, text="2")
    with pytest.raises(MaxApiError) as refused:
        await bot.send_message(user_id=USER, text="3")
    assert (refused.value.code, refused.value.raw["code"]) == (429, "too.many.requests")
    await bot.send_message(user_id=USER + 1, text="другой чат")  # another chat is free
    clock.t += 1.01
    await bot.send_message(user_id=USER, text="3")
    assert [m.text for m in fake.to_user(USER)] == ["1", "2", "3"]
    assert [method for _, method in fake.too_many] == ["POST /messages"]


async def test_two_answers_a_second_into_a_chat(fake: FakeMax, bot: Bot, clock: Clock) -> None:
    await bot.send_message(user_id=USER, text="Выберите", attachments=[keyboard()])
    fake.enforce_limits()
    ids = [fake.press(fake.sent[0], "Записаться")["callback"]["callback_id"] for _ in range(3)]
    await bot.send_callback(ids[0], notification="1")
    await bot.send_callback(ids[1], notification="2")
    with pytest.raises(MaxApiError) as refused:
        await bot.send_callback(ids[2], notification="3")
    assert refused.value.code == 429
    clock.t += 1.01
    await bot.send_callback(ids[2], notification="3")
    assert [a.notification for a in fake.answers] == ["1", "2", "3"]


async def test_the_overall_rate_when_enforced(fake: FakeMax, bot: Bot) -> None:
    fake.enforce_limits(per_second=3, per_chat=None)
    for _ in range(3):
        await bot.get_me()
    with pytest.raises(MaxApiError) as refused:
        await bot.get_me()
    assert refused.value.raw == {"code": "too.many.requests", "message": "Too many requests"}
    await bot.get_updates(timeout=0)  # the long poll is not counted


async def test_fail_windows_hangs_removed_chats_and_blocks(fake: FakeMax, bot: Bot) -> None:
    retrying = make_bot(fake, retries=1)
    try:
        fake.fail_window(1, 503)
        await retrying.send_message(user_id=USER, text="после сбоя")  # maxapi retries 503
        assert fake.failed == [("POST /messages", 503)]
    finally:
        await retrying.close_session()
    fake.fail_window(1, 500)
    with pytest.raises(MaxApiError) as refused:
        await bot.send_message(user_id=USER, text="сбой")
    assert refused.value.raw["code"] == "internal.error"

    group = fake.group()
    fake.remove_bot(group)
    fake.block(USER)
    for target in ({"chat_id": group}, {"user_id": USER}):
        with pytest.raises(MaxApiError) as refused:
            await bot.send_message(text="нельзя", **target)
        assert (refused.value.code, refused.value.raw["code"]) == (403, "chat.denied")
    fake.unblock(USER)

    fake.hang()
    sending = asyncio.ensure_future(bot.send_message(user_id=USER, text="висит"))
    await fake.wait_for(lambda: fake.hanging == 1)
    assert not sending.done() and fake.to_user(USER)[-1].text == "после сбоя"
    fake.unhang()
    await sending
    assert fake.to_user(USER)[-1].text == "висит"


async def test_the_webhook_takes_the_place_of_the_long_poll(fake: FakeMax, bot: Bot) -> None:
    seen: list[tuple[str | None, dict]] = []
    answer = {"status": 200}

    async def endpoint(request: web.Request) -> web.Response:
        seen.append((request.headers.get("X-Max-Bot-Api-Secret"), await request.json()))
        return web.Response(status=answer["status"])

    app = web.Application()
    app.router.add_post("/hook", endpoint)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # maxapi warns about http:// webhooks
            subscribed = await bot.subscribe_webhook(url, update_types=["message_created"],
                                                     secret="s3cret-key_1")
        assert subscribed.success is True
        [sub] = (await bot.get_subscriptions()).subscriptions
        assert (sub.url, sub.update_types) == (url, ["message_created"])
        with pytest.raises(MaxApiError) as refused:
            await bot.get_updates(timeout=0)
        assert refused.value.code == 405

        fake.message(USER, "через вебхук")
        fake.start(USER)  # bot_started is not among the subscription's update types
        [delivery] = await fake.wait_delivered(1)
        await fake.drain()
        assert delivery.ok and delivery.secret == "s3cret-key_1"
        assert seen == [("s3cret-key_1", delivery.update)]
        assert UpdateUnionAdapter.validate_python(seen[0][1]).message.body.text == "через вебхук"

        answer["status"] = 500
        fake.message(USER, "не принято")
        await fake.wait_delivered(2)
        assert fake.deliveries[1].status == 500 and not fake.deliveries[1].ok
        answer["status"] = 200
        [again] = await fake.redeliver()
        assert again.ok and again.update["message"]["body"]["text"] == "не принято"

        assert (await bot.unsubscribe_webhook(url)).success is True
        fake.message(USER, "опять опросом")
        polled = await bot.get_updates(timeout=0)
        assert [u["message"]["body"]["text"] for u in polled["updates"]] == ["опять опросом"]
    finally:
        await runner.cleanup()


async def test_bad_webhook_secrets_are_refused(fake: FakeMax) -> None:
    for secret in ("abcd", "with space", "x" * 257):
        status, body = await raw(fake, "POST", "/subscriptions",
                                 json={"url": "https://example.org/hook", "secret": secret})
        assert (status, body["code"]) == (400, "proto.payload")
    assert fake.subscriptions == []
    status, body = await raw(fake, "GET", "/nowhere")
    assert (status, body["code"]) == (404, "method.not.found")


async def test_close_ends_a_waiting_long_poll() -> None:
    fake = FakeMax(TOKEN)
    await fake.serve()
    polling = asyncio.ensure_future(raw(fake, "GET", "/updates", params={"timeout": "60"}))
    await fake.polling.wait()
    started = time.monotonic()
    await fake.close()
    await asyncio.gather(polling, return_exceptions=True)
    assert time.monotonic() - started < 5
