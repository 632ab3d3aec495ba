"""Server-rendered pages: one Jinja2 environment per web application (under its typed
key), autoescaping everything, every text from bot/texts (as `t` in the templates)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from bot import texts
from bot.web.context import VIEWER

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

TEMPLATES = web.AppKey("medfront_web_templates", jinja2.Environment)


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,  # every value is escaped: citizens' texts are never trusted
        undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True,
    )
    env.globals["t"] = texts
    return env


# Pages hold personal data: never cached, never framed, no third-party anything.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": ("default-src 'none'; style-src 'self'; img-src 'self'; "
                                "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def render(request: web.Request, name: str, *, status: int = 200, **context: Any) -> web.Response:
    env = request.app[TEMPLATES]
    context.setdefault("viewer", request.get(VIEWER))
    html = env.get_template(name).render(**context)
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def message_page(request: web.Request, text: str, *, status: int,
                 title: str = texts.WEB_TITLE) -> web.Response:
    return render(request, "message.html", status=status, title=title, text=text)


def see_other(location: str) -> web.Response:
    """After a form: the page to show (a reload does not post the form again)."""
    return web.Response(status=303, headers={"Location": location})
