"""Shared by the Telegram tests: the transport on an in-process fake Bot API (the fixtures
`fake` and `tg` live in conftest.py), and a person who talks to it."""

from __future__ import annotations

from typing import Any

from bot import texts
from bot.app import App
from bot.appeals.staff_power import create_invite
from handlers.telegram import TelegramTransport
from tests.conftest import KOTELNICH
from tests.fake_telegram import FakeTelegram, Sent
from tests.texts_helpers import filled

CITIZEN = 1001
ADMIN = 2001
GROUP = -100500
OTHER_ADMIN = 4005


class TgUser:
    """One person in one Telegram chat; every action returns what the bot sent there."""

    def __init__(self, tg: TelegramTransport, fake: FakeTelegram, user_id: int,
                 chat_id: int | None = None, name: str = "Иван Петров",
                 chat_type: str = "private") -> None:
        self.tg, self.fake = tg, fake
        self.user_id, self.chat_id = user_id, chat_id or user_id
        self.name, self.chat_type = name, chat_type

    async def feed(self, update: dict[str, Any]) -> list[Sent]:
        before = len(self.fake.to(self.chat_id))
        await self.tg.feed(update)
        await self.tg.app.courier.flush()
        return self.fake.to(self.chat_id)[before:]

    async def say(self, text: str | None, **kw: Any) -> list[Sent]:
        return await self.feed(self.fake.message(self.chat_id, self.user_id, text,
                                                 name=self.name, chat_type=self.chat_type,
                                                 **kw))

    async def press(self, message: Sent, prefix: str) -> list[Sent]:
        return await self.press_data(message.message_id, message.payload(prefix))

    async def press_data(self, message_id: int, data: str) -> list[Sent]:
        return await self.feed(self.fake.press(self.chat_id, self.user_id, message_id, data,
                                               name=self.name))

    def last(self) -> Sent:
        return self.fake.to(self.chat_id)[-1]

    async def confirm_answer(self) -> list[Sent]:
        """«Отправить гражданину» under the draft the bot showed back."""
        draft = next(m for m in reversed(self.fake.to(self.chat_id))
                     if any(p.startswith("st:ansok:") for p in m.payloads()))
        return await self.press(draft, "st:ansok:")


def joined(sent: list[Sent]) -> str:
    return "\n---\n".join(m.text for m in sent)


async def accept_invite(app: App, user: TgUser, institution: str = KOTELNICH) -> list[Sent]:
    async with app.db.unit() as repos:
        token = await create_invite(repos, "admin", institution, app.clock.now())
    sent = await user.say(f"/start inv_{token}")
    assert filled(texts.INVITE_ACCEPTED_ADMIN, joined(sent)), joined(sent)
    return sent


async def make_operator(app: App, tg: TelegramTransport, fake: FakeTelegram,
                        user_id: int = 9001) -> TgUser:
    """A ministry operator (as OPERATORS_TELEGRAM would make one), in their private chat."""
    from bot.appeals.staff_power import grant_role

    async with app.db.unit() as repos:
        await grant_role(repos, platform="telegram", user_id=str(user_id), chat_id=str(user_id),
                         role="operator", institution_id=None, now=app.clock.now())
    return TgUser(tg, fake, user_id, name="Оператор")


async def add_to_group(boss: TgUser, colleague: TgUser) -> list[Sent]:
    """The group's admin makes a colleague staff of the group: /staff add, as a reply."""
    sent = await boss.say("/staff add", reply_to=1, reply_to_user=colleague.user_id)
    assert filled(texts.STAFF_ADDED, joined(sent)), joined(sent)
    return sent


async def fill_appeal(citizen: TgUser, text: str = "В регистратуре третий день не берут трубку",
                      institution: str = "котельничская црб", **kw: Any) -> Sent:
    """The citizen form up to the confirmation; returns the message with «Отправить»."""
    await citizen.say("/appeal")
    sent = await citizen.say(institution)
    sent = await citizen.say(text, **kw)
    sent = await citizen.press(sent[-1], "cat:registry")
    sent = await citizen.press(sent[-1], "consent:yes")
    return sent[-1]


async def file_appeal(citizen: TgUser, text: str = "В регистратуре третий день не берут трубку",
                      **kw: Any) -> int:
    sent = await citizen.press(await fill_appeal(citizen, text, **kw), "confirm:send")
    assert "зарегистрировано" in joined(sent), joined(sent)
    async with citizen.tg.app.db.unit() as repos:
        return (await repos.appeals.of_citizen(
            (await repos.people.find_user("telegram", str(citizen.user_id))).id))[0].id


async def status(app: App, appeal_id: int) -> str:
    async with app.db.unit() as repos:
        return (await repos.appeals.get(appeal_id)).status
