"""Telegram webhook mode: an aiohttp endpoint on TELEGRAM_WEBHOOK_PATH.

A POST without the secret-token header Telegram was given (setWebhook's secret_token) gets
401. Any other is answered only after its update is handled (its replies queued in the
turn's transaction), so a crash before the answer means Telegram sends it again (the
core's update_id dedupe makes that harmless). A body that is not an update at all (not
JSON, or JSON aiogram cannot read) is answered 200 too, and kept as a dead letter:
Telegram would send it again and again otherwise.

aiogram's SimpleRequestHandler (handle_in_background=False) does not fit this: it parses
the body and Dispatcher.feed_webhook_update validates the Update before any middleware
runs, so an unreadable update would be answered 500 and resent for ever.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from handlers.endpoint import Endpoint

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_endpoint(host: str, port: int, path: str, secret: str | None,
                     feed_json: Callable[[str], Awaitable[None]]) -> Endpoint:
    """The endpoint: POSTs to `path` with the secret-token header go to `feed_json`."""

    async def on_update(request: web.Request) -> web.Response:
        if secret and not hmac.compare_digest(
                request.headers.get(SECRET_HEADER, "").encode(), secret.encode()):
            return web.Response(body="Unauthorized", status=401)
        await feed_json(await request.text())
        return web.json_response({})

    return Endpoint("Telegram webhook", host, port, path, on_update)
