"""Shared by the VK tests: a VK transport on a fake VK API, and a person who talks to it."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from bot import app as composition
from bot.app import App
from bot.appeals.staff_power import create_invite
from handlers.vk import VkTransport
from tests.chat import unpaced, with_app
from tests.fake_vk import CHAT_PEER_BASE, FakeVk, SentMessage
from tests.texts_helpers import filled, invite_accepted


def vk_settings_update(fake: FakeVk, **extra: Any) -> dict[str, Any]:
    return {"vk_group_token": SecretStr(fake.token), "vk_api_url": fake.base_url, **extra}


async def vk_transport(app: App, fake: FakeVk, **settings: Any) -> VkTransport:
    app.settings = app.settings.model_copy(update=vk_settings_update(fake, **settings))
    transport = with_app(composition.vk_transport(app), app)
    await transport.start()
    unpaced(transport.sender)
    app.courier.add_sender(transport.sender)
    return transport


class VkPerson:
    """One VK user in one conversation, talking through the transport (the events
    are routed in-process as the long poll would) and the outbox."""

    def __init__(self, app: App, transport: VkTransport, fake: FakeVk, user_id: int,
                 peer_id: int | None = None, name: tuple[str, str] | None = None) -> None:
        self.app = app
        self.transport = transport
        self.fake = fake
        self.user_id = user_id
        self.peer_id = peer_id if peer_id is not None else user_id
        if name:
            fake.names[user_id] = name

    @property
    def is_chat(self) -> bool:
        return self.peer_id >= CHAT_PEER_BASE

    async def feed(self, update: dict[str, Any]) -> list[SentMessage]:
        """Route an update; returns the messages sent to this conversation meanwhile
        (direct replies and outbox deliveries)."""
        before = len(self.fake.sent)
        await self.transport.submit(update)
        await self.app.courier.flush()
        return [m for m in self.fake.sent[before:] if m.peer_id == self.peer_id]

    async def say(self, text: str, **fields: Any) -> list[SentMessage]:
        update = self.fake.message_new(self.user_id, text, peer_id=self.peer_id, inject=False,
                                       **fields)
        return await self.feed(update)

    def last(self) -> SentMessage:
        sent = self.fake.to(self.peer_id)
        assert sent, f"nothing sent to {self.peer_id}"
        return sent[-1]

    def last_with_button(self, label: str) -> SentMessage:
        for message in reversed(self.fake.to(self.peer_id)):
            if any(label in text for text in message.labels):
                return message
        raise AssertionError(f"no message with button {label!r} in {self.peer_id}")

    async def press(self, label: str, on: SentMessage | None = None) -> list[SentMessage]:
        message = on or self.last_with_button(label)
        update = self.fake.press(self.user_id, message, label, inject=False)
        update["object"]["peer_id"] = self.peer_id
        return await self.feed(update)

    async def confirm_answer(self) -> list[SentMessage]:
        """«Отправить гражданину» under the draft the bot showed back."""
        return await self.press("Отправить гражданину")

    async def accept_invite(self, role: str, institution_id: str | None,
                            mention: bool = False) -> None:
        async with self.app.db.unit() as repos:
            token = await create_invite(repos, role, institution_id, self.app.clock.now())
        prefix = f"[club{self.fake.group_id}|@medfront] " if mention else ""
        replies = await self.say(f"{prefix}/start inv_{token}")
        assert replies and filled(invite_accepted(role), replies[-1].text), [
            m.text for m in replies]

    async def file_appeal(self, institution_query: str = "котельничская црб",
                          text: str = "В регистратуре третий день не берут трубку",
                          attachments: list[dict[str, Any]] | None = None) -> SentMessage:
        await self.say("/appeal")
        await self.say(institution_query)
        await self.say(text, attachments=attachments)
        await self.press("Регистратура")
        await self.press("Согласен")
        replies = await self.press("Отправить")
        assert replies and "зарегистрировано" in replies[0].text, [m.text for m in replies]
        return replies[0]
