"""Signing in and who is signed in.

- A one-time link (bot/web/links.py) opens GET /signin/<token>: a page with one «Войти»
  button, so a messenger's link preview, which fetches the address, does not use the
  link up. Its POST must carry the value of a short-lived sign-in cookie set by that page
  (SameSite=Strict: a form on another site cannot sign anyone in with a link of its own).
- The POST uses the link (single use, within 10 minutes) and opens a session: a random
  token in an HttpOnly, SameSite=Strict cookie (Secure when WEB_BASE_URL is https) that
  expires after 12 hours; only its sha256 is stored.
- Every request with a session is rebuilt into the chat's Actor from the person's current
  roles (links.actor_of): a revoked role ends the access at once.
- Every POST form carries a CSRF token derived from the session token (HMAC), checked
  before the handler runs; sign-out deletes the session.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot import texts
from bot.web import links
from bot.web.context import VIEWER, Viewer, context_of, viewer
from bot.web.render import SECURITY_HEADERS, message_page, render, see_other

SESSION_COOKIE = "medfront_session"
SIGNIN_COOKIE = "medfront_signin"
PUBLIC = ("/signin/", "/static/", "/signed-out")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def csrf_of(session_token: str) -> str:
    return hmac.new(session_token.encode("utf-8"), b"medfront-web-csrf",
                    hashlib.sha256).hexdigest()


def _cookie(response: web.StreamResponse, request: web.Request, name: str, value: str,
            max_age: int, path: str = "/") -> None:
    response.set_cookie(name, value, max_age=max_age, path=path, httponly=True,
                        samesite="Strict", secure=context_of(request).secure_cookies)


@web.middleware
async def security(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every answer, an error's too, with the pages' security headers."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers.update(SECURITY_HEADERS)
        raise
    response.headers.update(SECURITY_HEADERS)
    return response


@web.middleware
async def sessions(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Who is signed in (or a sign-in page); every POST's CSRF token checked."""
    if request.path.startswith(PUBLIC):
        return await handler(request)
    token = request.cookies.get(SESSION_COOKIE, "")
    found = await _viewer(request, token) if token else None
    if found is None:
        return message_page(request, texts.WEB_SIGNIN_NEEDED, status=401,
                            title=texts.WEB_SIGNIN_TITLE)
    if isinstance(found, str):
        return message_page(request, found, status=403)
    request[VIEWER] = found
    if request.method == "POST":
        form = await request.post()
        sent = form.get("csrf")
        if not isinstance(sent, str) or not hmac.compare_digest(sent, found.csrf):
            return message_page(request, texts.WEB_CSRF_REFUSED, status=403)
    return await handler(request)


async def _viewer(request: web.Request, token: str) -> Viewer | str | None:
    """The session's person; a text why not (roles gone); None: no such session."""
    ctx = context_of(request)
    hashed = links.hash_token(token)
    async with ctx.db.read() as reader:
        grant = await reader.web.session(hashed, ctx.clock.now())
        if grant is None:
            return None
        user = await reader.people.get_user(grant.user_id)
        actor = await links.actor_of(reader, grant)
    if user is None or actor is None:
        return texts.WEB_NO_ROLE
    return Viewer(user, grant, actor, csrf_of(token), hashed)


async def signin_page(request: web.Request) -> web.StreamResponse:
    """The link's page: one button (nothing is used up by opening it)."""
    nonce = secrets.token_urlsafe(16)
    response = render(request, "signin.html", title=texts.WEB_SIGNIN_TITLE, nonce=nonce,
                      token=request.match_info["token"])
    _cookie(response, request, SIGNIN_COOKIE, nonce,
            max_age=int(links.LINK_TTL.total_seconds()), path="/signin/")
    return response


async def signin(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    form = await request.post()
    nonce, sent = request.cookies.get(SIGNIN_COOKIE, ""), form.get("nonce")
    if not nonce or not isinstance(sent, str) or not hmac.compare_digest(sent, nonce):
        return message_page(request, texts.WEB_CSRF_REFUSED, status=403)
    token = links.new_token()
    now = ctx.clock.now()
    async with ctx.db.unit() as repos:
        grant = await repos.web.use_link(links.hash_token(request.match_info["token"]), now)
        if grant is not None:
            await repos.web.add_session(links.hash_token(token), grant, now,
                                        now + links.SESSION_TTL)
    if grant is None:
        return message_page(request, texts.WEB_LINK_INVALID, status=403,
                            title=texts.WEB_SIGNIN_TITLE)
    response = see_other("/queue")
    _cookie(response, request, SESSION_COOKIE, token,
            max_age=int(links.SESSION_TTL.total_seconds()))
    response.del_cookie(SIGNIN_COOKIE, path="/signin/")
    return response


async def signout(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    async with ctx.db.unit() as repos:
        await repos.web.end_session(viewer(request).session_hash)
    response = see_other("/signed-out")
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


async def signed_out(request: web.Request) -> web.StreamResponse:
    return message_page(request, texts.WEB_SIGNED_OUT, status=200, title=texts.WEB_SIGNIN_TITLE)
