"""The VK transport (vkbottle 4): VK events in, the core's replies out.

- `build_labeler(...)`: a vkbottle BotLabeler made by a factory that closes over the core's
  services (no module globals): `message_new` (text, attachments, replies, text-keyboard
  payloads) and `message_event` (callback buttons, answered with sendMessageEventAnswer).
- `VkTransport(app)`: the Transport of bot/runner.py. Long poll by default; the Callback
  API when VK_CALLBACK_CONFIRMATION is set (aiohttp endpoint: answers "confirmation" with
  the code, checks "secret", answers "ok" once the event is handled). `VK_API_URL` points it
  at another API.

Translation of events is handlers/vk_updates.py; sending is handlers/vk_sender.py (the
delivery's Sender; the transport's own API reads share its pace).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections import OrderedDict
from typing import Any

from aiohttp import ClientTimeout, web
from vkbottle import API, AiohttpClient, Bot, BotPolling
from vkbottle.bot import BotLabeler
from vkbottle_types.events import GroupEventType

from bot.app import App
from bot.dialog.dialog import Dialog
from handlers.vk_sender import PLATFORM, VkSender
from handlers.vk_updates import incoming_from_button, incoming_from_edit, incoming_from_message

log = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.vk.ru"
CALLBACK_WAIT_S = 5.0  # VK retries a callback it got no "ok" for within about 10 s



def api_method_url(base: str | None) -> str:
    """VK_API_URL is the API's base ("https://api.vk.ru" or a fake): methods are under
    /method/."""
    base = (base or DEFAULT_API_BASE).rstrip("/")
    if not base.endswith("/method"):
        base += "/method"
    return base + "/"


# ---- handlers ------------------------------------------------------------------------


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


class GroupRef:
    """The community's id, known once the token is checked (mentions, own messages)."""

    def __init__(self, group_id: int = 0) -> None:
        self.id = group_id


def build_labeler(dialog: Dialog, sender: VkSender, names: UserNames,
                  group: GroupRef) -> BotLabeler:
    """The VK handlers, closing over the core's services. The core queues its replies in
    the turn's transaction; the delivery sends them."""
    labeler = BotLabeler()

    @labeler.raw_event(GroupEventType.MESSAGE_NEW, dict)
    async def on_message(event: dict[str, Any]) -> None:
        try:
            obj = event.get("object") or {}
            message = obj.get("message") if isinstance(obj.get("message"), dict) else obj
            from_id = message.get("from_id")
            name = ""
            if (isinstance(from_id, int) and from_id > 0
                    and not isinstance(message.get("action"), dict)):
                name = await names.get(from_id)
            incoming = incoming_from_message(event, group.id, name)
            if incoming is not None:
                await dialog.handle(incoming)
        except Exception:
            log.exception("VK message_new failed: %r", _brief(event))

    @labeler.raw_event(GroupEventType.MESSAGE_EDIT, dict)
    async def on_edit(event: dict[str, Any]) -> None:
        try:
            incoming = incoming_from_edit(event)
            if incoming is not None:
                await dialog.handle(incoming)
        except Exception:
            log.exception("VK message_edit failed: %r", _brief(event))

    @labeler.raw_event(GroupEventType.MESSAGE_EVENT, dict)
    async def on_button(event: dict[str, Any]) -> None:
        try:
            obj = event.get("object") or {}
            await _answer_event(sender, obj)
            user_id = obj.get("user_id")
            name = await names.get(user_id) if isinstance(user_id, int) and user_id > 0 else ""
            incoming = incoming_from_button(event, name)
            if incoming is not None:
                await dialog.handle(incoming)
        except Exception:
            log.exception("VK message_event failed: %r", _brief(event))

    return labeler


async def _answer_event(sender: VkSender, obj: dict[str, Any]) -> None:
    """Stop the button's spinner (VK shows it until the event is answered)."""
    if not obj.get("event_id"):
        return
    try:
        await sender.call("messages.sendMessageEventAnswer", {
            "event_id": str(obj["event_id"]), "user_id": str(obj.get("user_id", "")),
            "peer_id": str(obj.get("peer_id", ""))})
    except Exception as exc:
        log.info("sendMessageEventAnswer failed: %r", exc)


def _brief(event: Any) -> Any:
    if isinstance(event, dict):
        return {k: event.get(k) for k in ("type", "event_id")}
    return type(event).__name__


# ---- the transport -------------------------------------------------------------------


class _StatePolling(BotPolling):
    """vkbottle's long poll, keeping its `ts` next to the database: after a restart the
    events that came meanwhile are fetched (the core ignores any it already handled)."""

    def __init__(self, api: Any, group_id: int, state_dir: Any) -> None:
        super().__init__(api, group_id=group_id, skip_old_events=False)
        self.state_dir = state_dir

    @property
    def ts_state_path(self) -> Any:
        return self.state_dir / f"vk_longpoll_{self.group_id}.json"


