"""Dialog.handle(incoming) -> replies: the one entry point every transport calls.

One user at a time (a per-user lock), many users in parallel. The state, the changes
and the outbox messages of a turn commit in one transaction; a failure rolls all back
and the user gets a polite answer instead of a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import weakref

from bot import texts
from bot.appeals.access import Actor
from bot.appeals.service import AppealError, AppealService
from bot.clock import Clock
from bot.dialog.citizen import CitizenFlows, menu_buttons
from bot.dialog.ports import DirectorySource, FaqSource
from bot.dialog.staff import StaffFlows
from bot.dialog.turn import Turn
from bot.dialog.types import Incoming, Reply, replies_from_json, replies_to_json
from storage.db import Database
from storage.records import DialogState

log = logging.getLogger(__name__)

MAX_TEXT = 4000
# States in which a plain text message is the answer to the bot's question.
TEXT_STATES = {
    "faq_ask", "find_query", "find_pick", "appeal_inst", "appeal_pick", "appeal_text",
    "staff_answer", "staff_redirect",
}
BUTTON_STATES = {"appeal_category", "appeal_consent", "appeal_confirm"}


class Dialog:
    def __init__(
        self, db: Database, directory: DirectorySource, faq: FaqSource,
        appeals: AppealService, clock: Clock,
    ) -> None:
        self.db = db
        self.clock = clock
        self.appeals = appeals
        self.citizen = CitizenFlows(directory, faq, appeals)
        self.staff = StaffFlows(appeals, self.citizen, faq)
        self._locks: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    def _lock(self, platform: str, user_id: str) -> asyncio.Lock:
        key = (platform, user_id)
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

    async def handle(self, inc: Incoming) -> list[Reply]:
        lock = self._lock(inc.platform, inc.user_id)
        async with lock:
            try:
                return await self._handle(inc)
            except Exception:
                log.exception("failed to handle %s:%s", inc.platform, inc.user_id)
                return [Reply(texts.INTERNAL_ERROR)]

    async def remember_card(self, platform: str, chat_id: str, message_id: str,
                            appeal_id: int) -> None:
        """A transport showed an appeal card as a direct reply: a reply to it must find it."""
        async with self.db.unit() as repos:
            await repos.appeals.add_message(appeal_id, "card", platform, chat_id,
                                            self.clock.now(), message_id=message_id)

    async def mark_replied(self, platform: str, update_id: str) -> None:
        """The transport sent the replies of this update: a redelivery gets nothing."""
        async with self.db.unit() as repos:
            await repos.dialog.mark_replied(platform, update_id)

    async def _handle(self, inc: Incoming) -> list[Reply]:
        now = self.clock.now()
        async with self.db.unit() as repos:
            if inc.update_id is not None and not await repos.dialog.first_time(
                    inc.platform, inc.update_id, now):
                # Handled before. If the crash came before its replies went out, send them now.
                kept = await repos.dialog.unsent_replies(inc.platform, inc.update_id)
                log.info("redelivered update %s:%s (%s)", inc.platform, inc.update_id,
                         "replies again" if kept else "ignored")
                return replies_from_json(kept) if kept else []
            private_chat = "" if inc.is_group else inc.chat_id
            user = await repos.people.ensure_user(inc.platform, inc.user_id, private_chat,
                                                  inc.user_name, now)
            roles = tuple(await repos.people.roles(user.id))
            groups = (tuple(await repos.people.institutions_of_group_chat(inc.platform,
                                                                          inc.chat_id))
                      if inc.is_group else ())
            state = await repos.dialog.get(inc.platform, inc.user_id)
            turn = Turn(inc, repos, user, Actor(roles, groups), now, state)
            before = turn.state
            try:
                await self._route(turn)
            except AppealError as exc:
                turn.say(str(exc))
            if turn.state != before:
                await repos.dialog.set(inc.platform, inc.user_id, turn.state, now)
            if inc.update_id is not None and turn.replies:
                await repos.dialog.keep_replies(inc.platform, inc.update_id,
                                                replies_to_json(turn.replies))
            return turn.replies

    async def _route(self, t: Turn) -> None:
        inc = t.inc
        if inc.payload:
            await self._button(t, inc.payload)
            return
        text = t.text
        if len(text) > MAX_TEXT:
            t.say(texts.TOO_LONG.format(limit=MAX_TEXT))
            return
        if text.startswith("/"):
            await self._command(t, text)
            return
        if inc.reply_to_message_id and await self._reply_to_card(t):
            return
        state = t.state.state
        if state in TEXT_STATES:
            if not text and not inc.attachments:
                t.say(texts.ONLY_TEXT)
                return
            await self._text_in_state(t, state, text)
            return
        if inc.is_group:
            return  # staff groups talk among themselves: the bot only hears commands and replies
        if state in BUTTON_STATES:
            await self.citizen.repeat_question(t)
            return
        if not text:
            t.say(texts.ONLY_TEXT, menu_buttons())
            return
        # Any free text from the menu is a question for the FAQ.
        await self.citizen.answer_question(t, text)

    async def _text_in_state(self, t: Turn, state: str, text: str) -> None:
        c = self.citizen
        if state == "faq_ask":
            await c.answer_question(t, text)
        elif state in ("find_query", "find_pick"):
            await c.find(t, text)
        elif state in ("appeal_inst", "appeal_pick"):
            await c.appeal_institution(t, text)
        elif state == "appeal_text":
            c.appeal_text(t)
        elif state == "staff_answer":
            await self.staff.answer(t, t.data("appeal_id"), text, t.inc.attachments)
        elif state == "staff_redirect":
            await self.staff.redirect_search(t, text)

    async def _reply_to_card(self, t: Turn) -> bool:
        """A staff reply to an appeal card is the answer to that appeal."""
        appeal_id = await t.repos.appeals.appeal_of_message(
            t.inc.platform, t.inc.chat_id, t.inc.reply_to_message_id or "")
        if appeal_id is None or not t.actor.is_staff:
            return False
        await self.staff.answer(t, appeal_id, t.text, t.inc.attachments)
        return True

    async def _command(self, t: Turn, text: str) -> None:
        command, _, arg = text.partition(" ")
        command = command.split("@", 1)[0].lower()  # "/start@medfront_bot" in groups
        arg = arg.strip()
        c, s = self.citizen, self.staff
        if command == "/start":
            if arg.startswith("inv_"):
                await s.accept_invite(t, arg.removeprefix("inv_"))
            elif arg.startswith("inst_"):
                inst = await t.repos.institutions.get(arg.removeprefix("inst_"))
                if inst is None or not inst.active:
                    t.say(texts.INSTITUTION_LINK_UNKNOWN, menu_buttons())
                else:
                    c.show_institution(t, inst)
            elif t.inc.is_group:
                t.say(texts.HELP)
            else:
                c.start(t)
        elif command in ("/faq", "/find") and arg:
            await (c.answer_question if command == "/faq" else c.find)(t, arg)
        elif command in ("/menu", "/help", "/faq", "/find", "/appeal", "/my"):
            await self._menu_button(t, command[1:])
        elif command == "/cancel":
            self._cancel(t)
        elif command == "/queue":
            await s.queue(t)
        elif command == "/stats":
            await s.stats(t)
        elif command == "/duty":
            await s.duty(t, arg)
        elif command == "/gaps":
            await s.gaps(t)
        elif command == "/faqstats":
            await s.faq_stats(t)
        elif command == "/reload_faq":
            await s.reload_faq(t)
        else:
            t.say(texts.UNKNOWN_COMMAND)

    def _cancel(self, t: Turn) -> None:
        if t.state == DialogState():
            t.say(texts.NOTHING_TO_CANCEL, menu_buttons())
            return
        t.go("idle")
        t.say(texts.CANCELLED, menu_buttons())

    async def _button(self, t: Turn, payload: str) -> None:
        head, _, rest = payload.partition(":")
        c, s = self.citizen, self.staff
        number = _int(rest.rpartition(":")[2])  # the trailing number most payloads carry
        if head == "m":
            await self._menu_button(t, rest)
        elif head == "cancel":
            self._cancel(t)
        elif head == "pick" and number is not None:
            if t.state.state == "staff_redirect":
                await s.redirect_to(t, number)
            elif t.state.state in ("find_pick", "appeal_pick"):
                await c.picked(t, number)
            else:
                c.stale(t)
        elif head == "apl":
            await c.appeal_here(t)
        elif head == "cat":
            c.category_chosen(t, rest)
        elif head == "consent":
            await c.consent(t, rest == "yes")
        elif head == "confirm" and rest in ("send", "edit"):
            await c.confirm(t, rest)
        elif head == "faq":
            await c.suggestion_chosen(t, rest)
        elif head == "fb" and rest[:2] in ("y:", "n:"):
            await c.feedback(t, rest[0] == "y", rest[2:])
        elif head == "rate" and number is not None and _int(rest.partition(":")[0]) is not None:
            await c.rate(t, int(rest.partition(":")[0]), number)
        elif head == "unsolved" and number is not None:
            await c.unsolved(t, number)
        elif head == "st" and number is not None:
            await s.action(t, rest.partition(":")[0], number)
        else:
            # A payload we did not make (an old client, tampering): never a traceback.
            c.stale(t)

    async def _menu_button(self, t: Turn, item: str) -> None:
        c = self.citizen
        if item == "faq":
            c.ask_question(t)
        elif item == "find":
            c.ask_institution_name(t)
        elif item == "appeal":
            c.start_appeal(t)
        elif item == "my":
            await c.my_appeals(t)
        elif item == "help":
            c.help(t)
        else:
            c.menu(t)


def _int(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() and len(value) < 12 else None
