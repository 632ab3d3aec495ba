"""The VK transport (vkbottle 4's API client): VK events in, the core decides, the delivery
sends (handlers/vk_sender.py, whose pace the transport's own API reads share).

An event is translated (handlers/vk_updates.py) and handed to the core; a callback
button's spinner is stopped first (sendMessageEventAnswer), and a card's citizen is named
(users.get, cached). One conversation's events are handled in the order they came,
conversations in parallel. Events come by the Bots Long Poll (handlers/vk_polling.py) or,
when VK_CALLBACK_CONFIRMATION is set, the Callback API (handlers/vk_callback.py).
`VK_API_URL` points it at another API.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import ClientTimeout
from vkbottle import API, AiohttpClient

from handlers.ports import Core, Relay, TransportState
from handlers.vk_callback import CallbackSettings, VkCallbackServer
from handlers.vk_polling import VkLongPoll
from handlers.vk_sender import PLATFORM, VkSender
from handlers.vk_updates import conversation_key, event_brief, incoming_of, person_of

log = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.vk.ru"


@dataclass(frozen=True, slots=True)
class VkSettings:
    """What the transport reads of the bot's settings (VK_*)."""

    state_dir: Path  # the long poll's ts is kept here (next to the database)
    callback: CallbackSettings | None = None  # the Callback API instead of the long poll


def api_method_url(base: str | None) -> str:
    """VK_API_URL is the API's base ("https://api.vk.ru" or a fake): methods are under
    /method/."""
    base = (base or DEFAULT_API_BASE).rstrip("/")
    if not base.endswith("/method"):
        base += "/method"
    return base + "/"


def make_api(token: str, api_url: str | None) -> API:
    api = API(token, http_client=AiohttpClient(timeout=ClientTimeout(total=30)))
    api.API_URL = api_method_url(api_url)
    return api


class UserNames:
    """Citizens' names for the cards (users.get, paced with the sends), cached; a failure
    gives no name."""

    def __init__(self, sender: VkSender, size: int = 10_000) -> None:
        self.sender = sender
        self.size = size
        self._cache: OrderedDict[int, str] = OrderedDict()

    async def get(self, user_id: int) -> str:
        if user_id in self._cache:
            self._cache.move_to_end(user_id)
            return self._cache[user_id]
        try:
            response = await self.sender.call("users.get", {"user_ids": str(user_id)})
            person = response[0]
            name = " ".join(p for p in (person.get("first_name"), person.get("last_name")) if p)
        except Exception as exc:  # a name is nice to have, never a reason to fail
            log.info("users.get %s failed: %r", user_id, exc)
            return ""
        self._cache[user_id] = name
        if len(self._cache) > self.size:
            self._cache.popitem(last=False)
        return name


class VkTransport:
    """The runner's Transport for VK."""

    platform = PLATFORM

    def __init__(self, core: Core, sender: VkSender, settings: VkSettings,
                 state: TransportState | None = None) -> None:
        self.core = core
        self.state = state  # the long poll's ts (without it: a file in settings.state_dir)
        self.relay: Relay | None = None
        self._sender = sender
        self.api: API = sender.api
        self.settings = settings
        self.names = UserNames(sender)
        self.group_id = 0  # the community's, known once start() checked the token
        self._callback: VkCallbackServer | None = None
        self._tails: dict[str, asyncio.Task[None]] = {}
        self._inflight: set[asyncio.Task[None]] = set()
        self.ready = asyncio.Event()  # set once updates are being received

    @property
    def sender(self) -> VkSender:
        return self._sender

    @property
    def callback_mode(self) -> bool:
        return self.settings.callback is not None

    @property
    def callback_port(self) -> int | None:
        """The bound port, in Callback API mode."""
        return self._callback.port if self._callback is not None else None

    async def start(self) -> None:
        """Check the token and learn the community's id."""
        try:
            response = await self.api.request("groups.getById", {})
        except Exception as exc:
            raise RuntimeError(f"VK: groups.getById failed, check VK_GROUP_TOKEN: {exc}") from exc
        data = response.get("response")
        groups = data.get("groups") if isinstance(data, dict) else data
        if not groups:
            raise RuntimeError("VK: VK_GROUP_TOKEN is not a community token")
        self.group_id = int(groups[0]["id"])
        log.info("VK: community %s (%s), %s", self.group_id, groups[0].get("name", ""),
                 "Callback API" if self.callback_mode else "long poll")

    async def serve(self, stop: asyncio.Event) -> None:
        try:
            if self.settings.callback is not None:
                self._callback = VkCallbackServer(self.settings.callback, self.group_id,
                                                  self.submit, self.drain)
                await self._callback.run(stop, self.ready)
            else:
                await VkLongPoll(self.api, self.group_id, self.settings.state_dir, self.submit,
                                 stored=self.state, relay=self.relay).run(stop, self.ready)
        finally:
            await self.drain()

    async def close(self) -> None:
        await self.api.http_client.close()

    # events, in order per conversation, in parallel across conversations

    def relay_to(self, relay: Relay) -> None:
        """Several workers: what this transport polls is stored for all of them (bot/inbox.py)
        instead of handled here; each worker handles its share through `take`."""
        self.relay = relay

    async def take(self, event: dict[str, Any]) -> bool:
        """An event another worker polled (bot/inbox.py): handled as one polled here."""
        await self.handle(event)
        return True

    def submit(self, event: dict[str, Any]) -> asyncio.Task[None]:
        """Handle one event after the previous event of the same conversation (so one
        person's messages are handled in the order sent)."""
        key = conversation_key(event)
        previous = self._tails.get(key)
        task = asyncio.create_task(self._handle_after(previous, event))
        self._tails[key] = task
        self._inflight.add(task)

        def done(t: asyncio.Task[None]) -> None:
            self._inflight.discard(t)
            if self._tails.get(key) is t:
                del self._tails[key]

        task.add_done_callback(done)
        return task

    async def _handle_after(self, previous: asyncio.Task[None] | None,
                            event: dict[str, Any]) -> None:
        if previous is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(previous)
        await self.handle(event)

    async def drain(self) -> None:
        """Wait for the events being handled (graceful stop)."""
        while self._inflight:
            await asyncio.gather(*list(self._inflight), return_exceptions=True)

    async def handle(self, event: dict[str, Any]) -> None:
        """The core's turn for one event. An exception is logged, never raised."""
        try:
            if event.get("type") == "message_event":
                await self._answer(event.get("object") or {})
            person = person_of(event)
            name = await self.names.get(person) if person is not None else ""
            incoming = incoming_of(event, self.group_id, name)
            if incoming is not None:
                await self.core.handle(incoming)
        except Exception:
            log.exception("VK %s failed: %r", event.get("type"), event_brief(event))

    async def _answer(self, obj: dict[str, Any]) -> None:
        """Stop the button's spinner (VK shows it until the event is answered)."""
        if not obj.get("event_id"):
            return
        try:
            await self._sender.call("messages.sendMessageEventAnswer", {
                "event_id": str(obj["event_id"]), "user_id": str(obj.get("user_id", "")),
                "peer_id": str(obj.get("peer_id", ""))})
        except Exception as exc:
            log.info("sendMessageEventAnswer failed: %r", exc)
