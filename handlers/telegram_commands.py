"""Telegram's command menus (setMyCommands): citizens' by default; staff commands in group
chats (staff groups) and, per chat, in the private chats of staff (set at start and when
an invite is accepted); operators also get their reports. Who is staff the core says
(the StaffMenus port)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
)

from bot import texts
from bot.dialog.types import Incoming
from handlers.ports import StaffMenus
from handlers.telegram_updates import PLATFORM

if TYPE_CHECKING:
    from bot.staff_roles import StaffMenu

log = logging.getLogger(__name__)


def _commands(*catalogues: dict[str, str]) -> list[BotCommand]:
    return [BotCommand(command=name, description=description)
            for catalogue in catalogues for name, description in catalogue.items()]


def is_invite(incoming: Incoming) -> bool:
    """`/start inv_<token>`: the person may have just become staff."""
    return incoming.text.startswith("/start") and " inv_" in incoming.text


class TelegramCommands:
    def __init__(self, bot: Bot, menus: StaffMenus) -> None:
        self.bot = bot
        self.menus = menus

    async def register(self) -> None:
        await self.bot.set_my_commands(_commands(texts.TELEGRAM_CITIZEN_COMMANDS),
                                       scope=BotCommandScopeDefault())
        await self.bot.set_my_commands(
            _commands({"start": texts.TELEGRAM_CITIZEN_COMMANDS["start"]},
                      texts.TELEGRAM_STAFF_COMMANDS,
                      {"help": texts.TELEGRAM_CITIZEN_COMMANDS["help"]}),
            scope=BotCommandScopeAllGroupChats())
        for chat_id, menu in (await self.menus.staff_chats(PLATFORM)).items():
            await self.for_chat(chat_id, menu)

    async def for_chat(self, chat_id: str, menu: StaffMenu = "staff") -> None:
        """Staff commands in one private chat. Failures are logged: a menu is not worth
        stopping for."""
        catalogues = [texts.TELEGRAM_CITIZEN_COMMANDS, texts.TELEGRAM_STAFF_COMMANDS]
        if menu == "operator":
            catalogues.append(texts.TELEGRAM_OPERATOR_COMMANDS)
        try:
            await self.bot.set_my_commands(_commands(*catalogues),
                                           scope=BotCommandScopeChat(chat_id=int(chat_id)))
        except Exception as exc:
            log.warning("setMyCommands for chat %s failed: %r", chat_id, exc)

    async def after_invite(self, incoming: Incoming) -> None:
        """A private chat whose user just became staff gets the staff menu."""
        if incoming.is_group:
            return
        menu = await self.menus.menu_of(PLATFORM, incoming.user_id)
        if menu is not None:
            await self.for_chat(incoming.chat_id, menu)
