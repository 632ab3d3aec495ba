"""Driving the web console in tests: aiohttp's test client on the app's own wiring, and
signing in through a one-time link as a person would."""

from __future__ import annotations

import re
from http.cookies import SimpleCookie

from aiohttp.test_utils import TestClient, TestServer

from bot import texts
from bot.app import App
from bot.web import links
from bot.web.app import make_web_app
from bot.web.context import WebContext
from storage.web_repo import WebGrant

BASE = "http://127.0.0.1"


def web_context(app: App, base_url: str = BASE) -> WebContext:
    return WebContext(app.db, app.clock, app.appeals, app.directory, app.courier.wake, base_url)


async def client_for(app: App, base_url: str = BASE) -> TestClient[object, object]:
    client: TestClient[object, object] = TestClient(TestServer(make_web_app(
        web_context(app, base_url))))
    await client.start_server()
    return client


async def link_for(app: App, user_id: int, role: str, institution: str | None = None) -> str:
    async with app.db.unit() as repos:
        return await links.issue_link(repos, WebGrant(user_id, role, institution),
                                      app.clock.now())


async def user_id_of(app: App, platform: str, platform_user_id: str) -> int:
    async with app.db.unit() as repos:
        user = await repos.people.find_user(platform, platform_user_id)
    assert user is not None
    return user.id


async def open_link(client: TestClient[object, object], token: str) -> tuple[int, str]:
    """Open the link's page and press «Войти»: (status, the page it ends on)."""
    page = await client.get(f"/signin/{token}")
    html = await page.text()
    assert page.status == 200, html
    nonce = re.search(r'name="nonce" value="([^"]+)"', html)
    assert nonce is not None
    done = await client.post(f"/signin/{token}", data={"nonce": nonce[1]})
    return done.status, await done.text()


async def sign_in(client: TestClient[object, object], app: App, user_id: int, role: str,
                  institution: str | None = None) -> None:
    status, html = await open_link(client, await link_for(app, user_id, role, institution))
    assert status == 200 and texts.WEB_QUEUE_TITLE in html, html


def csrf_of_page(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, html
    return found[1]


def set_cookies(headers: list[str]) -> dict[str, SimpleCookie]:
    out = {}
    for header in headers:
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        for name in cookie:
            out[name] = cookie
    return out
