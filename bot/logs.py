"""Logging set up once for every command. Logs never carry what people wrote, their names,
phone numbers or tokens, at any level (152-FZ): our own lines name ids and classes only,
and the libraries that would log whole events or SQL parameters at DEBUG are held above it."""

from __future__ import annotations

import logging
import re
import sys

# Loggers that write message contents at DEBUG: aiosqlite every statement's parameters,
# vkbottle whole events, aiohttp's access log the request paths (the Bot API token).
QUIET = {"aiosqlite": logging.INFO, "vkbottle": logging.WARNING,
         "aiohttp.access": logging.WARNING, "aiogram.client": logging.INFO}


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_libraries()


def quiet_libraries() -> None:
    for name, floor in QUIET.items():
        logger = logging.getLogger(name)
        logger.setLevel(max(floor, logger.getEffectiveLevel()))


# Tokens as they appear in URLs and errors: a Bot API path, a VK access_token parameter.
_SECRETS = re.compile(r"(bot)\d+:[A-Za-z0-9_-]+|(access_token=)[^&\s'\"]+")


def brief(exc: BaseException, limit: int = 200) -> str:
    """An exception as one short log line: its class and message, tokens masked. Only for
    errors of connections and APIs (whose messages name hosts and statuses, not people's
    data)."""
    text = " ".join(str(exc).split())[:limit]
    text = _SECRETS.sub(lambda m: (m.group(1) or m.group(2)) + "***", text)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
