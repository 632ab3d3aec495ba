"""Dialog.handle(incoming) -> replies: the one entry point every transport calls.

One user at a time (a per-user lock), many users in parallel. The state, the changes
and every message of a turn (its replies included: they are outbox rows, delivered by the
one delivery path) commit in one transaction; a failure rolls all back and the user gets
a polite answer instead of a traceback. A redelivered update changes nothing and sends
nothing again: its replies were queued with it.
"""

from __future__ import annotations

import asyncio
import logging
import re
import weakref
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from bot import payloads as p
from bot import texts
from bot.appeals.access import Actor
from bot.appeals.category_model import CategoryModel
from bot.appeals.errors import AppealError
from bot.appeals.outbox import outbox_row
from bot.appeals.regions import scoped
from bot.appeals.service import AppealService
from bot.appeals.undeliverable import DeliveryOutcomes
from bot.clock import Clock
from bot.dialog.answers import AnswerFlows
from bot.dialog.appeal_form import AppealForm
from bot.dialog.citizen import CitizenFlows, menu_buttons
from bot.dialog.flood import AbuseLimits, FloodGate, Verdict
from bot.dialog.follow_ups import follow_up
from bot.dialog.lookups import Lookups, StepHints
from bot.dialog.own_appeals import OwnAppeals
from bot.dialog.ports import CategoryGuesser, DirectorySource, FaqSource
from bot.dialog.reports import run_reports
from bot.dialog.staff import StaffFlows
from bot.dialog.staff_admin import staff_commands
from bot.dialog.states import BUTTON_STEPS, TEXT_STEPS, Step
from bot.dialog.turn import Turn
from bot.dialog.types import ChatEvent, Incoming, Reply
from bot.payloads import MenuItem, Payload, unpack
from storage.records import DialogState, OutboxKind, Platform
from storage.repositories import Repositories
from storage.store import Store
from storage.turn_repo import Opening
from textnorm import strip_invisible

log = logging.getLogger(__name__)

MAX_TEXT = 4000
# An appeal number as the card shows it ("Обращение № 2026-000123").
_CARD_NUMBER = re.compile(r"№\s*(\d{4}-\d{6,})")


