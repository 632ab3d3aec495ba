"""Sign-in without passwords: one-time links (single use, 10 minutes, only hashes stored),
the session cookie's flags and expiry, CSRF on every form, sign-out, a revoked role."""

from __future__ import annotations

from datetime import timedelta

from bot import texts
from bot.web import links
from tests.db_helpers import rows
from tests.web.helpers import (
    client_for,
    csrf_of_page,
    link_for,
    open_link,
    set_cookies,
    sign_in,
    user_id_of,
)


async def test_a_link_signs_in_once(app, client, admin) -> None:
    uid = await user_id_of(app, "telegram", "2001")
    token = await link_for(app, uid, "admin")
    status, html = await open_link(client, token)
    assert status == 200 and texts.WEB_QUEUE_TITLE in html
    client.session.cookie_jar.clear()
    status, html = await open_link(client, token)
    assert status == 403 and texts.WEB_LINK_INVALID in html
    # the database keeps only the token's sha256
    stored = [row[0] for row in rows(app, "SELECT token_hash FROM web_links")]
    assert stored == [links.hash_token(token)] and token not in stored


async def test_opening_the_link_uses_nothing_up(app, client, admin) -> None:
    """A messenger's link preview fetches the address: only the button's POST signs in."""
    token = await link_for(app, await user_id_of(app, "telegram", "2001"), "admin")
    for _ in range(3):
        assert (await client.get(f"/signin/{token}")).status == 200
    status, _ = await open_link(client, token)
    assert status == 200


async def test_a_link_expires_after_ten_minutes(app, client, admin, clock) -> None:
    token = await link_for(app, await user_id_of(app, "telegram", "2001"), "admin")
    clock.advance(timedelta(minutes=10, seconds=1))
    status, html = await open_link(client, token)
    assert status == 403 and texts.WEB_LINK_INVALID in html


async def test_the_sign_in_post_needs_the_pages_cookie(app, client, admin) -> None:
    """A form on another site cannot sign a browser in with a link of its own."""
    token = await link_for(app, await user_id_of(app, "telegram", "2001"), "admin")
    response = await client.post(f"/signin/{token}", data={"nonce": "guessed"})
    assert response.status == 403
    status, _ = await open_link(client, token)  # not used up by the refused attempt
    assert status == 200


async def test_session_cookie_flags(app, admin, sender) -> None:
    """HttpOnly, SameSite=Strict, 12 hours; Secure when the base URL is https (the client
    here speaks http, so it is handed the sign-in cookie a browser would keep)."""
    for base, secure in (("http://127.0.0.1", False), ("https://console.example.org", True)):
        client = await client_for(app, base)
        try:
            token = await link_for(app, await user_id_of(app, "telegram", "2001"), "admin")
            page = await client.get(f"/signin/{token}")
            signin = set_cookies(page.headers.getall("Set-Cookie"))["medfront_signin"]
            nonce = signin["medfront_signin"].value
            assert signin["medfront_signin"]["samesite"] == "Strict"
            assert bool(signin["medfront_signin"]["secure"]) is secure
            response = await client.post(
                f"/signin/{token}", data={"nonce": nonce}, allow_redirects=False,
                headers={"Cookie": f"medfront_signin={nonce}"})
            assert response.status == 303 and response.headers["Location"] == "/queue"
            morsel = set_cookies(response.headers.getall("Set-Cookie"))[
                "medfront_session"]["medfront_session"]
            assert morsel["httponly"] is True
            assert morsel["samesite"] == "Strict"
            assert bool(morsel["secure"]) is secure
            assert int(morsel["max-age"]) == 12 * 3600
            assert morsel["path"] == "/"
        finally:
            await client.close()


async def test_a_session_expires(app, client, admin, clock) -> None:
    await sign_in(client, app, await user_id_of(app, "telegram", "2001"), "admin")
    assert (await client.get("/queue")).status == 200
    clock.advance(timedelta(hours=12, seconds=1))
    response = await client.get("/queue")
    assert response.status == 401 and texts.WEB_SIGNIN_NEEDED in await response.text()


async def test_forms_without_the_csrf_token_are_refused(app, client, admin, citizen) -> None:
    appeal_id = await citizen.file_appeal()
    await sign_in(client, app, await user_id_of(app, "telegram", "2001"), "admin")
    page = await (await client.get(f"/appeal/{appeal_id}")).text()
    for data in ({}, {"csrf": "0" * 64}):
        response = await client.post(f"/appeal/{appeal_id}/take", data=data)
        assert response.status == 403 and texts.WEB_CSRF_REFUSED in await response.text()
    async with app.db.read() as reader:
        appeal = await reader.appeals.get(appeal_id)
    assert appeal is not None and appeal.status == "new"  # nothing was done
    response = await client.post(f"/appeal/{appeal_id}/take", data={"csrf": csrf_of_page(page)})
    assert response.status == 200 and texts.WEB_DONE["taken"] in await response.text()


async def test_sign_out_ends_the_session(app, client, admin) -> None:
    await sign_in(client, app, await user_id_of(app, "telegram", "2001"), "admin")
    page = await (await client.get("/queue")).text()
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))["medfront_session"]
    response = await client.post("/signout", data={"csrf": csrf_of_page(page)})
    assert response.status == 200 and texts.WEB_SIGNED_OUT in await response.text()
    # the old cookie is worth nothing now, also replayed
    client.session.cookie_jar.update_cookies({"medfront_session": cookie.value})
    assert (await client.get("/queue")).status == 401


async def test_a_revoked_role_ends_the_access(app, client, admin) -> None:
    from bot.appeals import staff_power
    from bot.appeals.staff_power import CLI

    uid = await user_id_of(app, "telegram", "2001")
    await sign_in(client, app, uid, "admin")
    async with app.db.unit() as repos:
        await staff_power.revoke(repos, uid, CLI, app.clock.now())
    response = await client.get("/queue")
    assert response.status == 403 and texts.WEB_NO_ROLE in await response.text()


async def test_pages_carry_security_headers(app, client, admin) -> None:
    response = await client.get("/queue")
    assert response.status == 401
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
