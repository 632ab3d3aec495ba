"""The fakes' rate limits and faults (tests/fake_telegram.py, tests/fake_vk.py), driven
directly: FakeTelegram.call in-process (or over HTTP), FakeVk over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramMigrateToChat, TelegramRetryAfter
from aiogram.types import Update

from tests.fake_telegram import BOT_USER, ApiError, FakeBotApiServer, FakeTelegram, recording_session
from tests.fake_vk import CHAT_PEER_BASE, FakeVk

GROUP, USER = -100500, 1001


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


async def send(fake: FakeTelegram, chat_id: int, text: str = "hi") -> Any:
    return await fake.call("sendMessage", {"chat_id": str(chat_id), "text": text})


async def refused(fake: FakeTelegram, chat_id: int, method: str = "sendMessage",
                  **params: Any) -> ApiError:
    with pytest.raises(ApiError) as info:
        await fake.call(method, {"chat_id": str(chat_id), "text": "hi", **params})
    return info.value


# Telegram: rate limits


async def test_telegram_limits_are_off_by_default() -> None:
    fake = FakeTelegram()
    for _ in range(40):
        await send(fake, GROUP)
        await send(fake, USER)
    assert len(fake.to(GROUP)) == len(fake.to(USER)) == 40
    assert len(fake.accepted_times[GROUP]) == 40 and fake.too_many == []


async def test_telegram_group_gets_20_a_minute_then_429_until_the_window_frees() -> None:
    clock = Clock()
    fake = FakeTelegram(now=clock)
    fake.enforce_limits()
    start = clock.t
    for _ in range(20):
        await send(fake, GROUP)
        clock.advance(1.0)
    error = await refused(fake, GROUP)  # at start+20: the first send leaves at start+60
    assert (error.code, error.parameters) == (429, {"retry_after": 40})
    assert error.description == "Too Many Requests: retry after 40"
    assert fake.too_many == [(start + 20, "sendMessage", GROUP)]
    assert len(fake.to(GROUP)) == 20 and len(fake.accepted_times[GROUP]) == 20
    clock.advance(39.5)
    assert (await refused(fake, GROUP)).parameters == {"retry_after": 1}  # 0.5 s: at least 1
    clock.advance(0.5)
    await send(fake, GROUP)  # the window is full again: the next frees at start+61
    clock.advance(1.0)
    await fake.call("editMessageText", {"chat_id": str(GROUP), "message_id": "1", "text": "e"})
    assert (await refused(fake, GROUP)).code == 429  # the edit counted


async def test_telegram_private_chat_gets_one_a_second_and_30_a_second_overall() -> None:
    clock = Clock()
    fake = FakeTelegram(now=clock)
    fake.enforce_limits()
    await send(fake, USER)
    assert (await refused(fake, USER)).parameters == {"retry_after": 1}
    clock.advance(1.0)
    await send(fake, USER)
    for chat in range(1, 30):  # USER's send is in this second too: 30
        await send(fake, chat)
    error = await refused(fake, 31)
    assert error.code == 429 and fake.too_many[-1][1:] == ("sendMessage", 31)
    clock.advance(1.0)
    await send(fake, 31)


async def test_telegram_429_and_migration_reach_aiogram_as_its_exceptions() -> None:
    clock = Clock()
    fake = FakeTelegram(now=clock)
    fake.enforce_limits(private_per_s=1)
    bot = Bot("123:TEST", session=recording_session(fake))
    await bot.send_message(USER, "one")
    with pytest.raises(TelegramRetryAfter) as retry:
        await bot.send_message(USER, "two")
    assert retry.value.retry_after == 1
    fake.migrate(GROUP, -100777)
    with pytest.raises(TelegramMigrateToChat) as moved:
        await bot.send_message(GROUP, "three")
    assert moved.value.migrate_to_chat_id == -100777


# Telegram: faults


async def test_telegram_fail_window_ends() -> None:
    clock = Clock()
    fake = FakeTelegram(now=clock)
    fake.fail_window(3)
    error = await refused(fake, USER)
    assert (error.code, error.description) == (500, "Internal Server Error")
    assert (await fake.call("getMe", {}))["id"] == BOT_USER["id"]  # not a sending method
    clock.advance(3)
    await send(fake, USER)
    fake.fail_window(1, 502, "Bad Gateway", methods=["getMe"])
    assert (await refused(fake, 0, "getMe")).code == 502
    await send(fake, USER)
    assert fake.texts_to(USER) == ["hi", "hi"]


async def test_telegram_hung_chat_waits_until_unhang() -> None:
    fake = FakeTelegram()
    fake.hang(USER)
    task = asyncio.create_task(send(fake, USER, "late"))
    await fake.wait_until(lambda: fake.hanging == 1, 2)
    await send(fake, 2002)  # other chats are served
    assert not task.done() and fake.to(USER) == []
    fake.unhang(USER)
    await asyncio.wait_for(task, 2)
    assert fake.texts_to(USER) == ["late"] and fake.hanging == 0


async def test_telegram_revoked_token_answers_401_to_everything() -> None:
    fake = FakeTelegram()
    fake.revoke_token()
    for method in ("getMe", "getUpdates", "sendMessage"):
        assert (await refused(fake, USER, method)).code == 401
    assert [m for _, m in fake.unauthorized] == ["getMe", "getUpdates", "sendMessage"]
    fake.restore_token()
    await send(fake, USER)


async def test_telegram_kicked_and_migrated_chats() -> None:
    fake = FakeTelegram()
    fake.kick(GROUP)
    fake.kick(USER)
    assert (await refused(fake, GROUP)).description == (
        "Forbidden: bot was kicked from the group chat")
    error = await refused(fake, USER)
    assert (error.code, error.description) == (403, "Forbidden: bot was blocked by the user")
    fake.chat_types[2002] = "kicked"  # the older trick still works
    assert (await refused(fake, 2002)).code == 403
    fake.migrate(-500, -100500500)
    error = await refused(fake, -500, "copyMessage", from_chat_id="1", message_id="1")
    assert error.code == 400 and error.parameters == {"migrate_to_chat_id": -100500500}
    assert "upgraded to a supergroup" in error.description
    assert fake.chat_types[-100500500] == "supergroup"
    assert fake.sent == []


async def test_telegram_member_and_migration_updates_parse_in_aiogram() -> None:
    fake = FakeTelegram()
    removed = Update.model_validate(fake.bot_removed(GROUP, by_user_id=7))
    member = removed.my_chat_member
    assert member is not None and member.chat.id == GROUP and member.from_user.id == 7
    assert (member.old_chat_member.status, member.new_chat_member.status) == ("member", "left")
    assert member.new_chat_member.user.id == BOT_USER["id"]
    assert (await refused(fake, GROUP)).code == 403
    added = Update.model_validate(fake.bot_added(GROUP))
    assert added.my_chat_member is not None
    assert added.my_chat_member.new_chat_member.status == "member"
    await send(fake, GROUP)

    service = Update.model_validate(fake.migrated(-500, -100500500))
    assert service.message is not None and service.message.text is None
    assert service.message.migrate_to_chat_id == -100500500
    assert service.message.chat.type == "group"
    assert (await refused(fake, -500)).parameters == {"migrate_to_chat_id": -100500500}
    assert [u["update_id"] for u in fake.updates] == [
        removed.update_id, added.update_id, service.update_id]


@pytest.fixture
async def tg_server() -> AsyncIterator[FakeBotApiServer]:
    server = FakeBotApiServer(FakeTelegram())
    await server.start()
    yield server
    await server.stop()


async def post(server: FakeBotApiServer, method: str, **params: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session, session.post(
            f"{server.url}/bot{server.token}/{method}", data=params) as response:
        return await response.json()


async def test_telegram_server_drops_connections_before_or_after_handling(
        tg_server: FakeBotApiServer) -> None:
    fake = tg_server.fake
    tg_server.drop_next(1)
    tg_server.drop_before(1)
    assert (await post(tg_server, "getMe"))["ok"]  # only sending methods are dropped
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await post(tg_server, "sendMessage", chat_id=str(USER), text="lost")
    assert fake.to(USER) == []  # dropped before it was handled
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await post(tg_server, "sendMessage", chat_id=str(USER), text="stored")
    assert fake.texts_to(USER) == ["stored"]  # handled, only the answer was lost
    answer = await post(tg_server, "sendMessage", chat_id=str(USER), text="again")
    assert answer["ok"] and answer["result"]["message_id"] == 2
    assert tg_server.dropped == [("sendMessage", False), ("sendMessage", True)]


async def test_telegram_server_stop_releases_hung_calls() -> None:
    server = FakeBotApiServer(FakeTelegram())
    await server.start()
    server.fake.hang(USER)
    task = asyncio.create_task(post(server, "sendMessage", chat_id=str(USER), text="x"))
    await server.fake.wait_until(lambda: server.fake.hanging, 2)
    await asyncio.wait_for(server.stop(), 2)
    with contextlib.suppress(aiohttp.ClientError):  # a 502, if it got out in time
        assert not (await asyncio.wait_for(task, 2))["ok"]
    assert server.fake.sent == []


# VK


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def vk(clock: Clock) -> AsyncIterator[FakeVk]:
    fake = FakeVk(now=clock)
    await fake.start()
    yield fake
    await fake.close()


async def vk_call(fake: FakeVk, method: str, **params: Any) -> Any:
    """The decoded answer: {"response"} or {"error"}, or (status, text) for non-JSON."""
    data = {"access_token": fake.token, "v": "5.199", **{k: str(v) for k, v in params.items()}}
    async with aiohttp.ClientSession() as session, session.post(
            f"{fake.base_url}/method/{method}", data=data) as response:
        if response.content_type != "application/json":
            return response.status, await response.text()
        return await response.json()


def vk_error(answer: Any) -> int:
    return answer["error"]["error_code"] if "error" in answer else 0


async def vk_send(fake: FakeVk, peer: int, random_id: int = 0, **params: Any) -> Any:
    return await vk_call(fake, "messages.send", peer_id=peer, random_id=random_id,
                         message="hi", **params)


async def test_vk_limits_20_calls_a_second_not_the_long_poll(vk: FakeVk, clock: Clock) -> None:
    vk.enforce_limits()
    for _ in range(10):
        assert "response" in await vk_send(vk, 501)
        assert "response" in await vk_call(vk, "users.get", user_ids="501")
    async with aiohttp.ClientSession() as session, session.get(
            f"{vk.base_url}/lp", params={"key": vk.lp_key, "ts": "0", "wait": "0"}) as lp:
        assert "updates" in await lp.json()
    answer = await vk_send(vk, 501)
    assert vk_error(answer) == 6
    assert answer["error"]["error_msg"] == "Too many requests per second"
    assert vk.too_many == [(clock.t, "messages.send")]
    assert len(vk.accepted_times[501]) == 10 and len(vk.to(501)) == 10
    clock.advance(1.0)
    assert "response" in await vk_send(vk, 501)


async def test_vk_dedupe_hits_are_counted(vk: FakeVk) -> None:
    first = await vk_send(vk, 501, random_id=7)
    again = await vk_send(vk, 501, random_id=7)
    assert first == again and len(vk.to(501)) == 1
    assert vk.dedupe_hits == 1 and len(vk.accepted_times[501]) == 2
    await vk_send(vk, 502, random_id=7)  # another peer: not a duplicate
    assert vk.dedupe_hits == 1


async def test_vk_error_windows_end(vk: FakeVk, clock: Clock) -> None:
    vk.error_window(2)
    answer = await vk_send(vk, 501)
    assert (vk_error(answer), answer["error"]["error_msg"]) == (10, "Internal server error")
    assert vk_error(await vk_call(vk, "messages.edit", peer_id=501, message="x",
                                  conversation_message_id=1)) == 10
    assert "response" in await vk_call(vk, "users.get", user_ids="1")
    clock.advance(2)
    assert "response" in await vk_send(vk, 501)

    vk.http_error_window(1, status=502)
    status, text = await vk_send(vk, 501)
    assert status == 502 and "<html>" in text
    assert "response" in await vk_call(vk, "users.get", user_ids="1")
    clock.advance(1)
    assert "response" in await vk_send(vk, 501)
    assert len(vk.to(501)) == 2


async def test_vk_hung_peer_waits_until_unhang(vk: FakeVk) -> None:
    vk.hang(501)
    task = asyncio.create_task(vk_send(vk, 501))
    await vk.wait_for(lambda: vk.hanging == 1, 2)
    assert "response" in await vk_send(vk, 502)
    assert not task.done() and vk.to(501) == []
    vk.unhang(501)
    assert "response" in await asyncio.wait_for(task, 2)
    assert len(vk.to(501)) == 1


async def test_vk_close_releases_hung_calls() -> None:
    fake = FakeVk()
    await fake.start()
    fake.hang(501)
    task = asyncio.create_task(vk_send(fake, 501))
    await fake.wait_for(lambda: fake.hanging, 2)
    await asyncio.wait_for(fake.close(), 2)
    with contextlib.suppress(aiohttp.ClientError):
        await asyncio.wait_for(task, 2)
    assert fake.sent == []


async def test_vk_revoked_token_and_removed_chat(vk: FakeVk) -> None:
    vk.revoke_token()
    answer = await vk_call(vk, "groups.getById")
    assert vk_error(answer) == 5 and "invalid access_token" in answer["error"]["error_msg"]
    vk.restore_token()
    chat = CHAT_PEER_BASE + 3
    assert "response" in await vk_send(vk, chat)
    vk.remove_from_chat(chat)
    answer = await vk_send(vk, chat)
    assert (vk_error(answer), answer["error"]["error_msg"]) == (
        917, "You don't have access to this chat")
    assert vk_error(await vk_call(vk, "messages.edit", peer_id=chat, message="x",
                                  conversation_message_id=1)) == 917
    vk.blocked.add(501)
    assert vk_error(await vk_send(vk, 501)) == 901
    many = await vk_call(vk, "messages.send", peer_ids=f"{chat},501,502", random_id=0,
                         message="all")
    assert [r.get("error", {}).get("code") for r in many["response"]] == [917, 901, None]


async def test_vk_bot_removed_and_added_events(vk: FakeVk) -> None:
    chat = CHAT_PEER_BASE + 4
    removed = vk.bot_removed(chat, by=501)
    message = removed["object"]["message"]
    assert (message["peer_id"], message["from_id"]) == (chat, 501)
    assert message["action"] == {"type": "chat_kick_user", "member_id": -vk.group_id}
    assert vk.updates[-1] is removed and chat in vk.removed_from
    assert vk_error(await vk_send(vk, chat)) == 917
    added = vk.bot_added(chat, inject=False)
    assert added["object"]["message"]["action"] == {"type": "chat_invite_user",
                                                    "member_id": -vk.group_id}
    assert vk.updates[-1] is removed  # not injected
    assert "response" in await vk_send(vk, chat)
