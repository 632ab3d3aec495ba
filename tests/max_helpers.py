"""Shared by the MAX tests: a MAX transport on the fake MAX Bot API, and a person who talks
to it (updates handed to the transport as the long poll would)."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from bot import app as composition
from bot.app import App
from bot.appeals.staff_power import create_invite
from handlers.max import MaxTransport
from tests.chat import unpaced, with_app
from tests.fake_max import FakeMax, SentMessage


def max_settings_update(fake: FakeMax, **extra: Any) -> dict[str, Any]:
    return {"max_bot_token": SecretStr(fake.token), "max_api_url": fake.base_url, **extra}


async def max_transport(app: App, fake: FakeMax, *, start: bool = True,
                        **settings: Any) -> MaxTransport:
    app.settings = app.settings.model_copy(update=max_settings_update(fake, **settings))
    transport = with_app(composition.max_transport(app), app)
    unpaced(transport.sender)
    transport.sender.answer_interval = 0.0
    if start:
        await transport.start()
        app.courier.add_sender(transport.sender)
    return transport


class MaxPerson:
    """One MAX user in their dialog with the bot, or in a group chat (`group`: its negative
    chat_id). Every action returns what the bot sent into that chat meanwhile."""

    def __init__(self, app: App, transport: MaxTransport, fake: FakeMax, user_id: int,
                 group: int | None = None, name: tuple[str, str] = ("Иван", "Петров")) -> None:
        self.app, self.transport, self.fake = app, transport, fake
        self.user_id, self.group = user_id, group
        fake.user(user_id, *name)
        if group is not None:
            fake.group(group, members=(user_id,))

    @property
    def chat(self) -> int:
        """The fake's chat id of this conversation (a dialog's is not the user id)."""
        return self.group if self.group is not None else self.fake.dialog(self.user_id)

    @property
    def chat_id(self) -> str:
        """The chat as the bot names it (a dialog by the person's user id)."""
        return str(self.group if self.group is not None else self.user_id)

    async def feed(self, update: dict[str, Any]) -> list[SentMessage]:
        before = len(self.fake.sent)
        assert await self.transport.process(update)
        await self.app.courier.flush()
        return [m for m in self.fake.sent[before:] if m.chat_id == self.chat]

    async def say(self, text: str, reply_to: Any = None, **fields: Any) -> list[SentMessage]:
        kind = "chat" if self.group is not None else "dialog"
        return await self.feed(self.fake.message(self.user_id, text, chat_id=self.group,
                                                 chat_type=kind, reply_to=reply_to,
                                                 inject=False, **fields))

    async def start(self, payload: str | None = None) -> list[SentMessage]:
        return await self.feed(self.fake.start(self.user_id, payload, inject=False))

    def last(self) -> SentMessage:
        sent = self.fake.to(self.chat)
        assert sent, f"nothing sent to {self.chat}"
        return sent[-1]

    def last_with_button(self, label: str) -> SentMessage:
        for message in reversed(self.fake.to(self.chat)):
            if any(label in text for text in message.labels):
                return message
        raise AssertionError(f"no message with button {label!r} in {self.chat}")

    async def press(self, label: str, on: SentMessage | None = None) -> list[SentMessage]:
        message = on or self.last_with_button(label)
        return await self.feed(self.fake.press(message, label, user_id=self.user_id,
                                               inject=False))

    async def confirm_answer(self) -> list[SentMessage]:
        return await self.press("Отправить гражданину")

    async def invite_token(self, role: str = "admin", institution: str | None = None) -> str:
        async with self.app.db.unit() as repos:
            return await create_invite(repos, role, institution, self.app.clock.now())

    async def file_appeal(self, institution_query: str = "котельничская црб",
                          text: str = "В регистратуре третий день не берут трубку",
                          **fields: Any) -> SentMessage:
        await self.say("/appeal")
        await self.say(institution_query)
        await self.say(text, **fields)
        await self.press("Регистратура")
        await self.press("Согласен")
        replies = await self.press("Отправить")
        assert replies and "зарегистрировано" in (replies[0].text or ""), [
            m.text for m in replies]
        return replies[0]
