"""Test drivers: a chat that talks to Dialog.handle, and a sender that records deliveries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from bot.app import App
from bot.appeals.staff_power import create_invite
from bot.delivery.pacing import RateLimiter
from bot.delivery.ports import Failure, Limits, SendError
from bot.dialog.types import Attachment, Button, Incoming, Message, Reply
from tests.texts_helpers import filled, invite_accepted

# Tests drive senders as fast as they go; the pacing has tests of its own.
NO_LIMITS = Limits(overall_per_s=1e6, private_interval=0.0, group_interval=0.0)

T = TypeVar("T")


def with_app(transport: T, app: App) -> T:
    """A transport never sees the App (it gets the dialog, its sender, its settings and a
    few ports); a test's people reach the app it was wired from as `transport.app`, to
    flush the delivery and read the database."""
    vars(transport)["app"] = app
    return transport


def unpaced(sender: object) -> None:
    """Take a real transport's sender off its platform's pace (for fast tests)."""
    sender.limits = NO_LIMITS  # type: ignore[attr-defined]
    sender.limiter = RateLimiter(NO_LIMITS.overall_per_s)  # type: ignore[attr-defined]


def outgoing(chat_id: str, text: str, buttons: list[list[Button]] | None = None,
             attachments: tuple[Attachment, ...] = (), source_platform: str = "",
             key: str = "test") -> tuple[str, Message, str]:
    """The arguments of Sender.send for one message (attachments from `source_platform`)."""
    atts = tuple(a if a.platform else Attachment(a.kind, a.ref, a.source_chat_id,
                                                 a.source_message_id, source_platform)
                 for a in attachments)
    return chat_id, Message(text, buttons or [], atts), key


@dataclass
class Delivered:
    platform: str
    chat_id: str
    text: str
    buttons: list[list[Button]]
    message_id: str
    attachments: tuple[Attachment, ...] = ()
    edits: list[str] = field(default_factory=list)
    key: str = ""


class RecordingSender:
    """Plays every platform: numbers messages, records sends and edits, can fail on demand."""

    def __init__(self) -> None:
        self.messages: list[Delivered] = []
        self.fail_next: list[SendError] = []
        self._next_id = 100

    def for_platform(self, platform: str) -> _PlatformSender:
        return _PlatformSender(self, platform)

    def to(self, chat_id: str) -> list[Delivered]:
        return [m for m in self.messages if m.chat_id == chat_id]

    def last_to(self, chat_id: str) -> Delivered:
        sent = self.to(chat_id)
        assert sent, f"nothing was sent to {chat_id}; sent: {[m.chat_id for m in self.messages]}"
        return sent[-1]


class _PlatformSender:
    limits = NO_LIMITS

    def __init__(self, recorder: RecordingSender, platform: str) -> None:
        self.recorder = recorder
        self.platform = platform
        self.limiter = RateLimiter(self.limits.overall_per_s)

    def is_group(self, chat_id: str) -> bool:
        return chat_id.startswith("-")

    async def send(self, chat_id: str, message: Message, key: str) -> str:
        if self.recorder.fail_next:
            raise self.recorder.fail_next.pop(0)
        self.recorder._next_id += 1
        message_id = str(self.recorder._next_id)
        self.recorder.messages.append(Delivered(
            self.platform, chat_id, message.text, message.buttons, message_id,
            message.attachments, key=key))
        return message_id

    async def edit(self, chat_id: str, message_id: str, message: Message) -> None:
        for m in self.recorder.messages:
            if m.chat_id == chat_id and m.message_id == message_id:
                m.edits.append(message.text)
                m.text, m.buttons = message.text, message.buttons
                return
        raise SendError("message to edit not found", Failure.REJECTED)


class Chat:
    """One person in one chat. `say` and `press` return the bot's replies and deliver
    the outbox, as a running bot would."""

    def __init__(self, app: App, sender: RecordingSender, platform: str, user_id: str,
                 name: str = "", chat_id: str | None = None, is_group: bool = False) -> None:
        self.app = app
        self.sender = sender
        self.platform = platform
        self.user_id = user_id
        self.chat_id = chat_id or user_id
        self.name = name
        self.is_group = is_group
        self.replies: list[Reply] = []

    async def send(self, **fields: object) -> list[Reply]:
        incoming = Incoming(platform=self.platform, chat_id=self.chat_id, user_id=self.user_id,
                            user_name=self.name, is_group=self.is_group, **fields)  # type: ignore[arg-type]
        self.replies = await self.app.dialog.handle(incoming)
        await self.app.courier.flush()
        return self.replies

    async def say(self, text: str, **fields: object) -> list[Reply]:
        return await self.send(text=text, **fields)

    async def press(self, label: str) -> list[Reply]:
        """Press the button whose text contains `label` in the latest replies."""
        return await self.send(payload=self.button(label).payload)

    def sees(self, message: Delivered) -> None:
        """Make a delivered message the latest one, so `press` finds its buttons."""
        self.replies = [Reply(message.text, message.buttons)]

    def button(self, label: str) -> Button:
        for reply in reversed(self.replies):
            for row in reply.buttons:
                for b in row:
                    if label in b.text:
                        return b
        raise AssertionError(f"no button {label!r} in {self.texts()} / {self.labels()}")

    def labels(self) -> list[str]:
        return [b.text for r in self.replies for row in r.buttons for b in row]

    def texts(self) -> str:
        return "\n---\n".join(r.text for r in self.replies)

    async def accept_invite(self, role: str, institution_id: str | None) -> None:
        async with self.app.db.unit() as repos:
            token = await create_invite(repos, role, institution_id, self.app.clock.now())
        await self.say(f"/start inv_{token}")
        assert filled(invite_accepted(role), self.texts()), self.texts()

    async def fill_appeal(self, institution_query: str = "котельничская црб",
                          text: str = "В регистратуре третий день не берут трубку",
                          category: str = "Регистратура") -> None:
        """The citizen form up to the consent question."""
        await self.say("/appeal")
        await self.say(institution_query)
        await self.say(text)
        await self.press(category)

    async def file_appeal(self, institution_query: str = "котельничская црб",
                          text: str = "В регистратуре третий день не берут трубку") -> int:
        """The whole citizen form; returns the new appeal's id."""
        await self.fill_appeal(institution_query, text)
        await self.press("Согласен")
        await self.press("Отправить")
        assert "зарегистрировано" in self.texts(), self.texts()
        appeal_id = self.replies[0].appeal_id
        assert appeal_id is not None
        return appeal_id
