"""What every command shares: one line on stderr for a failure, and one way to open the
database (or the whole app) and close it however the command ends."""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, Protocol, TypeVar

from bot.config import Settings

# A subcommand: its parser's set_defaults(func=...) names it; the exit code comes back.
Command = Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]
# The subparsers of the top-level parser (argparse does not name the type publicly).
Subparsers = Any


class _Closable(Protocol):
    async def close(self) -> None: ...


T = TypeVar("T", bound=_Closable)


def fail(message: str, code: int = 2) -> int:
    print(message, file=sys.stderr)
    return code


@asynccontextmanager
async def opened(opening: Awaitable[T]) -> AsyncIterator[T]:
    """`async with opened(open_store(url)) as db:` (or `build_app(settings)`): closed
    when the command ends, whatever it returns or raises."""
    thing = await opening
    try:
        yield thing
    finally:
        await thing.close()
