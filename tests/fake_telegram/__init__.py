"""A fake Telegram Bot API for tests: in-process (RecordingSession for aiogram's Bot) or over
HTTP on 127.0.0.1 (FakeBotApiServer, for the real bot process via TELEGRAM_API_URL).

It keeps what a test needs to check: every call, the messages of every chat (numbered per
chat, as Telegram does), pending updates with getUpdates offset semantics, and it lets a
test play users: write, press buttons, reply to messages, send photos. Files: getFile and
the download (/file/bot<token>/<file_path>) give the bytes a test put under a file_id
(put_file(), or message(photo=b"...") for the photo's largest size); an unknown or forgotten
file_id fails getFile as Telegram does for a file it no longer has. sendPhoto/sendDocument
take a file_id or an upload (multipart, as aiogram sends an InputFile): the bytes are kept
on the Sent message (`file`) and under a new file_id; captions over 1024 characters, empty
files and files over the bots' upload limits are refused as Telegram does.

Off unless a test turns them on: Telegram's rate limits (enforce_limits; a refused call is a
429 with retry_after) and faults: fail windows, hung chats, a revoked token, kicked or
migrated chats, and (FakeBotApiServer) connections dropped before or after handling. All
time goes through `now` (a test may pass a fast clock).

The parts, each on the one before: records.py (calls, sent messages, errors), state.py
(chats, waiting), faults.py (limits and faults), users.py (the users' side), bot_api.py
(FakeTelegram: the Bot API methods); session.py and server.py connect aiogram to it.
"""

from tests.fake_telegram.bot_api import FakeTelegram
from tests.fake_telegram.records import BOT_USER, SENDING, ApiError, Call, FileUpload, Sent
from tests.fake_telegram.server import FakeBotApiServer
from tests.fake_telegram.session import RecordingSession, recording_session

__all__ = ["BOT_USER", "SENDING", "ApiError", "Call", "FakeBotApiServer", "FakeTelegram",
           "FileUpload", "RecordingSession", "Sent", "recording_session"]
