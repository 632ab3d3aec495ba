"""`/web` in chat gives staff a one-time link (citizens a polite refusal), and
`python -m bot web-link` prints one on stdout; both sign in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import aiohttp

from bot import texts
from bot.app import web_console
from bot.config import PROJECT_ROOT
from tests.chat import Chat
from tests.conftest import DEMO_CSV, KOTELNICH
from tests.texts_helpers import fields
from tests.web.helpers import client_for, open_link


async def test_web_command_gives_staff_a_link_that_signs_in(app, sender, citizen, admin) -> None:
    server = web_console(app, port=0)
    await server.start()
    try:
        await citizen.file_appeal()
        await admin.say("/web")
        reply = fields(texts.WEB_LINK, admin.texts())
        assert reply["who"] == texts.WEB_ROLES["admin"].format(institutions="Котельничская ЦРБ")
        url = reply["url"]
        assert url.startswith(f"http://127.0.0.1:{server.port}/signin/")
        # through the real server, as a browser would
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
            page = await browser.get(url)
            nonce = (await page.text()).split('name="nonce" value="')[1].split('"')[0]
            done = await browser.post(url, data={"nonce": nonce})
            html = await done.text()
            assert done.status == 200 and "2026-000001" in html
    finally:
        await server.close()


async def test_citizens_and_groups_get_no_link(app, sender, citizen, admin) -> None:
    async with app.db.unit() as repos:
        from bot.web import links

        await links.announce(repos, "http://127.0.0.1:8090", app.clock.now())
    await citizen.say("/web")
    assert citizen.texts() == texts.WEB_STAFF_ONLY
    group = Chat(app, sender, "telegram", user_id="2001", chat_id="-500", is_group=True)
    await group.say("/web")
    assert group.texts() == texts.WEB_GROUP_PRIVATE
    async with app.db.read() as reader:
        assert await reader.web.session("x", app.clock.now()) is None


async def test_web_command_before_the_console_is_served(app, sender, admin) -> None:
    await admin.say("/web")
    assert admin.texts() == texts.WEB_NOT_SERVED


def _bot(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("TELEGRAM", "VK_", "MAX_", "WEB_"))}
    base.update(DATABASE_PATH=str(tmp_path / "db.sqlite3"), FAQ_PATH=str(tmp_path / "faq.yaml"),
                DIRECTORY_CSV=str(DEMO_CSV), PYTHONPATH=str(PROJECT_ROOT), **env)
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          cwd=tmp_path, env=base, timeout=120)


async def test_web_link_cli_prints_a_url_that_signs_in(tmp_path: Path, sender) -> None:
    from bot.app import build_app
    from bot.config import Settings

    done = _bot(tmp_path, "web-link", "--role", "admin", "--institution", KOTELNICH)
    assert done.returncode == 0, done.stderr
    url = done.stdout.strip()
    assert url.startswith("http://127.0.0.1:8090/signin/") and "\n" not in url
    refused = _bot(tmp_path, "web-link", "--role", "admin")
    assert refused.returncode == 2 and "--institution" in refused.stderr
    settings = Settings(_env_file=None, database_path=tmp_path / "db.sqlite3",  # type: ignore[call-arg]
                        faq_path=tmp_path / "faq.yaml", directory_csv=DEMO_CSV)
    app = await build_app(settings)
    try:
        client = await client_for(app)
        try:
            status, html = await open_link(client, url.rsplit("/", 1)[1])
            assert status == 200 and texts.WEB_QUEUE_TITLE in html
            assert "web:admin:" + KOTELNICH in html  # a person of the web console only
        finally:
            await client.close()
    finally:
        await app.close()


async def test_web_link_people_receive_nothing_in_any_chat(tmp_path: Path) -> None:
    """The CLI's operator and admin hold their roles for the web console only: no chat
    becomes the institution's inbox (its cards would go where nobody reads them) and no
    operator chat appears (escalations would vanish, and the warning that no operator is
    configured would be silenced)."""
    from bot.app import build_app
    from bot.cli.serving import operators_problem
    from bot.config import Settings
    from storage.records import Role

    for args in (("--role", "admin", "--institution", KOTELNICH), ("--role", "operator")):
        done = _bot(tmp_path, "web-link", *args)
        assert done.returncode == 0, done.stderr
    settings = Settings(_env_file=None, database_path=tmp_path / "db.sqlite3",  # type: ignore[call-arg]
                        faq_path=tmp_path / "faq.yaml", directory_csv=DEMO_CSV)
    app = await build_app(settings)
    try:
        async with app.db.unit() as repos:
            assert await repos.people.inbox_chats(KOTELNICH) == []
            assert await repos.people.staff_chats(Role.OPERATOR) == []
            roles = {(r.role, r.institution_id) for u in ("web:operator", f"web:admin:{KOTELNICH}")
                     for r in await repos.people.roles((await repos.people.find_user(
                         "console", u)).id)}
        assert roles == {(Role.OPERATOR, None), (Role.ADMIN, KOTELNICH)}
        assert await operators_problem(app) is not None
    finally:
        await app.close()


async def test_python_m_bot_web_serves_the_console_alone(tmp_path: Path) -> None:
    import asyncio
    import signal

    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM", "VK_", "MAX_", "WEB_"))}
    env.update(DATABASE_PATH=str(tmp_path / "db.sqlite3"), FAQ_PATH=str(tmp_path / "faq.yaml"),
               DIRECTORY_CSV=str(DEMO_CSV), PYTHONPATH=str(PROJECT_ROOT), WEB_PORT="0")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "web", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 120)).decode()
        base = line.split(": ", 1)[1].strip()
        assert base.startswith("http://127.0.0.1:")
        async with aiohttp.ClientSession() as browser:
            assert (await browser.get(base + "/queue")).status == 401  # sign in first
            assert (await browser.get(base + "/signin/anything")).status == 200
    finally:
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 60)
    assert code == 0, (await process.stderr.read()).decode() if process.stderr else ""
