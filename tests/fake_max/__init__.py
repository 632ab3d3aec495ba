"""A fake MAX Bot API on 127.0.0.1 for tests (aiohttp, a free port), written from MAX's
documented shapes (dev.max.ru/docs-api, the OpenAPI schema github.com/max-messenger/api-schema
0.0.33, the changelog of 2026) and checked against maxapi 1.2.3 (tests/fakes/test_fake_max.py).

    fake = FakeMax(token="t")
    base = await fake.serve()           # or: async with FakeMax() as fake; maxapi:
                                        # bot = Bot("t"); bot.set_api_url(base)
    fake.start(1001, payload="ref_42")  # a bot_started update, into the long poll
    sent = await fake.wait_sent(fake.dialog(1001), "Здравствуйте")
    fake.press(sent, "Записаться")      # message_callback for that button
    await fake.close()

The server starts with serve() (or `async with FakeMax() as fake`); start() is not the server
but the bot_started builder: a user pressing Start.

Auth: the token only in the `Authorization` header, raw (no "Bearer"). A token in the
`access_token` query parameter is refused, as MAX now does: 401 {"code": "verify.token", ...}.

Errors: HTTP status + {"code": ..., "message": ...}; map by `code`. 400 proto.payload (a body
MAX would not take: text over 4000, keyboard over its limits, bad secret...), 400
attachment.not.ready, 401 verify.token, 403 chat.denied (bot removed from the chat; user
blocked/stopped the bot: "Key: error.dialog.suspended"), 404 chat.not.found (unknown chat_id,
e.g. a user id passed as chat_id), 404 not.found (message or callback), 404 method.not.found
(unknown path), 405 method.not.allowed (GET /updates while a webhook is on), 429
too.many.requests, 5xx internal.error / service.unavailable (fail_window()).

Ids: user ids are positive. A dialog (bot <-> user) has its own positive chat_id, not the user
id (here `dialog(user_id)` = user id + 9_000_000_000); group chats and channels have negative
chat_ids (here counting down from -70_000_000_000_001), as in MAX's examples. POST /messages
takes `user_id=` (the dialog; any user is taken, block() one to refuse) or `chat_id=` (a chat
the fake knows: made by dialog(), group() or an update builder). A Message's recipient is
{chat_id, chat_type "dialog", user_id} in dialogs and {chat_id, chat_type "chat"} in groups;
mids are "mid.<hex>".

Methods: GET /me; PATCH /me/commands and PATCH /me's `commands` (the menu: <= 32 commands,
name 1..64, description none or 1..128; kept in `commands`);
GET /updates?marker=&limit=(1..1000, 100)&timeout=(0..90 s, 30)&types=a,b
-> {"updates": [...], "marker": N}: updates stay until a call passes a marker past them
(without a marker: every update not yet committed), the call waits up to `timeout` s when
there are none; POST /messages (NewMessageBody: text <= 4000, format markdown|html, link
{type reply|forward, mid}, notify, attachments <= 12 with one inline_keyboard of <= 30 rows,
<= 7 buttons a row, <= 3 when the row has a link/open_app/request_geo_location/request_contact
button, <= 210 in all, button text 1..128, callback/clipboard payload <= 1024, link url <=
2048, open_app needs web_app) -> {"message": Message}; PUT /messages?message_id= (text
replaced when given; attachments left out or null: kept, keyboard too; [] removes them all,
keyboard included; a list replaces them) -> {"success": true}; DELETE /messages?message_id=;
GET /messages/{mid}; POST /answers?callback_id= ({"message": NewMessageBody, applied to the
pressed message as an edit, and/or "notification"}); GET /chats/{id}; GET /chats/{id}/members;
POST /chats/{id}/actions; POST|GET|DELETE /subscriptions (url, update_types, secret 5..256 of
[A-Za-z0-9_-]); POST /uploads?type=image|video|audio|file -> {"url"[, "token"]} and that
url takes one multipart upload (field `data`; see tests/fake_max/uploads.py): a message's
image/video/audio/file attachment must name the token of an upload of its type (or of media
a user sent), else 400 proto.payload; a video/audio token before its file is
attachment.not.ready.

Webhook: while subscribed, injected updates are POSTed to the url (with X-Max-Bot-Api-Secret
when a secret was given) and each answer is kept in `deliveries` (only 200 counts as
delivered; redeliver() retries the rest); the long poll answers 405 meanwhile. http:// urls
are taken unless webhook_https_only=True (MAX takes only https:// since 25 May 2026).

Updates (each builder injects unless inject=False, and returns the update): message(),
message_edited(), press(), start() (payload <= 128 of [A-Za-z0-9_-], else dropped as MAX
drops it), bot_stopped(), bot_added() (no `user` since November 2026; user_id= for the old
shape), bot_removed(), user_added(), user_removed(); inject() for any other.

Where maxapi 1.2.3 differs (see tests/fakes/test_fake_max.py): its edit_message() always sends
"attachments": [], so an edit through it removes the keyboard unless the keyboard is given
again; it refuses texts of 4000 characters already (MAX takes 4000); it cannot parse
bot_added without `user`, so such updates are skipped by its polling.

Recorded: `sent` (SentMessage: chat_id, user_id, text, format, buttons by rows, rows of {type,
text, payload}, attachments, link, mid, edits, deleted), `answers`, `calls`, `deliveries`,
`actions`, `uploaded` (token -> Upload: kind, bytes, filename, content type); to(chat_id),
to_user(user_id), images_to(chat_id) (the uploads the bot's images there name),
wait_sent(chat_id, text, timeout), wait_answer(), wait_for(predicate).

Off until a test turns them on: enforce_limits(per_second=30, per_chat=2) (about 30 calls a
second in all, the long poll apart; at most 2 messages, 2 edits and 2 answers a second into
one chat -> 429), fail_window(n, status), hang(seconds), drop_subscriptions(), revoke_token(), remove_bot(chat_id),
block(user_id), attachment_not_ready(). Time for the limits is `now` (a test may drive it).
"""

from tests.fake_max.model import (
    Answer,
    Call,
    Delivery,
    Edit,
    MaxError,
    SentMessage,
    Subscription,
)
from tests.fake_max.server import FakeMax
from tests.fake_max.uploads import Upload

__all__ = ["Answer", "Call", "Delivery", "Edit", "FakeMax", "MaxError", "SentMessage",
           "Subscription", "Upload"]
