"""Parity: the same scripted conversations run through the Telegram adapter (its own update
translation, fake Bot API), the VK adapter (its own event translation, fake VK API) and the
MAX adapter (its own update translation, fake MAX Bot API; the staff invite comes as the
Start button's deep-link payload, as MAX sends it), each on its own fresh database with the
same frozen clock, produce the same texts and the same buttons, step by step: what the
acting person sees and what reaches the other side (cards, answers, card edits).

Normalised away, and only this: the platform's name in a card ("От: ... (Telegram)" vs
"(ВКонтакте)" vs "(MAX)"), the hint on how to search for a page in the citizen's own
messenger (texts.SEARCH_HINT_TELEGRAM / SEARCH_HINT_VK, and the web search hint MAX gets
besides), and labels longer than VK's 40 characters, which VK shows cut
(handlers.vk_sender.vk_label). Keyboard layout may differ (VK merges rows to fit its
6-row limit); the buttons, their order and their payloads may not.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode

from bot import texts
from bot.app import App, build_app, telegram_transport
from bot.appeals.staff_power import create_invite
from bot.clock import FixedClock
from bot.config import Settings
from handlers.max import MaxTransport
from handlers.telegram import TelegramTransport
from handlers.vk import VkTransport
from handlers.vk_sender import vk_label
from tests.chat import unpaced
from tests.conftest import KOTELNICH
from tests.fake_max import FakeMax
from tests.fake_max import SentMessage as MaxSent
from tests.fake_telegram import FakeTelegram, Sent, recording_session
from tests.fake_vk import FakeVk, SentMessage
from tests.max_helpers import max_transport
from tests.vk_helpers import vk_transport

MOMENT = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
NAMES = {"citizen": ("Иван", "Петров"), "admin": ("Ольга", "Смирнова")}

# A step: (who, action, argument). Actions: say, press (a label in the latest message that
# has it), reply_card (reply to the latest card in the admin's chat), invite.
Step = tuple[str, str, str]

FAQ: list[Step] = [
    ("citizen", "say", "/start"),
    ("citizen", "press", texts.BTN_FAQ),
    ("citizen", "say", "как записаться к врачу"),
    ("citizen", "press", texts.BTN_YES_HELPED),
    ("citizen", "press", texts.BTN_MENU),
    ("citizen", "say", "сколько стоит парковка у больницы на луне"),
    ("citizen", "say", "/faq справка для бассейна"),
]
FIND: list[Step] = [
    ("citizen", "say", "/find"),
    ("citizen", "say", "котельничская црб"),
    ("citizen", "say", "/find больница"),
    ("citizen", "press", "pick:0"),
    ("citizen", "say", "/find"),
    ("citizen", "say", "х"),
    ("citizen", "press", texts.BTN_CANCEL),
]
APPEAL_AND_ANSWER: list[Step] = [
    ("admin", "invite", KOTELNICH),
    ("citizen", "say", "/appeal"),
    ("citizen", "say", "котельничская црб"),
    ("citizen", "say", "коротко"),
    ("citizen", "say", "В регистратуре третий день не берут трубку, с утра до вечера."),
    ("citizen", "say", "а можно без кнопок?"),
    ("citizen", "press", "Регистратура"),
    ("citizen", "press", "Согласен"),
    ("citizen", "press", texts.BTN_SEND),
    ("citizen", "say", "/my"),
    ("admin", "say", "/queue"),
    ("admin", "press", texts.BTN_TAKE),
    ("admin", "reply_card", "Телефон регистратуры починили, звоните с 8 до 20."),
    ("admin", "press", texts.BTN_SEND_ANSWER),
    ("citizen", "press", "4 ⭐"),
    ("citizen", "say", "/my"),
]
CANCEL: list[Step] = [
    ("citizen", "say", "/cancel"),
    ("citizen", "say", "/appeal"),
    ("citizen", "say", "котельничская црб"),
    ("citizen", "press", texts.BTN_CANCEL),
    ("citizen", "say", "/appeal"),
    ("citizen", "say", "/cancel"),
    ("citizen", "press", texts.BTN_MY),
    ("citizen", "say", "/stats"),
    ("citizen", "say", "/nonsense"),
]
STAFF_BY_BUTTON: list[Step] = [
    ("admin", "invite", KOTELNICH),
    ("citizen", "say", "/appeal"),
    ("citizen", "say", "котельничская црб"),
    ("citizen", "say", "Спасибо врачам хирургического отделения за заботу!"),
    ("citizen", "press", "Благодарность"),
    ("citizen", "press", "Согласен"),
    ("citizen", "press", texts.BTN_SEND),
    ("admin", "press", texts.BTN_ANSWER),
    ("admin", "say", "Спасибо, передали."),
    ("admin", "press", texts.BTN_EDIT_ANSWER),
    ("admin", "say", "Спасибо, передали благодарность отделению."),
    ("admin", "press", texts.BTN_SEND_ANSWER),
    ("citizen", "press", texts.BTN_UNSOLVED),
    ("admin", "press", texts.BTN_CLOSE),
    ("admin", "press", texts.CLOSE_REASONS["phone"]),
    ("citizen", "press", texts.BTN_UNSOLVED),
]

# What one step produced: for each message sent or edited, (who, kind, text, buttons).
Seen = list[tuple[str, str, str, list[tuple[str, str]]]]


def normalise(text: str) -> str:
    for name in ("Telegram", "ВКонтакте", "MAX"):
        text = text.replace(f"({name})", "(<platform>)")
    lines = text.split("\n")
    vk_hint = texts.SEARCH_HINT_VK.split("{", 1)[0]
    web_hint = texts.SEARCH_HINT_WEB.split("{", 1)[0]
    return "\n".join("<search hint>" if line == texts.SEARCH_HINT_TELEGRAM
                     or line.startswith(vk_hint) else line for line in lines
                     if not line.startswith(web_hint))


@dataclass
class Msg:
    who: str
    ref: Any  # the fake's record of it
    text: str
    buttons: list[tuple[str, str]]  # (label as VK would show it, payload)


class TelegramSide:
    ids: ClassVar[dict[str, int]] = {"citizen": 1001, "admin": 2001}

    def __init__(self, app: App, fake: FakeTelegram, transport: TelegramTransport) -> None:
        self.app, self.fake, self.transport = app, fake, transport

    def _who(self, chat_id: int) -> str:
        return next(k for k, v in self.ids.items() if v == chat_id)

    def _msg(self, m: Sent) -> Msg:
        return Msg(self._who(m.chat_id), m, m.text,
                   [(vk_label(b["text"]), b.get("callback_data", "")) for row in m.buttons
                    for b in row])

    def messages(self, who: str) -> list[Msg]:
        return [self._msg(m) for m in self.fake.to(self.ids[who])]

    async def run(self, update: dict[str, Any]) -> Seen:
        before = len(self.fake.sent)
        edits = {id(m): len(m.edits) for m in self.fake.sent}
        await self.transport.feed(update)
        await self.app.courier.flush()
        seen: Seen = [(self._who(m.chat_id), "edit", normalise(m.text), self._msg(m).buttons)
                      for m in self.fake.sent[:before] if len(m.edits) > edits[id(m)]]
        seen += [(self._who(m.chat_id), "new", normalise(m.text), self._msg(m).buttons)
                 for m in self.fake.sent[before:]]
        return seen

    async def say(self, who: str, text: str, card: Msg | None = None) -> Seen:
        chat = self.ids[who]
        name = " ".join(NAMES[who])
        return await self.run(self.fake.message(chat, chat, text, name=name,
                                                reply_to=card.ref.message_id if card else None))

    async def press(self, who: str, message: Msg, payload: str) -> Seen:
        chat = self.ids[who]
        return await self.run(self.fake.press(chat, chat, message.ref.message_id, payload,
                                              name=" ".join(NAMES[who])))


class VkSide:
    ids: ClassVar[dict[str, int]] = {"citizen": 501, "admin": 601}

    def __init__(self, app: App, fake: FakeVk, transport: VkTransport) -> None:
        self.app, self.fake, self.transport = app, fake, transport
        for who, uid in self.ids.items():
            fake.names[uid] = NAMES[who]

    def _who(self, peer_id: int) -> str:
        return next(k for k, v in self.ids.items() if v == peer_id)

    def _msg(self, m: SentMessage) -> Msg:
        return Msg(self._who(m.peer_id), m, m.text, [(label, p) for row in m.rows
                                                      for label, p in row])

    def messages(self, who: str) -> list[Msg]:
        return [self._msg(m) for m in self.fake.to(self.ids[who])]

    async def run(self, update: dict[str, Any]) -> Seen:
        before = len(self.fake.sent)
        edits = {id(m): len(m.edits) for m in self.fake.sent}
        await self.transport.submit(update)
        await self.app.courier.flush()
        seen: Seen = [(self._who(m.peer_id), "edit", normalise(m.text), self._msg(m).buttons)
                      for m in self.fake.sent[:before] if len(m.edits) > edits[id(m)]]
        seen += [(self._who(m.peer_id), "new", normalise(m.text), self._msg(m).buttons)
                 for m in self.fake.sent[before:]]
        return seen

    async def say(self, who: str, text: str, card: Msg | None = None) -> Seen:
        return await self.run(self.fake.message_new(
            self.ids[who], text, reply_to=card.ref if card else None, inject=False))

    async def press(self, who: str, message: Msg, payload: str) -> Seen:
        update = {"type": "message_event", "event_id": f"press-{len(self.fake.sent)}",
                  "object": {"user_id": self.ids[who], "peer_id": self.ids[who],
                             "event_id": "e", "payload": {"p": payload},
                             "conversation_message_id": message.ref.cmid}}
        return await self.run(update)


class MaxSide:
    ids: ClassVar[dict[str, int]] = {"citizen": 701, "admin": 801}

    def __init__(self, app: App, fake: FakeMax, transport: MaxTransport) -> None:
        self.app, self.fake, self.transport = app, fake, transport
        for who, uid in self.ids.items():
            fake.user(uid, *NAMES[who])

    def _who(self, m: MaxSent) -> str:
        return next(k for k, v in self.ids.items() if v == m.user_id)

    def _msg(self, m: MaxSent) -> Msg:
        return Msg(self._who(m), m, m.text or "", [(vk_label(b["text"]), b["payload"] or "")
                                                    for row in m.rows for b in row])

    def messages(self, who: str) -> list[Msg]:
        return [self._msg(m) for m in self.fake.to_user(self.ids[who])]

    async def run(self, update: dict[str, Any]) -> Seen:
        before = len(self.fake.sent)
        edits = {id(m): len(m.edits) for m in self.fake.sent}
        assert await self.transport.process(update)
        await self.app.courier.flush()
        seen: Seen = [(self._who(m), "edit", normalise(m.text or ""), self._msg(m).buttons)
                      for m in self.fake.sent[:before] if len(m.edits) > edits[id(m)]]
        seen += [(self._who(m), "new", normalise(m.text or ""), self._msg(m).buttons)
                 for m in self.fake.sent[before:]]
        return seen

    async def say(self, who: str, text: str, card: Msg | None = None) -> Seen:
        return await self.run(self.fake.message(self.ids[who], text,
                                                reply_to=card.ref if card else None,
                                                inject=False))

    async def start(self, who: str, payload: str) -> Seen:
        """MAX's Start button with a deep link's payload (not a /start text)."""
        return await self.run(self.fake.start(self.ids[who], payload, inject=False))

    async def press(self, who: str, message: Msg, payload: str) -> Seen:
        sent: MaxSent = message.ref
        wanted = next(b["text"] for row in sent.buttons for b in row if b["payload"] == payload)
        return await self.run(self.fake.press(sent, wanted, user_id=self.ids[who],
                                              inject=False))


Side = TelegramSide | VkSide | MaxSide


async def play(side: Side, app: App, script: list[Step]) -> list[Seen]:
    """What each step showed, chat by chat (each chat's messages in the order sent; the
    chats' lanes deliver side by side, so their interleaving is not part of the parity)."""
    steps: list[Seen] = await _play(side, app, script)
    return [sorted(step, key=lambda seen: seen[0]) for step in steps]  # type: ignore[misc]


async def _play(side: Side, app: App, script: list[Step]) -> list[Seen]:
    steps: list[Seen] = []
    for who, action, arg in script:
        if action == "say":
            steps.append(await side.say(who, arg))
        elif action == "press":
            message, payload = find_button(side.messages(who), arg)
            steps.append(await side.press(who, message, payload))
        elif action == "reply_card":
            card = next(m for m in reversed(side.messages(who))
                        if m.text.startswith("Обращение №") and m.buttons)
            steps.append(await side.say(who, arg, card=card))
        elif action == "invite":
            async with app.db.unit() as repos:
                token = await create_invite(repos, "admin", arg, app.clock.now())
            if isinstance(side, MaxSide):
                steps.append(await side.start(who, f"inv_{token}"))
            else:
                steps.append(await side.say(who, f"/start inv_{token}"))
        else:
            raise ValueError(action)
    return steps


def find_button(messages: list[Msg], wanted: str) -> tuple[Msg, str]:
    """The latest message with a button whose label contains `wanted` (or whose payload is
    `wanted`)."""
    for message in reversed(messages):
        for label, payload in message.buttons:
            if wanted in label or payload == wanted:
                return message, payload
    raise AssertionError(f"no button {wanted!r}")


@pytest.fixture
async def apps(settings: Settings, tmp_path: Path) -> AsyncIterator[tuple[App, App, App]]:
    made = []
    for name in ("tg", "vk", "max"):
        (tmp_path / name).mkdir()
        own = settings.model_copy(update={"database_path": tmp_path / name / "db.sqlite3",
                                          "faq_path": tmp_path / name / "faq.yaml",
                                          "confirm_answers_in_private": True})
        made.append(await build_app(own, FixedClock(MOMENT)))
    yield made[0], made[1], made[2]
    for app in made:
        await app.close()


@pytest.mark.parametrize("script", [FAQ, FIND, APPEAL_AND_ANSWER, CANCEL, STAFF_BY_BUTTON],
                         ids=["faq", "find", "appeal_answer", "cancel", "staff_by_button"])
async def test_telegram_vk_and_max_show_the_same_conversation(
        apps: tuple[App, App, App], script: list[Step]) -> None:
    tg_app, vk_app, max_app = apps
    tg_fake = FakeTelegram()
    bot = Bot("123:TEST", session=recording_session(tg_fake),
              default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    telegram = telegram_transport(tg_app, bot=bot)
    unpaced(telegram.sender)
    tg_app.senders["telegram"] = telegram.sender

    vk_fake = FakeVk()
    await vk_fake.start()
    vk = await vk_transport(vk_app, vk_fake)
    max_fake = FakeMax()
    await max_fake.serve()
    mx = await max_transport(max_app, max_fake)
    try:
        tg_steps = await play(TelegramSide(tg_app, tg_fake, telegram), tg_app, script)
        vk_steps = await play(VkSide(vk_app, vk_fake, vk), vk_app, script)
        max_steps = await play(MaxSide(max_app, max_fake, mx), max_app, script)
    finally:
        await mx.close()
        await max_fake.close()
        await vk.close()
        await vk_fake.close()
        await telegram.close()

    for number, ((who, action, arg), tg, vk_seen, max_seen) in enumerate(
            zip(script, tg_steps, vk_steps, max_steps, strict=True), start=1):
        assert tg, f"step {number} ({who} {action} {arg!r}): Telegram showed nothing"
        assert tg == vk_seen, f"step {number}: {who} {action} {arg!r} (VK)"
        assert tg == max_seen, f"step {number}: {who} {action} {arg!r} (MAX)"
