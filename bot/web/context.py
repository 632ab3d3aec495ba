"""What the console's pages use of the application, handed in under the aiohttp
Application's typed key (no module globals): bot/app.py's web_console() builds it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from bot.appeals.access import Actor
from bot.appeals.service import AppealService
from bot.clock import Clock
from bot.dialog.ports import DirectorySource
from storage.records import User
from storage.store import Store
from storage.web_repo import WebGrant


@dataclass(frozen=True, slots=True)
class WebContext:
    db: Store
    clock: Clock
    appeals: AppealService
    directory: DirectorySource
    # New outbox rows were committed: the delivery sends them (the courier's wake, or a
    # flush in the console run).
    notify: Callable[[], None]
    base_url: str  # what people open, without a trailing slash

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")



@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in person of one request (bot/web/auth.py)."""

    user: User
    grant: WebGrant
    actor: Actor
    csrf: str
    session_hash: str


CONTEXT = web.AppKey("medfront_web", WebContext)
VIEWER = web.RequestKey("medfront_viewer", Viewer)


def context_of(request: web.Request) -> WebContext:
    return request.app[CONTEXT]


def viewer(request: web.Request) -> Viewer:
    """The signed-in person (the session middleware lets no one else reach a page)."""
    found = request.get(VIEWER)
    if not isinstance(found, Viewer):
        raise web.HTTPUnauthorized()
    return found