class VkTransport:
    platform = PLATFORM

    def __init__(self, app: App) -> None:
        settings = app.settings
        if settings.vk_group_token is None:
            raise ValueError("VK_GROUP_TOKEN is not set")
        self.app = app
        self.http = AiohttpClient(timeout=ClientTimeout(total=30))
        self.api = API(settings.vk_group_token.get_secret_value(), http_client=self.http)
        self.api.API_URL = api_method_url(settings.vk_api_url)
        self._sender = VkSender(self.api)
        self.group = GroupRef()
        self.names = UserNames(self._sender)
        self.labeler = build_labeler(app.dialog, self._sender, self.names, self.group)
        self.bot = Bot(api=self.api, labeler=self.labeler)
        self.callback_mode = settings.vk_callback_confirmation is not None
        self.callback_port: int | None = None  # the bound port, in Callback API mode
        self._tails: dict[str, asyncio.Task[None]] = {}
        self._inflight: set[asyncio.Task[None]] = set()
        self._accepting = False
        self.ready = asyncio.Event()  # set once updates are being received

    @property
    def sender(self) -> VkSender:
        return self._sender

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
        self.group.id = int(groups[0]["id"])
        log.info("VK: community %s (%s), %s", self.group.id, groups[0].get("name", ""),
                 "Callback API" if self.callback_mode else "long poll")

    async def serve(self, stop: asyncio.Event) -> None:
        try:
            if self.callback_mode:
                await self._serve_callback(stop)
            else:
                await self._serve_long_poll(stop)
        finally:
            await self.drain()

    async def close(self) -> None:
        await self.http.close()

    # events, in order per conversation, in parallel across conversations

    def submit(self, event: dict[str, Any]) -> asyncio.Task[None]:
        """Route one event through vkbottle's router, after the previous event of the same
        conversation (so one person's messages are handled in the order sent)."""
        key = _conversation_key(event)
        previous = self._tails.get(key)
        task = asyncio.create_task(self._route_after(previous, event))
        self._tails[key] = task
        self._inflight.add(task)

        def done(t: asyncio.Task[None]) -> None:
            self._inflight.discard(t)
            if self._tails.get(key) is t:
                del self._tails[key]

        task.add_done_callback(done)
        return task

    async def _route_after(self, previous: asyncio.Task[None] | None,
                           event: dict[str, Any]) -> None:
        if previous is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(previous)
        await self.bot.process_event(event, self.api)

    async def drain(self) -> None:
        """Wait for the events being handled (graceful stop)."""
        while self._inflight:
            await asyncio.gather(*list(self._inflight), return_exceptions=True)

    # long poll

    async def _serve_long_poll(self, stop: asyncio.Event) -> None:
        polling = _StatePolling(self.api, self.group.id, self.app.settings.database_path.parent)
        polling.error_handler = self.bot.error_handler
        events = polling.listen()
        stopped = asyncio.create_task(stop.wait())
        failures = 0
        self.ready.set()
        try:
            while not stop.is_set():
                batch = asyncio.create_task(_next(events))
                await asyncio.wait({batch, stopped}, return_when=asyncio.FIRST_COMPLETED)
                if not batch.done():  # stopping while waiting for VK: nothing taken yet
                    batch.cancel()
                    with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                        await batch
                    break
                try:
                    event = batch.result()
                except Exception:  # e.g. groups.getLongPollServer failed: start over
                    log.exception("VK long poll failed; retrying")
                    failures += 1
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(asyncio.shield(stopped), min(2.0 ** failures, 60))
                    events = polling.listen()
                    continue
                failures = 0
                if event is None:
                    break
                updates = [u for u in event.get("updates", []) if isinstance(u, dict)]
                # The whole batch is handled before its ts is saved: a crash mid-batch
                # fetches it again (and the core skips what it already handled).
                await asyncio.gather(*(self.submit(u) for u in updates),
                                     return_exceptions=True)
                if "ts" in event:
                    await asyncio.to_thread(polling.save_server_ts, {"ts": event["ts"]})
        finally:
            stopped.cancel()
            with contextlib.suppress(Exception):
                await events.aclose()

    # Callback API

    async def _serve_callback(self, stop: asyncio.Event) -> None:
        settings = self.app.settings
        web_app = web.Application(client_max_size=1024 * 1024)
        web_app.router.add_post(settings.vk_callback_path, self._callback)
        runner = web.AppRunner(web_app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, settings.vk_callback_host, settings.vk_callback_port)
        await site.start()
        addresses = runner.addresses
        self.callback_port = addresses[0][1] if addresses else settings.vk_callback_port
        self._accepting = True
        self.ready.set()
        log.info("VK Callback API on %s:%s%s", settings.vk_callback_host, self.callback_port,
                 settings.vk_callback_path)
        try:
            await stop.wait()
        finally:
            self._accepting = False  # VK retries what we refuse now
            await self.drain()
            await runner.cleanup()

    async def _callback(self, request: web.Request) -> web.Response:
        settings = self.app.settings
        try:
            body = await request.json()
        except Exception:
            return web.Response(status=400, text="bad request")
        if not isinstance(body, dict) or not isinstance(body.get("type"), str):
            return web.Response(status=400, text="bad request")
        secret = settings.vk_callback_secret  # required in this mode (settings check it)
        if secret is None or not hmac.compare_digest(
                str(body.get("secret", "")).encode(), secret.get_secret_value().encode()):
            log.warning("VK callback with a wrong secret from %s", request.remote)
            return web.Response(status=403, text="forbidden")
        group_id = body.get("group_id")
        if self.group.id and group_id is not None and str(group_id) != str(self.group.id):
            return web.Response(status=403, text="forbidden")
        if body["type"] == "confirmation":
            return web.Response(text=settings.vk_callback_confirmation or "")
        if not self._accepting:
            return web.Response(status=503, text="stopping")
        task = self.submit(body)
        # "ok" once the event is handled, so a crash before that makes VK send it again (the
        # core ignores what it already handled); but never keep VK waiting past its patience.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.shield(task), CALLBACK_WAIT_S)
        return web.Response(text="ok")


async def _next(events: Any) -> dict[str, Any] | None:
    try:
        return await anext(events)
    except StopAsyncIteration:
        return None


def _conversation_key(event: dict[str, Any]) -> str:
    obj = event.get("object")
    if isinstance(obj, dict):
        message = obj.get("message") if isinstance(obj.get("message"), dict) else obj
        peer = message.get("peer_id")
        if peer is not None:
            return str(peer)
    return f"event:{id(event)}"

