"""MAX's command menu: PATCH /me/commands {"commands": [{"name", "description"}]} at start.

MAX shows one list to everyone, in dialogs and group chats alike (not in channels): it has
no per-chat or per-role scopes as Telegram's setMyCommands has, so the menu is the
citizens' one (texts.MAX_CITIZEN_COMMANDS, the same as Telegram's); staff type their
commands. MAX takes at most 32 commands, a name of 1-64 characters and a description of
1-128 (dev.max.ru/docs-api/use-cases/chatbot-commands). A menu MAX refuses is logged: a
menu is not worth stopping the start for.
"""

from __future__ import annotations

import asyncio
import logging

from maxapi.enums.http_method import HTTPMethod

from bot import texts
from bot.logs import brief
from handlers.max_sender import MaxSender

log = logging.getLogger(__name__)

def menu(catalogue: dict[str, str] | None = None) -> list[dict[str, str]]:
    """The body's `commands`: name -> description in the catalogue's order."""
    items = texts.MAX_CITIZEN_COMMANDS if catalogue is None else catalogue
    return [{"name": name, "description": description} for name, description in items.items()]


async def set_commands(sender: MaxSender, catalogue: dict[str, str] | None = None) -> bool:
    """Set the menu; False (logged) when MAX refused it or could not be reached."""
    commands = menu(catalogue)
    try:
        await sender.call(HTTPMethod.PATCH, "/me/commands", body={"commands": commands})
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        log.warning("MAX: PATCH /me/commands failed, the command menu is not set: %s",
                    brief(exc))
        return False
    log.info("MAX: command menu set (%s commands)", len(commands))
    return True