class Dialog:
    def __init__(
        self, db: Store, directory: DirectorySource, faq: FaqSource,
        appeals: AppealService, clock: Clock, outcomes: DeliveryOutcomes | None = None,
        notify: Callable[[], None] | None = None, confirm_answers_in_private: bool = True,
        limits: AbuseLimits | None = None, categories: CategoryGuesser | None = None,
    ) -> None:
        self.db = db
        self.faq = faq
        self.directory = directory
        self.hints = StepHints()
        self.clock = clock
        self.appeals = appeals
        self.outcomes = outcomes or DeliveryOutcomes(appeals)
        # Called after a turn committed messages: the delivery claims them at once.
        self.notify = notify or (lambda: None)
        self.limits = limits or AbuseLimits()
        self.flood = FloodGate(self.limits.messages_per_minute)
        self.categories = categories or CategoryModel.default()
        self.citizen = CitizenFlows(directory, faq)
        self.form = AppealForm(self.citizen, appeals, self.limits.appeals_per_day)
        self.own = OwnAppeals(appeals)
        self.staff = StaffFlows(appeals, self.citizen, faq,
                                AnswerFlows(appeals, confirm_answers_in_private))
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
        verdict = self._flood(inc)
        if verdict is Verdict.DROP:
            return []
        lock = self._lock(inc.platform, inc.user_id)
        async with lock:
            try:
                replies = (await self._handle(inc) if verdict is Verdict.PASS
                           else await self._slow_down(inc))
            except Exception:
                log.exception("failed to handle %s:%s", inc.platform, inc.user_id)
                replies = [Reply(texts.INTERNAL_ERROR)]
                try:
                    async with self.db.unit(short=True) as repos:
                        await self._queue(repos, inc, replies)
                except Exception:
                    log.exception("could not even queue the apology to %s:%s", inc.platform,
                                  inc.chat_id)
        self.notify()
        return replies

    def _flood(self, inc: Incoming) -> Verdict:
        """Counts what the bot reads: not chat events, nor staff groups' own talk."""
        if inc.event is not None or (inc.is_group and not (
                inc.payload or inc.reply_to_bot or inc.text.startswith("/"))):
            return Verdict.PASS
        return self.flood.check(inc.platform, inc.user_id, self.clock.now())

    async def _slow_down(self, inc: Incoming) -> list[Reply]:
        replies = [Reply(texts.SLOW_DOWN)]
        async with self.db.unit(short=True) as repos:
            await self._queue(repos, inc, replies)
        return replies

    async def _handle(self, inc: Incoming) -> list[Reply]:
        now = self.clock.now()
        if inc.text or inc.user_name:  # no bidi overrides or zero-width tricks on cards
            inc = replace(inc, text=strip_invisible(inc.text),
                          user_name=strip_invisible(inc.user_name))
        lookups = Lookups(self.faq, self.directory, self.categories)
        # CPU work before the writer's lock, not under it
        await self.hints.ahead(inc, lookups, heavy=self.faq.matcher.ranker_index is not None)
        async with self.db.unit(short=True) as repos:
            opening = await repos.turn.open(inc.platform, inc.update_id, inc.user_id,
                                            inc.chat_id, inc.is_group, now)
            if not opening.fresh:
                log.info("redelivered update %s:%s ignored", inc.platform, inc.update_id)
                return []
            if inc.event is not None:
                replies = await self._chat_event(repos, inc, now)
                await self._queue(repos, inc, replies)
                return replies
            private_chat = "" if inc.is_group else inc.chat_id
            user = await repos.people.met(opening.user, inc.platform, inc.user_id,
                                          private_chat, inc.user_name, now)
            roles = opening.roles
            if not roles and (refusal := await self._banned(repos, inc, opening, now)) is not None:
                await self._queue(repos, inc, refusal)
                return refusal
            # A staff group's listed members act for its institutions; nobody else in it does.
            groups = opening.group_institutions if opening.group_member else ()
            turn = Turn(inc, repos, user, await scoped(repos, Actor(roles, groups)), now, opening.state, lookups)
            before = turn.state
            try:
                await self._route(turn)
            except AppealError as exc:
                turn.say(str(exc))
            if turn.state != before:
                await repos.dialog.set(inc.platform, inc.chat_id, inc.user_id, turn.state, now)
            self.hints.left_at(inc, turn.state.state, turn.user.region)
            await self._queue(repos, inc, turn.replies)
        if late := await run_reports(self.db, turn):  # committed: off the writer's lock
            async with self.db.unit(short=True) as repos:
                await self._queue(repos, inc, late)
        return turn.replies

    @staticmethod
    async def _banned(repos: Repositories, inc: Incoming, opening: Opening,
                      now: datetime) -> list[Reply] | None:
        """A banned person gets one polite refusal, then silence; None: not banned."""
        ban = opening.ban
        if ban is None:
            return None
        if ban.refused_at is None and not inc.is_group:
            await repos.staff.mark_refused(ban.user_id, now)
            return [Reply(texts.BANNED_REFUSAL)]
        return []

    async def _queue(self, repos: Repositories, inc: Incoming, replies: list[Reply]) -> None:
        """The replies go out by the one delivery path, committed with the turn."""
        if replies:
            await repos.outbox.add_many([
                outbox_row(inc.platform, inc.chat_id, reply, OutboxKind.REPLY,
                           appeal_id=reply.card_of or reply.appeal_id)
                for reply in replies], self.clock.now())

    async def _chat_event(self, repos: Repositories, inc: Incoming,
                          now: datetime) -> list[Reply]:
        if inc.event is ChatEvent.BOT_REMOVED:
            await self.outcomes.chat_gone(repos, inc.platform, inc.chat_id, "bot_removed",
                                          "the bot was removed from the chat", now)
            return []
        if inc.event is ChatEvent.MIGRATED and inc.moved_to:
            await self.outcomes.chat_moved(repos, inc.platform, inc.chat_id, inc.moved_to)
            return []
        if inc.event is ChatEvent.BOT_ADDED:
            restored = await repos.people.enable_inbox(inc.platform, inc.chat_id)
            if restored:
                names = [(await repos.institutions.get(i)) for i in restored]
                return [Reply(texts.INBOX_RESTORED.format(institutions=", ".join(
                    n.display_name for n in names if n)))]
            if not inc.is_group:
                return []
            return [Reply(texts.VK_CHAT_HELLO if inc.platform == Platform.VK
                          else texts.TELEGRAM_GROUP_HELLO)]
        if inc.event is ChatEvent.MESSAGE_EDITED and not inc.is_group:
            return [Reply(texts.TELEGRAM_EDIT_IGNORED)]
        return []

    async def _route(self, t: Turn) -> None:
        inc = t.inc
        if inc.payload:
            await self._button(t, unpack(inc.payload))
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
        if inc.reply_to_message_id and not inc.is_group and await follow_up(t, self.appeals):
            return
        if inc.is_group and not inc.reply_to_bot:
            return  # staff groups talk among themselves: the bot hears commands, buttons and
            # replies to its own messages only, whatever a member left unfinished
        if self.staff.answers.mode_over(t):
            return
        if t.step in TEXT_STEPS:
            if not text and not inc.attachments:
                t.say(texts.ONLY_TEXT)
                return
            await self._text_in_step(t, text)
            return
        if inc.is_group:
            return  # a reply to the bot in a group with nothing asked: not a FAQ question
        if t.step in BUTTON_STEPS:
            await self.form.repeat_question(t)
            return
        if not text:
            t.say(texts.ATTACHMENT_OUTSIDE_FORM if inc.attachments else texts.ONLY_TEXT,
                  menu_buttons())
            return
        # Any free text from the menu is a question for the FAQ.
        await self.citizen.answer_question(t, text)

    async def _text_in_step(self, t: Turn, text: str) -> None:
        c = self.citizen
        step = t.step
        if step == Step.FAQ_ASK:
            await c.answer_question(t, text)
        elif step in (Step.FIND_QUERY, Step.FIND_PICK):
            await c.find(t, text)
        elif step in (Step.APPEAL_INST, Step.APPEAL_PICK):
            await self.form.institution(t, text)
        elif step == Step.APPEAL_TEXT:
            await self.form.text(t)
        elif step in (Step.STAFF_ANSWER, Step.STAFF_CONFIRM):  # a new text replaces the draft
            await self.staff.answer(t, t.data("appeal_id"), text, t.inc.attachments)
        elif step == Step.STAFF_REDIRECT:
            await self.staff.redirect_search(t, text)

    async def _reply_to_card(self, t: Turn) -> bool:
        """A staff reply to an appeal card is the answer to that appeal. A card copy whose
        message id was never recorded (sent twice around a crash) is found by the number
        it shows, and recorded, so later status edits reach it too."""
        inc = t.inc
        if not t.actor.is_staff:
            if inc.is_group and await t.repos.appeals.appeal_of_message(
                    inc.platform, inc.chat_id, inc.reply_to_message_id or "") is not None:
                t.say(texts.GROUP_NOT_STAFF)  # a bystander in a staff group
                return True
            return False  # a citizen's reply: maybe a follow-up, looked up once, there
        appeal_id = await t.repos.appeals.appeal_of_message(
            inc.platform, inc.chat_id, inc.reply_to_message_id or "")
        if appeal_id is None and inc.reply_to_text:
            found = _CARD_NUMBER.search(inc.reply_to_text)
            appeal = await t.repos.appeals.by_number(found.group(1)) if found else None
            # The number alone is not proof: after a backup restore a new appeal may carry
            # the number of a lost one. The card must also show this appeal's own text.
            if (appeal is not None and t.actor.may_act_on(appeal)
                    and _card_shows(inc.reply_to_text, appeal.text)):
                appeal_id = appeal.id
                await t.repos.appeals.add_message(appeal.id, "card", inc.platform, inc.chat_id,
                                                  t.now, message_id=inc.reply_to_message_id)
        if appeal_id is None:
            return False
        await self.staff.answer(t, appeal_id, t.text, inc.attachments)
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
                t.say(texts.STAFF_GROUP_HELP)
            else:
                c.start(t)
        elif command in ("/faq", "/find") and arg:
            await (c.answer_question if command == "/faq" else c.find)(t, arg)
        elif command == "/help" and t.inc.is_group:
            t.say(texts.STAFF_GROUP_HELP)
        elif command in ("/menu", "/help", "/faq", "/find", "/appeal", "/my"):
            await self._menu_item(t, command[1:])
        elif command == "/cancel":
            self._cancel(t)
        elif command == "/forget" and not t.inc.is_group:
            self.own.ask_forget(t)
        elif await staff_commands(t, s, command, arg):
            pass
        else:
            t.say(texts.UNKNOWN_COMMAND)

    def _cancel(self, t: Turn) -> None:
        if t.state == DialogState():
            t.say(texts.NOTHING_TO_CANCEL, menu_buttons())
            return
        t.go(Step.IDLE)
        t.say(texts.CANCELLED, menu_buttons())

    async def _button(self, t: Turn, payload: Payload | None) -> None:
        c, s, own, form = self.citizen, self.staff, self.own, self.form
        match payload:
            case p.Menu(item):
                await self._menu_item(t, item)
            case p.Cancel():
                self._cancel(t)
            case p.Pick(index):
                if t.step == Step.STAFF_REDIRECT:
                    await s.redirect_to(t, index)
                elif t.step == Step.FIND_PICK:
                    await c.picked(t, index)
                elif t.step == Step.APPEAL_PICK:
                    await form.picked(t, index)
                else:
                    c.stale(t)
            case p.AppealHere():
                await form.here(t)
            case p.Category(key):
                await form.category_chosen(t, key)
            case p.Route():
                await form.route_chosen(t, payload.accepted)
            case p.Consent():
                await form.consent(t, payload.agreed)
            case p.Confirm(action):
                await form.confirm(t, action)
            case p.Suggestion(entry):
                await c.suggestion_chosen(t, entry)
            case p.Feedback(entry=entry):
                await c.feedback(t, payload.helpful, entry)
            case p.Rate(appeal, stars):
                await own.rate(t, appeal, stars)
            case p.Unsolved(answer, appeal):
                await own.unsolved(t, appeal, answer)
            case p.UnsolvedBefore(appeal):
                await own.unsolved(t, appeal, None)
            case p.Forget():
                await own.forget(t)
            case p.Staff():
                await s.action(t, payload)
            case _:
                # A payload we did not make (an old client, tampering): never a traceback.
                c.stale(t)

    async def _menu_item(self, t: Turn, item: str) -> None:
        c = self.citizen
        if item == MenuItem.FAQ:
            c.ask_question(t)
        elif item == MenuItem.FIND:
            c.ask_institution_name(t)
        elif item == MenuItem.APPEAL:
            await self.form.start(t)
        elif item == MenuItem.MY:
            await self.own.my_appeals(t)
        elif item == MenuItem.HELP:
            c.help(t)
        else:
            c.menu(t)


def _card_shows(card_text: str, appeal_text: str) -> bool:
    """Whether a card's text (as the platform gives it back) carries the appeal's text."""
    head = " ".join(appeal_text.split())[:60]
    return bool(head) and head in " ".join(card_text.split())

