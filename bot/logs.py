"""Logging set up once for every command. Logs never carry what people wrote, their names,
phone numbers or tokens, at any level (152-FZ): our own lines name ids and classes only,
and the libraries that would log whole events or SQL parameters at DEBUG are held above it.

LOG_FORMAT=json writes one JSON object a line (time, level, logger, message, and an
exception's class and brief message: no traceback, whose frames' lines could quote
data) for a log collector; as a second safety net every string of such a line has tokens
and phone-number-like digit runs masked.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from enum import StrEnum
from typing import TextIO

# Loggers that write message contents at DEBUG: aiosqlite every statement's parameters,
# vkbottle whole events, aiohttp's access log the request paths (the Bot API token).
QUIET = {"aiosqlite": logging.INFO, "vkbottle": logging.WARNING,
         "aiohttp.access": logging.WARNING, "aiogram.client": logging.INFO}

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class LogFormat(StrEnum):
    TEXT = "text"  # for people: time level logger: message
    JSON = "json"  # for a log collector: one JSON object a line


def configure_logging(level: str, fmt: LogFormat = LogFormat.TEXT) -> None:
    logging.basicConfig(level=level.upper(), handlers=[log_handler(fmt)])
    quiet_libraries()


def log_handler(fmt: LogFormat, stream: TextIO | None = None) -> logging.Handler:
    """Lines of `fmt` to `stream` (standard error)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt is LogFormat.JSON
                         else logging.Formatter(TEXT_FORMAT))
    return handler


def quiet_libraries() -> None:
    for name, floor in QUIET.items():
        logger = logging.getLogger(name)
        logger.setLevel(max(floor, logger.getEffectiveLevel()))


# Tokens as they appear in URLs and errors: a Bot API path, a VK access_token parameter.
_SECRETS = re.compile(r"(bot)\d+:[A-Za-z0-9_-]+|(access_token=)[^&\s'\"]+")
# Phone numbers as people write them, not the platforms' ids (bare digit runs of up to 10,
# a group's -100...): "+" and 10 to 15 digits (+7 912 345-67-89, +79123456789); 11 digits
# from 7 or 8 (89123456789, 8 (912) 345-67-89); a mobile number from 9 written in groups
# (912 345-67-89).
_PHONES = re.compile(r"(?<![\w+])(?:\+\d(?:[\s()-]{0,2}\d){9,14}|[78](?:[\s()-]{0,2}\d){10}"
                     r"|9\d\d[\s)-]{1,2}\d{3}[\s-]?\d{2}[\s-]?\d{2})(?!\w)")


def mask(text: str) -> str:
    """Tokens and phone-number-like digit runs replaced by ***."""
    return _PHONES.sub("***", _hide_secrets(text))


def _hide_secrets(text: str) -> str:
    return _SECRETS.sub(lambda m: (m.group(1) or m.group(2)) + "***", text)


def brief(exc: BaseException, limit: int = 200) -> str:
    """An exception as one short log line: its class and message, tokens masked. Only for
    errors of connections and APIs (whose messages name hosts and statuses, not people's
    data)."""
    text = _hide_secrets(" ".join(str(exc).split())[:limit])
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message and, with an
    exception, its class and brief message (`brief`), every string masked (`mask`)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, str] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask(record.getMessage()),
        }
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            line["exception"] = type(exc).__name__
            line["error"] = mask(brief(exc))
        return json.dumps(line, ensure_ascii=False)
