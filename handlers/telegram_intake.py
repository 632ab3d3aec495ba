"""Telegram updates checked one by one as they arrive (polling and webhook alike).

An update aiogram cannot read (a message without `chat`, a string chat id, a callback
without `from`), or one our translation fails on, is skipped: its raw JSON goes to the
dead letters for operators (`python -m bot dead-letters`) and one line is logged naming
its id and what was wrong by field and error type, never its contents. The updates around
it are handled as usual, and polling moves its offset past it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from aiogram import Bot
from aiogram.types import Update
from pydantic import ValidationError

from bot.dead_letters import Unreadable
from bot.dialog.types import Incoming
from handlers.ports import DeadLetters
from handlers.telegram_updates import PLATFORM, incoming_of

log = logging.getLogger(__name__)

MAX_ERRORS_NAMED = 3  # of one update's validation errors, in the reason


class Rejection(StrEnum):
    NOT_JSON = "not_json"  # the webhook body is not JSON at all
    NOT_AN_UPDATE = "not_an_update"  # aiogram's Update does not validate it
    UNTRANSLATABLE = "untranslatable"  # valid, but our translation to Incoming failed


@dataclass(frozen=True, slots=True)
class Accepted:
    update: Update
    incoming: Incoming | None  # None: nothing the core has a use for


@dataclass(frozen=True, slots=True)
class Rejected:
    update_id: int | None
    rejection: Rejection
    detail: str  # fields and error types only
    raw: str

    @property
    def reason(self) -> str:
        return f"{self.rejection}: {self.detail}" if self.detail else str(self.rejection)

    def letter(self) -> Unreadable:
        return Unreadable(str(self.update_id) if self.update_id is not None else None,
                          self.reason, self.raw)


def update_id_of(raw: Any) -> int | None:
    """The update_id of a raw update, if it has a usable one."""
    value = raw.get("update_id") if isinstance(raw, dict) else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None


def validation_detail(exc: ValidationError) -> str:
    """Where and what, e.g. "message.chat: missing": pydantic's own message would quote the
    input (a person's text), so only locations and error types are named."""
    errors = exc.errors(include_url=False, include_context=False, include_input=False)
    parts = [f"{'.'.join(str(p)[:40] for p in error['loc']) or 'update'}: {error['type']}"
             for error in errors[:MAX_ERRORS_NAMED]]
    if len(errors) > MAX_ERRORS_NAMED:
        parts.append(f"+{len(errors) - MAX_ERRORS_NAMED}")
    return "; ".join(parts)


def _dumps(raw: Any) -> str:
    try:
        return json.dumps(raw, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(raw)


class TelegramIntake:
    """Checks updates for the transport and keeps the rejected ones."""

    def __init__(self, bot: Bot, dead_letters: DeadLetters) -> None:
        self.bot = bot
        self.dead_letters = dead_letters

    def parse_json(self, body: str) -> Any | Rejected:
        """A webhook body: its JSON, or a rejection."""
        try:
            return json.loads(body)
        except ValueError as exc:
            return Rejected(None, Rejection.NOT_JSON, type(exc).__name__, body)

    def check(self, raw: Update | Any) -> Accepted | Rejected:
        """An update (or raw JSON of one) that aiogram and our translation can read, or the
        reason it is skipped."""
        if isinstance(raw, Update):
            update = raw
        else:
            try:
                update = Update.model_validate(raw, context={"bot": self.bot})
            except ValidationError as exc:
                return Rejected(update_id_of(raw), Rejection.NOT_AN_UPDATE,
                                validation_detail(exc), _dumps(raw))
        try:
            incoming = incoming_of(update)
        except Exception as exc:  # a bug of ours: the update is kept for the fix
            dump = raw if not isinstance(raw, Update) else update.model_dump(
                mode="json", by_alias=True, exclude_none=True)
            return Rejected(update.update_id, Rejection.UNTRANSLATABLE, type(exc).__name__,
                            _dumps(dump))
        return Accepted(update, incoming)

    async def keep(self, rejected: list[Rejected]) -> None:
        """Into the dead letters, one log line each. A failure here is logged too: the bad
        update must not stall the others either way."""
        if not rejected:
            return
        for letter in rejected:
            log.warning("Telegram update %s skipped (%s); kept in dead_letters",
                        letter.update_id if letter.update_id is not None else "?", letter.reason)
        try:
            await self.dead_letters.keep(PLATFORM, [letter.letter() for letter in rejected])
        except Exception as exc:
            log.error("dead letters not stored (%s): %s update(s) lost", type(exc).__name__,
                      len(rejected))
